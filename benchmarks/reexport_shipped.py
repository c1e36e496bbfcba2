"""Re-exports the shipped models in ``saved_models/`` with the current export
code (its input checks: declared shapes enforced in the graph, text without
a vocabulary word refused), from the weights the old exports hold
(``zoo.export.model_from_exports``), and prints, per model, the max abs
difference between the old and the new export's ``images`` on the same
inputs: the weights are the same, so it must be 0. The TFLite files and the
old metadata's training facts (generator steps, recipe, measured figures,
training precision) are carried over; ``metadata.json`` records the
re-export.

    python benchmarks/reexport_shipped.py [--root saved_models] [--dry-run]

Each model folder is replaced only after its new export is written and
checked (written beside it, then swapped by rename).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import zoo  # noqa: E402,F401  (before TensorFlow: it turns oneDNN on, zoo.cpu)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zoo import export  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "saved_models")
CARRIED = ("generator_steps", "training_precision", "recipe", "metrics")


def groups(root):
    """Shipped exports grouped by model: ``{base name: [folders]}``
    (a CycleGAN's ``_a2b`` and ``_b2a`` are one model)."""
    found = {}
    for name in sorted(os.listdir(root)):
        if not os.path.isdir(os.path.join(root, name)):
            continue
        base = name[:-4] if name.endswith(("_a2b", "_b2a")) else name
        found.setdefault(base, []).append(name)
    return found


def served(path, inputs):
    fn = tf.saved_model.load(path).signatures[export.SIGNATURE]
    return fn(**{k: tf.constant(v) for k, v in inputs.items()})["images"].numpy()


def reexport(root, base, names, dry_run=False):
    old = {n: export.latest_version(os.path.join(root, n)) for n in names}
    model = export.model_from_exports(*old.values())
    with tempfile.TemporaryDirectory(dir=root, prefix=".reexport-") as tmp:
        meta_0 = json.load(open(os.path.join(next(iter(old.values())), export.METADATA)))
        extra = {k: meta_0[k] for k in CARRIED if k in meta_0}
        extra["reexported"] = {"from_export_of": meta_0.get("exported_at"),
                               "why": "input checks of the current export code (issue 17)"}
        written = export.saved_model(model, tmp, base, version=int(os.path.basename(next(iter(old.values())))),
                                     recipe=extra.pop("recipe", None), metrics=extra.pop("metrics", None),
                                     extra_metadata=extra)
        written = written if isinstance(written, list) else [written]
        report = {}
        for (suffix, _), new_path in zip(model.serving_endpoints().items(), written):
            name = f"{base}{suffix}"
            inputs = model.endpoint_example(suffix, 8, seed=11)
            difference = float(np.max(np.abs(served(old[name], inputs) - served(new_path, inputs))))
            if difference != 0.0:
                raise SystemExit(f"{name}: the re-export differs from the shipped one by {difference}; not replaced.")
            for f in os.listdir(old[name]):
                if f.endswith(".tflite"):
                    shutil.copy2(os.path.join(old[name], f), os.path.join(new_path, f))
            report[name] = difference
        if not dry_run:
            for name in report:
                target = os.path.join(root, name)
                aside = os.path.join(tmp, f"old-{name}")
                os.rename(target, aside)
                os.rename(os.path.join(tmp, name), target)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT)
    parser.add_argument("--dry-run", action="store_true", help="check only; replace nothing")
    args = parser.parse_args()
    for base, names in groups(args.root).items():
        for name, difference in reexport(args.root, base, names, args.dry_run).items():
            print(f"{name:<32} old vs new export, max abs difference of images: {difference:.1e}"
                  f"{' (dry run)' if args.dry_run else ''}")


if __name__ == "__main__":
    main()
