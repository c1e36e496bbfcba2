"""The notes' claim about paired translation, measured: L1 alone is blurry,
the GAN term alone is sharp but unfaithful, GAN + L1 is both.

Splits an image folder (sorted file names: the last ``--test`` files are
held out), trains ``pix2pix`` three times on the same pairs with the
recipe's settings except the loss weights:

* ``l1``:      adversarial_weight = 0   (supervised regression only)
* ``gan``:     l1_weight = 0            (conditional GAN only)
* ``gan_l1``:  the paper's cGAN + 100 * L1

and measures on the held-out pairs (dropout off):

* L1 error: mean |G(x) - y| over pixels, images in [-1, 1];
* sharpness: high-frequency energy (mean squared Laplacian of the
  greyscale image) relative to the real targets' (1.0 = as sharp as real;
  blur gives < 1);

Writes ``benchmarks/results/pix2pix_ablation.{json,md}`` and a PNG of
held-out examples (input | l1 | gan | gan_l1 | target) in ``docs/``.

    python benchmarks/pix2pix_ablation.py --source /path/to/anime_faces --task edges --epochs 1
"""

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import zoo  # noqa: E402,F401  (before TensorFlow: it turns oneDNN on, zoo.cpu)
import tensorflow as tf  # noqa: E402

from zoo import data as zoo_data  # noqa: E402
from zoo import images as zoo_images  # noqa: E402
from zoo import recipes, train  # noqa: E402
from zoo.files import write_json  # noqa: E402

SETTINGS = {
    "l1": {"adversarial_weight": 0.0},
    "gan": {"l1_weight": 0.0},
    "gan_l1": {},
}
RECIPES = {"edges": "pix2pix_edges_anime_faces", "colorize": "pix2pix_colorize_anime_faces"}


def split_folder(source, root, test, train_limit=None):
    """``root/{train,test}/`` of symlinks to ``source``'s images."""
    paths, _, _ = zoo_data.list_images(source)
    held, kept = paths[-test:], paths[:-test]
    if train_limit:
        kept = kept[:train_limit]
    for split, files in (("train", kept), ("test", held)):
        folder = os.path.join(root, split)
        os.makedirs(folder, exist_ok=True)
        for path in files:
            link = os.path.join(folder, os.path.basename(path))
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(path), link)
    return len(kept), len(held)


def high_frequency_energy(images):
    """Per image: mean squared Laplacian of the greyscale image in [0, 1]."""
    grey = tf.reduce_mean((tf.convert_to_tensor(images, tf.float32) + 1.0) / 2.0, axis=-1, keepdims=True)
    kernel = tf.constant([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])[:, :, None, None]
    laplacian = tf.nn.conv2d(grey, kernel, strides=1, padding="VALID")
    return tf.reduce_mean(tf.square(laplacian), axis=[1, 2, 3]).numpy()


def measure(model, inputs, targets):
    outputs = model.generate(image=inputs)
    real_energy = high_frequency_energy(targets).mean()
    return outputs, {
        "l1": float(np.abs(outputs - targets).mean()),
        "sharpness": float(high_frequency_energy(outputs).mean() / real_energy),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="folder of images (e.g. anime_faces)")
    parser.add_argument("--task", default="edges", choices=sorted(RECIPES))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps-per-epoch", type=int)
    parser.add_argument("--test", type=int, default=1000, help="held-out images (the last in file order)")
    parser.add_argument("--train-limit", type=int, help="use only this many training images")
    parser.add_argument("--filters", type=int, help="override the recipe's width (smoke tests)")
    parser.add_argument("--workroot", default=os.path.join("runs", "pix2pix_ablation"))
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"))
    parser.add_argument("--output", default=os.path.join(HERE, "results", "pix2pix_ablation.json"))
    args = parser.parse_args(argv)

    data_root = os.path.join(args.workroot, "data")
    n_train, n_test = split_folder(args.source, data_root, args.test, args.train_limit)
    base = recipes.load(RECIPES[args.task])
    size = base["data"]["image_size"]
    targets = zoo_data.arrays(data_root, split="test", image_size=size, channels=3)
    inputs = zoo_data.edge_map(targets).numpy() if args.task == "edges" else zoo_data.greyscale(targets).numpy()

    results, outputs = {}, {}
    for name, kwargs in SETTINGS.items():
        overrides = [f"data.source={os.path.abspath(data_root)}", f"train.epochs={args.epochs}"]
        overrides += [f"kwargs.{k}={v}" for k, v in kwargs.items()]
        if args.steps_per_epoch:
            overrides.append(f"train.steps_per_epoch={args.steps_per_epoch}")
        if args.filters:
            overrides.append(f"kwargs.filters={args.filters}")
        recipe = recipes.load(RECIPES[args.task], overrides)
        start = time.perf_counter()
        model, summary = train.train(recipe, os.path.join(args.workroot, f"{args.task}_{name}"), verbose=2)
        outputs[name], results[name] = measure(model, inputs, targets)
        results[name].update(
            generator_steps=summary["generator_steps"], train_seconds=round(time.perf_counter() - start, 1),
            images_per_s_median=summary["images_per_s_median"], weights=kwargs or "paper (1, 100)",
        )
        print(name, json.dumps(results[name]))

    columns = [inputs[:8]] + [outputs[n][:8] for n in SETTINGS] + [targets[:8]]
    png = zoo_images.save_grid(zoo_images.side_by_side(*columns),
                               os.path.join(args.docs, f"pix2pix_{args.task}_ablation.png"),
                               columns=len(columns), scale=2)
    report = {"task": args.task, "train_images": n_train, "test_images": n_test, "epochs": args.epochs,
              "results": results, "png": os.path.relpath(png, ROOT)}
    write_json(args.output, report)
    lines = [
        f"pix2pix {args.task}, {n_train} training / {n_test} held-out images, {args.epochs} epoch(s):",
        "",
        "| setting | loss weights (adv, L1) | L1 error (held out) | sharpness (real = 1.00) | G steps | train wall |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    labels = {"l1": "L1 only (0, 100)", "gan": "GAN only (1, 0)", "gan_l1": "GAN + L1 (1, 100)"}
    for name, r in results.items():
        lines.append(f"| `{name}` | {labels[name]} | {r['l1']:.3f} | {r['sharpness']:.2f} | "
                     f"{r['generator_steps']} | {r['train_seconds'] / 60:.1f} min |")
    table = "\n".join(lines) + "\n"
    with open(args.output[: -len(".json")] + ".md", "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
