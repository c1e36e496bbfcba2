"""What the modern GAN training options buy per CPU-minute: one recipe
trained with each set of options (``AdversarialModel``'s ``ema_decay``,
``diff_augment``, ``r1_weight`` / ``r1_every``, or any other override), one
seed each, then scored with the README's protocol.

Each variant is ``gan-zoo train <recipe> <overrides>`` into
``runs/options_<recipe>_<variant>/`` (a finished run is scored again, not
retrained), then ``zoo.eval.evaluate`` on ``-n`` samples against the test
split with the shipped classifier's features (cFID, cKID, precision /
recall, classes); the wall time is the run's own (``summary.json``). For
runs with ``ema_decay`` the average is scored (what ``generate`` and the
exports use) and, in ``live_cfid``, the trained generator too. Results go
to ``benchmarks/results/training_options.json`` (merged by variant), the
table to stdout. Rows are keyed ``<recipe>/<variant>`` (``_seed<k>`` appended
for ``--seed k`` other than 0); ``--recipe`` takes a
recipe name or a .toml path (e.g. a copy with another schedule).

    python benchmarks/training_options.py --variants recipe            # the shipped recipe
    python benchmarks/training_options.py --variants paper_lr r1 --epochs 5
    python benchmarks/training_options.py --variants my="kwargs.r1_weight=1 train.epochs=5"
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

#: name -> overrides of the recipe (on top of --epochs). Relative to
#: dcgan_mnist as shipped (EMA 0.999, Adam 8e-4 / 0.5): the README's 5-epoch
#: screens are ``--epochs 5 --variants paper_lr ttur r1 ...``.
PAPER_LR = ["g_optimizer.learning_rate=2e-4", "d_optimizer.learning_rate=2e-4"]
VARIANTS = {
    "recipe": [],  # the live G's cFID (live_cfid) is the no-EMA ablation
    "paper_lr": PAPER_LR,
    "ttur": ["g_optimizer.learning_rate=1e-4", "d_optimizer.learning_rate=4e-4"],
    "r1": PAPER_LR + ["kwargs.r1_weight=1.0"],
    "diff_augment": PAPER_LR + ["kwargs.diff_augment=translation,cutout"],
    "batch64": PAPER_LR + ["data.batch_size=64"],
    "wide": PAPER_LR + ["kwargs.g_filters=128"],
    "lr4": ["g_optimizer.learning_rate=4e-4", "d_optimizer.learning_rate=4e-4"],
    "lr4_reuse_fakes": ["g_optimizer.learning_rate=4e-4", "d_optimizer.learning_rate=4e-4",
                        "kwargs.reuse_fakes=true"],
    "lr8_wide": ["kwargs.g_filters=128"],
    # 8e-4 for 10 epochs, then linearly to 0 over 8 (use with --epochs 18).
    "lr8_decay": [f"{net}.learning_rate={{class_name = \"zoo>LinearDecay\", config = {{initial_learning_rate = 8e-4, "
                  "constant_steps = 4680, decay_steps = 3744}}" for net in ("g_optimizer", "d_optimizer")],
}


def parse_variants(items):
    """``name`` (of VARIANTS) or ``name="override override"``."""
    out = {}
    for item in items:
        name, _, overrides = item.partition("=")
        if not overrides and name not in VARIANTS:
            raise SystemExit(f"unknown variant {name!r}: known {sorted(VARIANTS)}, or give name=\"overrides\".")
        out[name] = shlex.split(overrides) if overrides else VARIANTS[name]
    return out


def row_key(recipe, variant, seed):
    """``<recipe>/<variant>``, with ``_seed<k>`` for seeds other than 0: a
    second seed adds a row (and a work directory) beside the first."""
    return f"{recipe}/{variant}" + (f"_seed{seed}" if seed else "")


def live_sampler(model):
    """``(n, seed) -> images`` of the trained (not averaged) generator."""
    from sampling import network_sampler

    return network_sampler(model, model.generator)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="dcgan_mnist")
    parser.add_argument("--variants", nargs="*", default=["recipe"])
    parser.add_argument("--epochs", type=int, help="train.epochs for every variant (default: the recipe's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-n", type=int, default=10_000, help="samples scored per variant")
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs"))
    parser.add_argument("--out", default=os.path.join(HERE, "results", "training_options.json"))
    args = parser.parse_args(argv)

    from likelihood_models import cpu
    from zoo import files, recipes
    from zoo.eval import evaluate

    recipe = recipes.load(args.recipe)
    dataset = recipe["data"]["source"]
    result = {"rows": {}}
    for name, overrides in parse_variants(args.variants).items():
        key = row_key(recipe["name"], name, args.seed)
        workdir = os.path.join(args.runs, "options_" + key.replace("/", "_"))
        # This interpreter's zoo (not whatever `gan-zoo` is first on PATH, nor none: a venv run unactivated).
        command = ["train", args.recipe, *overrides, f"train.seed={args.seed}", "--workdir", workdir, "--verbose", "2"]
        if args.epochs:
            command.insert(2, f"train.epochs={args.epochs}")
        print("$ gan-zoo", " ".join(command), flush=True)
        subprocess.run([sys.executable, "-m", "zoo.cli", *command], check=True)
        summary = files.read_json(os.path.join(workdir, "summary.json"))
        model = files.load_model(os.path.join(workdir, "model.keras"))
        start = time.perf_counter()
        report = evaluate.evaluate(lambda k, seed: model.generate(k, seed=seed), dataset, n=args.n,
                                   memorization=False, seed=args.seed)
        c, modes = report["classifier"], report["modes"]
        row = {
            "overrides": overrides, "epochs": summary["epochs"], "generator_steps": summary["generator_steps"],
            "train_seconds": summary["wall_seconds_this_run"], "images_per_s": summary.get("images_per_s_median"),
            "precision_policy": summary.get("precision"),
            "cfid": c["fid"], "ckid": c["kid"], "precision": c["precision"], "recall": c["recall"],
            "classes": modes["classes_covered"], "eval_seconds": time.perf_counter() - start,
            # The recipe's per-epoch evaluation (train.eval_samples samples), when it has one.
            "cfid_per_epoch": summary["history"].get("fid"),
        }
        if getattr(model, "ema_decay", None):
            live = evaluate.evaluate(live_sampler(model), dataset, n=args.n, memorization=False, seed=args.seed)
            row["live_cfid"] = live["classifier"]["fid"]
        row["recipe"] = recipe["name"]
        row["machine"] = cpu()  # rows of one file come from several machines
        row["seed"] = args.seed  # the training seed and the evaluation's latent seed
        row["samples"] = args.n
        print(f"{name}: {json.dumps(row)}", flush=True)
        # Read again before writing: another run may have added rows to the file meanwhile.
        result = files.read_json(args.out) if os.path.exists(args.out) else {"rows": {}}
        result["rows"][key] = row
        for stale in ("machine", "seed"):  # per row since 2026-12-07 (the rows before carry theirs, backfilled)
            result.pop(stale, None)
        result["protocol"] = (
            "each row: `samples` samples (latent seed = the row's `seed`) against the test split, features of the "
            "shipped classifier of the recipe's dataset (zoo.eval.evaluate); one training seed (the row's `seed`) per "
            "row; wall time = the run's own; `machine` = where it ran")
        files.write_json(args.out, result)
    print(table(result["rows"]))


def table(rows):
    lines = ["| variant | overrides | epochs | train min | img/s | cFID | cFID of the live G | precision | recall |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in rows.items():
        live = f"{r['live_cfid']:.2f}" if "live_cfid" in r else "-"
        lines.append(f"| {name} | `{' '.join(r['overrides']) or '-'}` | {r['epochs']} | {r['train_seconds'] / 60:.1f} | "
                     f"{r['images_per_s']:.0f} | {r['cfid']:.2f} | {live} | {r['precision']:.3f} | {r['recall']:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
