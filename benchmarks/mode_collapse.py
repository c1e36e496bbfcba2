"""Mode collapse on 2-D mixtures of Gaussians: the 8-Gaussian ring and the
5x5 grid, for gan, dcgan (MLP with batch norm in G), wgan, wgan_gp, sngan
and lsgan, each with its paper's optimizer (type and betas) and critic steps
at one common learning rate (``--lr``, 1e-3: at the papers' 5e-5..2e-4 no
variant converges on these toys within 10k steps; measured, not assumed).

Every variant gets the same small MLPs (G: latent 16 -> 128 -> 128 -> 2,
ReLU; D: 2 -> 128 -> 128 -> 1, LeakyReLU 0.2; spectral norm in D for sngan,
batch norm in G for dcgan), the same number of generator steps and batch
size, and is scored on 2,500 samples by ``zoo.eval.mixtures.mode_stats``:
modes covered (>= 20 samples within 3 std) and the share of high-quality
samples (within 3 std of a mode), averaged over seeds.

    python benchmarks/mode_collapse.py [--seeds 3] [--steps 10000] [--lr 1e-3] [--out docs/mode_collapse]
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import zoo  # noqa: E402,F401  (before TensorFlow: it turns oneDNN on, zoo.cpu)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zoo import layers  # noqa: E402
from zoo.eval import mixtures  # noqa: E402

VARIANTS = ("gan", "dcgan", "wgan", "wgan_gp", "sngan", "lsgan")
DATASETS = {
    "ring8": (mixtures.ring_centers(), mixtures.RING_STD),
    "grid25": (mixtures.grid_centers(), mixtures.GRID_STD),
}
LATENT = 16


def point_generator(batch_norm):
    z = keras.Input((LATENT,), name="latent")
    x = z
    for _ in range(2):
        x = keras.layers.Dense(128, use_bias=not batch_norm)(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(synchronized=True)(x)
        x = keras.layers.ReLU()(x)
    points = keras.layers.Dense(2, dtype="float32", name="images")(x)
    return keras.Model(z, points, name="generator")


def build(variant, seed, lr=None):
    keras.utils.set_random_seed(seed)
    generator = point_generator(batch_norm=variant == "dcgan")
    normalization = layers.spectral_norm if variant == "sngan" else None
    discriminator = layers.mlp_discriminator((2,), hidden_units=(128, 128), normalization=normalization)
    model = zoo.get_class(variant)(
        image_shape=(2,), latent_dim=LATENT, generator=generator, discriminator=discriminator, seed=seed
    )
    overrides = None if lr is None else {"learning_rate": lr}
    model.compile(g_optimizer=overrides, d_optimizer=overrides, steps_per_execution=50)
    return model


def run(variant, dataset, seed, steps, batch=256, lr=None):
    centers, std = DATASETS[dataset]
    model = build(variant, seed, lr)
    points = mixtures.sample(centers, std, 100_000, seed=seed)
    ds = tf.data.Dataset.from_tensor_slices(points).shuffle(100_000, seed=seed).repeat().batch(batch, drop_remainder=True)
    start = time.perf_counter()
    model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    samples = model.generate(2500, seed=seed + 1)
    stats = mixtures.mode_stats(samples, centers, std)
    stats["seconds"] = time.perf_counter() - start
    return stats, samples


def scatter(samples_by_variant, dataset, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    centers, _ = DATASETS[dataset]
    fig, axes = plt.subplots(1, len(samples_by_variant), figsize=(2.2 * len(samples_by_variant), 2.4))
    lim = np.abs(centers).max() + 1.5
    for ax, (variant, samples) in zip(axes, samples_by_variant.items()):
        ax.scatter(samples[:, 0], samples[:, 1], s=1, alpha=0.4)
        ax.scatter(centers[:, 0], centers[:, 1], s=8, c="red", marker="x")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_title(variant, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10000, help="generator steps per run")
    parser.add_argument("--lr", type=float, default=1e-3,
                        help="learning rate of both networks (each variant keeps its optimizer and betas); "
                             "the papers' 5e-5..2e-4 do not converge on these toys in a CPU-sized budget")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--out", default="docs/mode_collapse")
    args = parser.parse_args()
    results = {}
    for dataset in DATASETS:
        first_seed_samples = {}
        for variant in args.variants:
            runs = []
            for seed in range(args.seeds):
                stats, samples = run(variant, dataset, seed, args.steps, lr=args.lr)
                runs.append(stats)
                if seed == 0:
                    first_seed_samples[variant] = samples
            results[f"{dataset}/{variant}"] = runs
            covered = np.mean([r["modes_covered"] for r in runs])
            quality = np.mean([r["high_quality"] for r in runs]) * 100
            seconds = np.mean([r["seconds"] for r in runs])
            per_seed = ", ".join(str(r["modes_covered"]) for r in runs)
            print(f"{dataset:<7} {variant:<8} modes {covered:5.1f}/{runs[0]['modes']} ({per_seed})  "
                  f"high quality {quality:5.1f}%  {seconds:5.1f} s/run", flush=True)
        scatter(first_seed_samples, dataset, f"{args.out}_{dataset}.png")
    with open(f"{args.out}.json", "w") as f:
        json.dump({"steps": args.steps, "seeds": args.seeds, "lr": args.lr, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
