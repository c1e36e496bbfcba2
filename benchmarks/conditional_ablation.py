"""The notes' claim about conditional GANs, measured: a discriminator that
never sees real images with *mismatched* conditions lets the generator
ignore its condition for longer.

Trains ``cgan_mnist`` (GAN-CLS negatives on) and ``cgan_no_mismatch_mnist``
(off), otherwise identical, for ``--epochs`` epochs with each ``--seed``,
and records after every epoch the conditional accuracy (the shipped MNIST
classifier reads the requested digit; 100 samples per class, fixed
latents), classifier FID (2,000 samples) and D's mean sigmoid output on
real/right, fake/right and real/wrong pairs.

Results: ``benchmarks/results/conditional_ablation.{json,md}``.

    python benchmarks/conditional_ablation.py --epochs 2 --seeds 0 1 2
"""

import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from zoo import recipes, train  # noqa: E402
from zoo.files import write_json  # noqa: E402

RECIPES = ("cgan_mnist", "cgan_no_mismatch_mnist")
KEYS = ("cond_acc", "fid", "d_real", "d_fake", "d_mismatched")


def run(recipe_name, seed, epochs, workroot):
    recipe = recipes.load(recipe_name, [f"train.seed={seed}", f"train.epochs={epochs}"])
    workdir = os.path.join(workroot, f"{recipe_name}_seed{seed}")
    _, summary = train.train(recipe, workdir, verbose=2)
    history = summary["history"]
    return {k: history[k] for k in KEYS}


def markdown(results, epochs):
    head = "| recipe | seed | " + " | ".join(f"cond_acc epoch {e + 1}" for e in range(epochs)) + " | FID last | d_real / d_fake / d_mismatched last |"
    lines = [head, "| --- " * (4 + epochs) + "|"]
    for name in RECIPES:
        for seed, h in sorted(results[name].items()):
            accs = " | ".join(f"{100 * a:.1f}%" for a in h["cond_acc"])
            lines.append(
                f"| `{name}` | {seed} | {accs} | {h['fid'][-1]:.1f} | "
                f"{h['d_real'][-1]:.2f} / {h['d_fake'][-1]:.2f} / {h['d_mismatched'][-1]:.2f} |"
            )
        means = [statistics.mean(h["cond_acc"][e] for h in results[name].values()) for e in range(epochs)]
        lines.append(f"| `{name}` | mean | " + " | ".join(f"**{100 * m:.1f}%**" for m in means) + " | | |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--workroot", default=os.path.join("runs", "ablation"))
    parser.add_argument("--output", default=os.path.join(HERE, "results", "conditional_ablation.json"))
    args = parser.parse_args(argv)
    results = {name: {} for name in RECIPES}
    for seed in args.seeds:
        for name in RECIPES:
            results[name][seed] = run(name, seed, args.epochs, args.workroot)
            print(name, seed, json.dumps(results[name][seed]))
    write_json(args.output, {"epochs": args.epochs, "seeds": args.seeds, "results": results})
    table = markdown(results, args.epochs)
    with open(args.output[: -len(".json")] + ".md", "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
