"""Peak resident memory of training one recipe.

    python benchmarks/memory.py dcgan_mnist [--steps 20]

Builds the recipe's model and input pipeline as ``gan-zoo train`` does,
iterates one full epoch of the dataset first (so the in-memory decoded-image
cache is at its full size, as it is from the end of the first epoch on),
then trains ``--steps`` steps, and prints one JSON line with the process's
peak resident set size (``ru_maxrss``).
"""

import argparse
import json
import os
import resource

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo import data, distribute, recipes, train  # noqa: E402


def measure(recipe_name, steps, max_batches=None, overrides=()):
    recipe = recipes.load(recipe_name, overrides)
    model = train.build_model(recipe, distribute.make_strategy("default", None))
    dataset = data.load(**recipe["data"], seed=0, steps_per_epoch=max_batches)
    batches = sum(1 for _ in dataset)  # fills the cache
    model.fit(dataset.repeat(), epochs=1, steps_per_epoch=steps, verbose=0)
    return {
        "benchmark": "memory",
        "recipe": recipe_name,
        "batch_size": recipe["data"]["batch_size"],
        "cached_images": batches * recipe["data"]["batch_size"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("overrides", nargs="*", help="recipe overrides, e.g. data.source=/path/to/folder")
    args = parser.parse_args()
    print(json.dumps(measure(args.recipe, args.steps, overrides=args.overrides)), flush=True)


if __name__ == "__main__":
    main()
