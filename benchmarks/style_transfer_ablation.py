"""What each loss term of ``text_cyclegan`` does on YLT <-> BBE: the recipe
against the same run without its cycle term and without its adversarial
term.

The recipe's reconstruction stage (its first ``--branch-epoch`` epochs:
1,000 self-reconstruction steps, identical for every variant) is trained
once in ``<workdir>/pretrained``; each variant then continues a copy of
that checkpoint (weights, both optimizers' state, the data order) to the
recipe's last epoch with one setting changed:

* ``full``: the recipe as it is (adversarial 1, cycle 1, self 1);
* ``no_cycle``: ``cycle_weight = 0`` (adversarial + self reconstruction);
* ``no_adversarial``: ``adversarial_weight = 0`` (cycle + self: nothing
  asks for the target style).

A finished stage is not retrained. Then every row is scored as
``benchmarks/style_transfer.py`` scores them (all 1,835 test verses, both
directions: style accuracy, sacreBLEU to the reference and to the source,
PINC, and fluency under each style's language model when
``runs/mle_lm_{ylt,bbe}_fluency`` are trained), with the copy and
nearest-neighbour baselines, the pretrained translators and the shipped
supervised model beside them; results in
``benchmarks/results/style_transfer_ablation.json``.

    python benchmarks/style_transfer_ablation.py                    # ~70 min on 2 AVX2 EPYC cores
    python benchmarks/style_transfer_ablation.py --train-only       # the runs, no scoring
    python benchmarks/style_transfer_ablation.py --variants no_cycle --limit 300
"""

import argparse
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import zoo  # noqa: E402,F401  (first: it turns oneDNN on before TensorFlow loads)

RECIPE = "text_cyclegan_ylt_bbe"
VARIANTS = {
    "full": [],
    "no_cycle": ["kwargs.cycle_weight=0.0"],
    "no_adversarial": ["kwargs.adversarial_weight=0.0"],
}
PAIRED = os.path.join(ROOT, "saved_models", "text_cyclegan_paired_ylt_bbe_{direction}")


def branch(base, target, recipe):
    """Starts ``target`` as a copy of ``base``'s checkpoints, owned by
    ``recipe`` (a variant: the same run from here on with other settings).
    Written under a temporary name and renamed, so an interrupted copy
    leaves nothing half made; an existing branch is kept (it resumes)."""
    from zoo import train

    if os.path.isdir(os.path.join(target, "checkpoints")):
        return
    partial = target + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(os.path.join(base, "checkpoints"), os.path.join(partial, "checkpoints"))
    train.claim_workdir(partial, recipe)
    os.replace(partial, target)


def train_stage(recipe, workdir):
    """Trains (or resumes) ``recipe`` in ``workdir``; wall seconds spent."""
    from zoo import train

    start = time.perf_counter()
    try:
        train.train(recipe, workdir, verbose=2)
    except train.RunFinished:
        return 0.0
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=RECIPE, help="a text_cyclegan recipe (name or .toml)")
    parser.add_argument("--workdir", default=os.path.join(ROOT, "runs", "text_cyclegan_ablation"))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--branch-epoch", type=int, default=4,
                        help="the epoch the variants branch at (the recipe's 1,000 reconstruction steps)")
    parser.add_argument("--set", nargs="*", default=[], metavar="SECTION.KEY=VALUE",
                        help="overrides for every stage (e.g. train.steps_per_epoch=2 for a smoke run)")
    parser.add_argument("--train-only", action="store_true")
    parser.add_argument("--limit", type=int, default=None, help="score the first N test verses only")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "style_transfer_ablation.json"))
    args = parser.parse_args(argv)

    from zoo import recipes

    last_epoch = int(recipes.load(args.recipe, args.set)["train"]["epochs"])
    if not 0 < args.branch_epoch < last_epoch:
        raise SystemExit(f"--branch-epoch must be between 1 and {last_epoch - 1} (the recipe's epochs), "
                         f"got {args.branch_epoch}.")
    pretrained = os.path.join(args.workdir, "pretrained")
    seconds = {"pretrained": train_stage(
        recipes.load(args.recipe, args.set + [f"train.epochs={args.branch_epoch}"]), pretrained)}
    for name in args.variants:
        recipe = recipes.load(args.recipe, args.set + VARIANTS[name])
        target = os.path.join(args.workdir, name)
        branch(pretrained, target, recipe)
        seconds[name] = train_stage(recipe, target)
    print("wall seconds per stage (0: already trained):", seconds)
    if args.train_only:
        return

    import style_transfer

    models = [f"pretrained={pretrained}"] + [f"{name}={os.path.join(args.workdir, name)}" for name in args.variants]
    if os.path.isdir(PAIRED.format(direction="a2b")):
        models.append(f"paired (shipped)={PAIRED}")
    extra = ["--limit", str(args.limit)] if args.limit else []
    style_transfer.main(["--recipes", "--models", *models, "--out", args.out] + extra)


if __name__ == "__main__":
    main()
