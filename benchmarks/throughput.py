"""Training throughput of one implementation, in this process.

    python benchmarks/throughput.py --impl zoo|keras_io|torch --recipe dcgan_mnist
        [--lever xla|steps_per_execution|no_cache|bfloat16|...] [--windows 5] [--window-steps 40]

Prints one JSON line: images/s of each timed window (generator steps x batch
size / wall time, after one untimed warm-up window that includes tracing),
their median, and the process's peak resident memory. The zoo rows are timed
with the decoded-image cache already full, as in every epoch after the first
(lever ``no_cache`` times the decode-every-epoch path). ``benchmarks/suite.py``
runs this in a fresh process per row so thread pools, XLA caches and peak
memory do not leak between rows.

The keras.io and PyTorch implementations (``benchmarks/reference``) use the
recipe's networks, batch size, optimizers and critic steps.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

LEVERS = {
    "none": "as shipped",
    "xla": "jit_compile=True",
    "steps_per_execution": "steps_per_execution=10",
    "no_cache": "tf.data without cache()",
    "bfloat16": "mixed_bfloat16 policy",
}
MODELS = {"dcgan_mnist": "dcgan", "wgan_gp_mnist": "wgan_gp"}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def keras_windows(model, dataset, windows, window_steps):
    """Images/s per ``fit`` epoch of ``window_steps`` steps; the first epoch
    (tracing, warm-up) is dropped."""
    import keras

    class Timer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.t0)

    timer = Timer()
    model.fit(dataset, epochs=windows + 1, steps_per_epoch=window_steps, verbose=0, callbacks=[timer])
    return timer.times[1:]


def run_zoo(recipe_name, lever, windows, window_steps, batch_override=None, max_batches=None):
    import keras

    from zoo import data, distribute, recipes, train

    recipe = recipes.load(recipe_name)
    if batch_override:
        recipe["data"]["batch_size"] = batch_override
    train_cfg = recipe.setdefault("train", {})
    if lever == "xla":
        train_cfg["jit_compile"] = True
    elif lever == "steps_per_execution":
        train_cfg["steps_per_execution"] = 10
    elif lever == "bfloat16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = train.build_model(recipe, distribute.make_strategy("default", None))
    dataset = data.load(**recipe["data"], seed=0, cache=lever != "no_cache", steps_per_epoch=max_batches)
    if lever != "no_cache":
        # Steady state: from the second epoch of a run on, images come from
        # the decoded-image cache. (no_cache times every epoch like the first.)
        for _ in dataset:
            pass
    dataset = dataset.repeat()
    return recipe["data"]["batch_size"], keras_windows(model, dataset, windows, window_steps)


def reference_settings(recipe_name, batch_override=None):
    """``(batch_size, filters)`` of a recipe, for the reference implementations."""
    from zoo import recipes

    recipe = recipes.load(recipe_name)
    return batch_override or recipe["data"]["batch_size"], recipe.get("kwargs", {}).get("g_filters", 64)


def run_keras_io(recipe_name, windows, window_steps, batch_override=None):
    from reference import keras_io_gan

    batch, filters = reference_settings(recipe_name, batch_override)
    model = keras_io_gan.build(MODELS[recipe_name], filters)
    return batch, keras_windows(model, keras_io_gan.mnist_dataset(batch), windows, window_steps)


def run_torch(recipe_name, windows, window_steps, batch_override=None):
    import torch

    from reference import torch_gan

    torch.set_num_threads(os.cpu_count())
    batch, filters = reference_settings(recipe_name, batch_override)
    gan = torch_gan.TorchGAN(MODELS[recipe_name], filters)
    stream = torch_gan.batches(torch_gan.mnist_tensor(), batch)
    times = []
    for _ in range(windows + 1):
        start = time.perf_counter()
        for _ in range(window_steps):
            gan.step(next(stream))
        times.append(time.perf_counter() - start)
    return batch, times[1:]


def measure(impl, recipe_name, lever="none", windows=5, window_steps=40, batch=None, max_batches=None):
    """One row. ``max_batches`` cuts the zoo's epoch (smoke runs)."""
    if recipe_name not in MODELS:
        raise ValueError(f"recipe must be one of {sorted(MODELS)}, got {recipe_name!r}.")
    if impl == "zoo":
        if lever not in LEVERS:
            raise ValueError(f"lever must be one of {sorted(LEVERS)}, got {lever!r}.")
        batch, times = run_zoo(recipe_name, lever, windows, window_steps, batch, max_batches)
    elif lever != "none":
        raise ValueError(f"levers apply to impl 'zoo' only, got impl {impl!r} with lever {lever!r}.")
    elif impl == "keras_io":
        batch, times = run_keras_io(recipe_name, windows, window_steps, batch)
    elif impl == "torch":
        batch, times = run_torch(recipe_name, windows, window_steps, batch)
    else:
        raise ValueError(f"impl must be 'zoo', 'keras_io' or 'torch', got {impl!r}.")
    rates = [window_steps * batch / t for t in times]
    return {
        "impl": impl,
        "recipe": recipe_name,
        "lever": lever,
        "batch_size": batch,
        "window_steps": window_steps,
        "images_per_s": statistics.median(rates),
        "windows_images_per_s": rates,
        "peak_rss_mb": peak_rss_mb(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="zoo", choices=["zoo", "keras_io", "torch"])
    parser.add_argument("--recipe", default="dcgan_mnist", choices=sorted(MODELS))
    parser.add_argument("--lever", default="none", choices=sorted(LEVERS))
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window-steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=None, help="override the recipe's (smoke tests)")
    args = parser.parse_args()
    result = measure(args.impl, args.recipe, args.lever, args.windows, args.window_steps, args.batch_size)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
