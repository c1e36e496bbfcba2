"""Ships a trained run as ``saved_models/<name>/1/``: the SavedModel (TF
Serving layout), ``model_float16.tflite`` and ``metadata.json`` with the
run's recipe and the figures measured for it (a row of a benchmark's
results file, e.g. ``training_options.json``).

    python benchmarks/ship_run.py runs/options_gan_mnist_ema28/model.keras --name gan_mnist \\
        --results benchmarks/results/training_options.json --row gan_mnist/ema28 --replace

For unconditional image generators (input ``latent``). The new export is
written and checked (it is loaded back and serves the model's own
``generate`` on the same latents) in a temporary folder beside
the target; only then is an existing ``saved_models/<name>`` swapped out
(``--replace``; without it an existing folder is refused, never
overwritten) and removed.
"""

import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)


def measured(results, row):
    """The row ``row`` of the results file ``results`` (with the file's
    protocol, and the row's machine, else the file's), or ``{}`` when
    neither is given."""
    from zoo import files

    if not results and not row:
        return {}
    if not (results and row):
        raise SystemExit("--results and --row go together: the file of figures and the row in it.")
    data = files.read_json(results)
    rows = data.get("rows", {})
    if row not in rows:
        raise SystemExit(f"no row {row!r} in {results}; it has {sorted(rows)}.")
    return dict(rows[row], row=row, results=os.path.relpath(results, ROOT),
                protocol=data.get("protocol"), cpu=rows[row].get("machine", data.get("machine")))


def check_served(model, path, n=4, seed=0):
    """The export at ``path`` serves ``generate(n, seed)`` of the model's
    float32 copy (what exports serve, also of a bfloat16 run) on the same
    latents: max abs difference under 1e-4."""
    import numpy as np

    from zoo import export, precision

    served = export.sampler(path)(n, seed=seed)
    expected = precision.float32_copy(model).generate(n, seed=seed)
    err = float(np.abs(np.asarray(served, "float32") - np.asarray(expected, "float32")).max())
    if not err < 1e-4:
        raise SystemExit(f"the new export at {path} does not serve the model: max abs difference {err:.3g}.")
    return err


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a run's model.keras (its recipe.json beside it)")
    parser.add_argument("--name", required=True, help="the folder under --root (the served model's name)")
    parser.add_argument("--root", default=os.path.join(ROOT, "saved_models"))
    parser.add_argument("--results", help="a benchmark results file (JSON with 'rows')")
    parser.add_argument("--row", help="the row of --results measured on this run")
    parser.add_argument("--replace", action="store_true", help="swap out an existing <root>/<name>")
    args = parser.parse_args(argv)

    from zoo import export, files

    target = os.path.join(args.root, args.name)
    if os.path.exists(target) and not args.replace:
        raise SystemExit(f"{target} exists; pass --replace to swap it for this run's export.")
    recipe_path = os.path.join(os.path.dirname(os.path.abspath(args.model)), "recipe.json")
    if not os.path.exists(recipe_path):
        raise SystemExit(f"{args.model}: no recipe.json beside it ({recipe_path}); give a gan-zoo train run's model.")
    metrics = measured(args.results, args.row)
    model = files.load_model(args.model)
    os.makedirs(args.root, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.root, prefix=f".ship-{args.name}-") as tmp:
        version = export.saved_model(model, tmp, args.name, version=1, recipe=files.read_json(recipe_path),
                                     metrics=metrics)
        export.tflite(model, os.path.join(version, "model_float16.tflite"), quantize="float16")
        err = check_served(model, version)
        old = None
        if os.path.exists(target):
            old = os.path.join(tmp, "previous")
            os.rename(target, old)
        try:
            os.rename(os.path.join(tmp, args.name), target)
        except BaseException:
            if old:  # put the previous export back before the temporary folder goes
                os.rename(old, target)
            raise
        if old:
            shutil.rmtree(old)
    print(f"shipped {args.model} as {target}/1 (serves generate to {err:.1g}; "
          f"{'replaced the previous export' if old else 'new'})")
    return os.path.join(target, "1")


if __name__ == "__main__":
    main()
