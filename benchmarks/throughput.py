"""Training throughput of one implementation, in this process.

    python benchmarks/throughput.py --impl zoo|keras_io|torch --recipe dcgan_mnist|wgan_gp_mnist|cyclegan_mnist_usps
        [--lever xla|steps_per_execution|no_cache|bfloat16|...] [--windows 5] [--window-steps 40]
        [--usps ../shared/datasets/usps]

Prints one JSON line: images/s of each timed window (generator steps x batch
size / wall time, after one untimed warm-up window that includes tracing;
for CycleGAN, image pairs/s: one step takes a batch of each domain),
their median, and the process's peak resident memory. The zoo rows are timed
with the decoded-image cache already full, as in every epoch after the first
(lever ``no_cache`` times the decode-every-epoch path). ``benchmarks/suite.py``
runs this in a fresh process per row so thread pools, XLA caches and peak
memory do not leak between rows.

The keras.io and PyTorch implementations (``benchmarks/reference``) use the
recipe's networks, batch size, optimizers and critic steps. CycleGAN's
references are keras.io's CycleGAN example and a PyTorch one in the
structure of the authors' code, at the recipe's sizes (MNIST <-> USPS 28x28).
"""

import argparse
import functools
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
    "onednn_off": "TF_ENABLE_ONEDNN_OPTS=0 (TensorFlow's default on CPUs without AVX-512 VNNI/BF16 or AMX)",
    "inter_op_1": "one inter-op thread (TensorFlow's default: one per core)",
    "reuse_fakes": "[kwargs] reuse_fakes = true (one G forward per step; changes the algorithm)",
    "xla": "jit_compile=True",
    "steps_per_execution": "steps_per_execution=10",
    "no_cache": "tf.data without cache()",
    "float32": "[train] precision = float32",
    "bfloat16": "[train] precision = mixed_bfloat16",
}
MODELS = {"dcgan_mnist": "dcgan", "wgan_gp_mnist": "wgan_gp", "cyclegan_mnist_usps": "cyclegan"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Domain B of cyclegan_mnist_usps: the USPS folder of ../shared, beside the repository.
USPS = os.path.abspath(os.path.join(ROOT, "..", "shared", "datasets", "usps"))


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


#: What the speed rows take from a recipe that has since gone past the
#: networks and alternation the references implement: ``dcgan_mnist`` adds a
#: dense layer in D and lazy R1 and trains at batch 64 (its quality recipe);
#: the speed rows keep the paper's networks at batch 128, as published.
SPEED_OVERRIDES = {
    "dcgan_mnist": ["kwargs.d_hidden_units=0", "kwargs.r1_weight=0.0", "data.batch_size=128"],
}


def speed_recipe(recipe_name):
    """The recipe as the speed rows (zoo, references, profile) train it."""
    from zoo import recipes

    return recipes.load(recipe_name, SPEED_OVERRIDES.get(recipe_name, []))


def run_zoo(recipe_name, lever, windows, window_steps, batch_override=None, max_batches=None, usps=USPS):
    from zoo import data, distribute, precision, train

    recipe = speed_recipe(recipe_name)
    if batch_override:
        recipe["data"]["batch_size"] = batch_override
    if MODELS[recipe_name] == "cyclegan":
        recipe["data"]["unpaired"] = usps
    train_cfg = recipe.setdefault("train", {})
    if lever == "reuse_fakes":
        recipe.setdefault("kwargs", {})["reuse_fakes"] = True
    elif lever == "xla":
        train_cfg["jit_compile"] = True
    elif lever == "steps_per_execution":
        train_cfg["steps_per_execution"] = 10
    elif lever in ("float32", "bfloat16"):
        train_cfg["precision"] = "mixed_bfloat16" if lever == "bfloat16" else "float32"
    model = train.build_model(recipe, distribute.make_strategy("default", None))
    dataset = data.load(**recipe["data"], seed=0, cache=lever != "no_cache", steps_per_epoch=max_batches)
    if lever != "no_cache":
        # Steady state: from the second epoch of a run on, images come from
        # the decoded-image cache. (no_cache times every epoch like the first.)
        for _ in dataset:
            pass
    dataset = dataset.repeat()
    return recipe["data"]["batch_size"], keras_windows(model, dataset, windows, window_steps), precision.of(model)


def reference_settings(recipe_name, batch_override=None):
    """``(batch_size, model kwargs)`` of a recipe, for the reference implementations."""
    recipe = speed_recipe(recipe_name)
    return batch_override or recipe["data"]["batch_size"], recipe.get("kwargs", {})


@functools.lru_cache(maxsize=2)
def digit_domains(usps, small=False):
    """MNIST and USPS train images at 28x28 in [-1, 1] (the test splits when
    ``small``: smoke runs), for the CycleGAN references."""
    from zoo import data

    split = "test" if small else "train"
    return tuple(data.arrays(source, split=split, image_size=28, channels=1) for source in ("mnist", usps))


def run_keras_io(recipe_name, windows, window_steps, batch_override=None, usps=USPS, small=False, bfloat16=False):
    """``bfloat16``: Keras's global mixed_bfloat16 policy set before building,
    as a keras.io user would switch it on."""
    from zoo import precision

    batch, kwargs = reference_settings(recipe_name, batch_override)
    policy = "mixed_bfloat16" if bfloat16 else "float32"
    with precision.policy(policy):  # the global policy, set and restored
        if MODELS[recipe_name] == "cyclegan":
            from reference import keras_io_cyclegan

            model = keras_io_cyclegan.build(tuple(kwargs["shape_a"]), kwargs["filters"], kwargs["n_blocks"],
                                            kwargs["d_filters"], kwargs["d_layers"])
            dataset = keras_io_cyclegan.dataset(*digit_domains(usps, small), batch)
        else:
            from reference import keras_io_gan

            model = keras_io_gan.build(MODELS[recipe_name], kwargs.get("g_filters", 64))
            dataset = keras_io_gan.mnist_dataset(batch)
    return batch, keras_windows(model, dataset, windows, window_steps), policy


def run_torch(recipe_name, windows, window_steps, batch_override=None, usps=USPS, small=False):
    import torch

    torch.set_num_threads(os.cpu_count())
    batch, kwargs = reference_settings(recipe_name, batch_override)
    if MODELS[recipe_name] == "cyclegan":
        from reference import torch_cyclegan

        gan = torch_cyclegan.TorchCycleGAN(kwargs["shape_a"][-1], kwargs["filters"], kwargs["n_blocks"],
                                           kwargs["d_filters"], kwargs["d_layers"])
        stream = torch_cyclegan.pair_batches(*map(torch_cyclegan.to_tensor, digit_domains(usps, small)), batch)
        step = lambda: gan.step(*next(stream))  # noqa: E731
    else:
        from reference import torch_gan

        gan = torch_gan.TorchGAN(MODELS[recipe_name], kwargs.get("g_filters", 64))
        stream = torch_gan.batches(torch_gan.mnist_tensor(), batch)
        step = lambda: gan.step(next(stream))  # noqa: E731
    times = []
    for _ in range(windows + 1):
        start = time.perf_counter()
        for _ in range(window_steps):
            step()
        times.append(time.perf_counter() - start)
    return batch, times[1:], "float32"


def measure(impl, recipe_name, lever="none", windows=5, window_steps=40, batch=None, max_batches=None, usps=USPS):
    """One row. ``max_batches`` cuts the zoo's epoch and makes the references
    read the small test splits (smoke runs)."""
    if recipe_name not in MODELS:
        raise ValueError(f"recipe must be one of {sorted(MODELS)}, got {recipe_name!r}.")
    if MODELS[recipe_name] == "cyclegan" and not os.path.isdir(usps):
        raise FileNotFoundError(f"{recipe_name} needs the USPS folder (domain B); none at {usps}: pass --usps.")
    small = max_batches is not None
    if impl == "zoo":
        if lever not in LEVERS:
            raise ValueError(f"lever must be one of {sorted(LEVERS)}, got {lever!r}.")
        batch, times, precision = run_zoo(recipe_name, lever, windows, window_steps, batch, max_batches, usps)
    elif impl == "keras_io" and lever in ("none", "bfloat16", "onednn_off"):
        batch, times, precision = run_keras_io(recipe_name, windows, window_steps, batch, usps, small,
                                               bfloat16=lever == "bfloat16")
    elif lever != "none":
        raise ValueError(f"levers apply to impl 'zoo' (and bfloat16, onednn_off to 'keras_io') only, got impl {impl!r} "
                         f"with lever {lever!r}.")
    elif impl == "torch":
        batch, times, precision = run_torch(recipe_name, windows, window_steps, batch, usps, small)
    else:
        raise ValueError(f"impl must be 'zoo', 'keras_io' or 'torch', got {impl!r}.")
    rates = [window_steps * batch / t for t in times]
    from zoo import cpu

    return {
        "impl": impl,
        "recipe": recipe_name,
        "lever": lever,
        "batch_size": batch,
        "window_steps": window_steps,
        "unit": "image pairs/s" if MODELS[recipe_name] == "cyclegan" else "images/s",
        "precision": precision,
        "images_per_s": statistics.median(rates),
        "windows_images_per_s": rates,
        "peak_rss_mb": peak_rss_mb(),
        "cpu": cpu.describe(),
        # What this process really ran with (a lever set after TensorFlow
        # loaded could not take effect: the row says so).
        "onednn": cpu.onednn_enabled() if impl != "torch" else None,
        "inter_op_threads": inter_op_threads() if impl != "torch" else None,
    }


def inter_op_threads():
    import tensorflow as tf

    return tf.config.threading.get_inter_op_parallelism_threads() or os.cpu_count()


def set_process_levers(lever):
    """The levers that must be set before TensorFlow loads (oneDNN) or runs
    its first op (thread pools). Call before anything imports TensorFlow."""
    if lever == "onednn_off":
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    if lever == "inter_op_1":
        import zoo  # noqa: F401  (TensorFlow loads with the zoo's oneDNN setting)

        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="zoo", choices=["zoo", "keras_io", "torch"])
    parser.add_argument("--recipe", default="dcgan_mnist", choices=sorted(MODELS))
    parser.add_argument("--lever", default="none", choices=sorted(LEVERS))
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window-steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=None, help="override the recipe's (smoke tests)")
    parser.add_argument("--usps", default=USPS, help="the USPS folder (cyclegan_mnist_usps's domain B)")
    args = parser.parse_args()
    set_process_levers(args.lever)
    result = measure(args.impl, args.recipe, args.lever, args.windows, args.window_steps, args.batch_size,
                     usps=args.usps)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
