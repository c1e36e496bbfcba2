"""Domain classifiers: small CNNs that judge generated digits and garments.

InceptionV3 was trained on ImageNet photographs; on 28x28 greyscale digits
its features say little. A CNN trained on the dataset itself reads a
generated digit the way a person would: its softmax gives the classifier
score and the class histogram (mode collapse / dropping), its penultimate
layer (128-d) a "classifier FID". Such numbers are only comparable with
numbers from the *same* classifier file: every report records the file's
SHA-256 next to them, and they must never be compared with Inception FIDs.

The classifiers the project publishes numbers with ship inside the package
(``zoo/eval/weights/``, built by ``python -m zoo.eval.classifiers``), so
every user measures with the same network. ``load(name)`` returns the
shipped one; ``train`` builds a new one and caches it (with its test
accuracy) under ``cache_dir()``.

Example:
    >>> from zoo.eval import classifiers
    >>> clf = classifiers.load("mnist")
    >>> clf.info["test_accuracy"] >= 0.99
    True
"""

import json
import os
import time

import keras
import numpy as np

from zoo import data as zoo_data
from zoo import files
from zoo.eval import metrics
from zoo.files import atomic_path, write_json

IMAGE_SIZE = 28
FEATURES_LAYER = "features"
WEIGHTS_DIR = os.path.join(os.path.dirname(__file__), "weights")

# name -> where its data lives, the accuracy it must reach on the test split,
# and how long to train (measured: enough to pass the bar with a margin).
DATASETS = {
    "mnist": {"source": "mnist", "min_accuracy": 0.99, "epochs": 4},
    "fashion_mnist": {"source": "fashion_mnist", "min_accuracy": 0.90, "epochs": 5},
    # A folder dataset: <root>/{train,test}/<digit>/*.png (16x16, resized to 28).
    "usps": {"source": None, "min_accuracy": 0.95, "epochs": 20},
    # Domains, not digits: mnist_thick / mnist_thin / usps (zoo.digit_styles.write),
    # the judge of StarGAN's translations.
    "digit_styles": {"source": None, "min_accuracy": 0.90, "epochs": 5},
}


class ClassifierError(ValueError):
    """A classifier that is missing, unknown or below its accuracy bar."""


def cache_dir():
    """Where trained classifiers and reference statistics are cached:
    ``$GAN_ZOO_CACHE`` or ``~/.cache/gan_zoo``."""
    return os.environ.get("GAN_ZOO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "gan_zoo")


def _spec(name):
    if name not in DATASETS:
        raise ClassifierError(f"No domain classifier for {name!r}; known: {sorted(DATASETS)}.")
    return DATASETS[name]


def resolve_source(name, source=None):
    """The data source of a dataset: ``source`` when given (the folder of a
    folder dataset such as USPS), else the TFDS name of a classifier's
    dataset, else ``name`` itself (any TFDS name or folder)."""
    if source is not None:
        return source
    if name not in DATASETS:
        return name
    if DATASETS[name]["source"] is None:
        raise ClassifierError(
            f"{name!r} is a folder dataset: pass its folder (<root>/{{train,test}}/<label>/*.png)."
        )
    return DATASETS[name]["source"]


# === Network ===


def build(num_classes=10, seed=0):
    """Two conv blocks, a 128-unit feature layer, logits. ~0.4 M parameters."""
    init = keras.initializers.GlorotUniform(seed=seed)
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="image")
    x = inputs
    for filters in (32, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", kernel_initializer=init)(x)
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", kernel_initializer=init)(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(128, activation="relu", kernel_initializer=init, name=FEATURES_LAYER)(x)
    x = keras.layers.Dropout(0.3, seed=seed)(features)
    logits = keras.layers.Dense(num_classes, kernel_initializer=init, name="logits")(x)
    return keras.Model(inputs, logits, name="domain_classifier")


def _augment(images, seed):
    """Random shifts of up to 2 pixels (digits are not always centred)."""
    rng = np.random.default_rng(seed)
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1.0)
    out = np.empty_like(images)
    offsets = rng.integers(0, 5, size=(len(images), 2))
    for i, (dy, dx) in enumerate(offsets):
        out[i] = padded[i, dy : dy + IMAGE_SIZE, dx : dx + IMAGE_SIZE]
    return out


# === Training ===


def train(name, *, source=None, epochs=None, limit=None, seed=0, output=None, verbose=2):
    """Trains the classifier of ``name`` on its train split, measures it on
    the test split and writes ``<output>.keras`` + ``<output>.json``
    (default: ``cache_dir()/classifiers/<name>``), each via a temporary name
    and a rename. Refuses to overwrite an existing file.

    Args:
        name: a key of ``DATASETS`` (``"mnist"``, ``"fashion_mnist"``,
            ``"usps"``, ``"digit_styles"``).
        source: the data folder, for folder datasets.
        epochs: default from ``DATASETS``.
        limit: train on a random subset of this many images (tests).
    Returns:
        the loaded ``Classifier``.
    """
    spec = _spec(name)
    src = resolve_source(name, source)
    output = output or os.path.join(cache_dir(), "classifiers", name)
    if os.path.exists(output + ".keras"):
        raise ClassifierError(f"{output}.keras exists; delete it to retrain (never overwritten).")
    epochs = int(epochs or spec["epochs"])
    load = dict(image_size=IMAGE_SIZE, channels=1, with_labels=True, seed=seed)
    x_train, y_train = zoo_data.arrays(src, split="train", limit=limit, **load)
    x_test, y_test = zoo_data.arrays(src, split="test", **load)
    keras.utils.set_random_seed(seed)
    model = build(int(max(y_train.max(), y_test.max())) + 1, seed)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    for epoch in range(epochs):
        model.fit(_augment(x_train, seed * 1000 + epoch), y_train, batch_size=128, epochs=1,
                  shuffle=True, verbose=verbose)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(np.argmax(model.predict(x_test, batch_size=1024, verbose=0), -1) == y_test))
    info = {
        "dataset": name,
        "test_accuracy": accuracy,
        "min_accuracy": spec["min_accuracy"],
        "train_images": int(len(x_train)),
        "test_images": int(len(x_test)),
        "epochs": epochs,
        "seed": seed,
        "train_seconds": round(seconds, 1),
        "image_size": IMAGE_SIZE,
        "keras_version": keras.__version__,
    }
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    _save_inference_copy(model, output, info)
    return Classifier(output + ".keras")


def _save_inference_copy(model, output, info):
    """``<output>.keras`` without optimizer state (a third of the size) and
    ``<output>.json`` with its SHA-256, each via a temporary name."""
    # A fresh functional wrapper over the same layers: uncompiled, so no
    # optimizer slots are written.
    clean = keras.Model(model.input, model.output, name=model.name)
    with atomic_path(output + ".keras") as tmp:
        clean.save(tmp)
        info["sha256"] = files.sha256(tmp)
    write_json(output + ".json", info)


# === Loading ===


class Classifier:
    """A trained domain classifier: ``features`` (128-d) and ``logits``.

    Args:
        path: the ``.keras`` file; its ``.json`` (accuracy, provenance) must
            sit beside it.
    """

    def __init__(self, path):
        meta = path[: -len(".keras")] + ".json"
        if not os.path.exists(path) or not os.path.exists(meta):
            raise ClassifierError(f"Expected a classifier at {path} with {meta} beside it; not found.")
        with open(meta) as f:
            self.info = json.load(f)
        self.info["sha256"] = files.sha256(path)
        self.path = path
        self.model = keras.saving.load_model(path)
        self.num_classes = int(self.model.output.shape[-1])
        self._both = keras.Model(
            self.model.input, [self.model.get_layer(FEATURES_LAYER).output, self.model.output]
        )
        self.name = f"classifier:{self.info['dataset']}"
        self.id = f"classifier-{self.info['dataset']}-{self.info['sha256'][:12]}"
        self.feature_dim = int(self.model.get_layer(FEATURES_LAYER).output.shape[-1])

    def __call__(self, images, batch_size=1000):
        """``[n, H, W, C]`` images in [-1, 1] -> (features [n, 128], logits
        [n, classes]) as float64 numpy. Other sizes are resized to 28x28,
        colour is averaged to grey."""
        return metrics.features_and_logits(self._both, _as_classifier_input(images), batch_size)

    def protocol(self):
        return {
            "extractor": self.name,
            "file": os.path.basename(self.path),
            "sha256": self.info["sha256"],
            "test_accuracy": self.info["test_accuracy"],
            "feature_dim": self.feature_dim,
            "note": "domain-classifier features: not comparable with Inception FID/KID/IS",
        }


def _as_classifier_input(images):
    import tensorflow as tf

    images = np.asarray(images, np.float32)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"expected images [n, H, W, 1 or 3] in [-1, 1], got shape {images.shape}.")
    if images.shape[-1] == 3:
        images = images.mean(axis=-1, keepdims=True)
    if images.shape[1:3] != (IMAGE_SIZE, IMAGE_SIZE):
        images = tf.image.resize(images, (IMAGE_SIZE, IMAGE_SIZE), antialias=True).numpy()
    return images


def load(name_or_path):
    """The shipped classifier of a dataset (``"mnist"``, ``"fashion_mnist"``,
    ``"usps"``), else one cached by ``train``; or a ``.keras`` path."""
    if name_or_path.endswith(".keras"):
        return Classifier(name_or_path)
    _spec(name_or_path)
    for folder in (WEIGHTS_DIR, os.path.join(cache_dir(), "classifiers")):
        path = os.path.join(folder, name_or_path + ".keras")
        if os.path.exists(path):
            return Classifier(path)
    raise ClassifierError(
        f"No classifier for {name_or_path!r} in {WEIGHTS_DIR} or the cache; build one with "
        f"`python -m zoo.eval.classifiers {name_or_path}`."
    )


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="Train and cache a domain classifier.")
    parser.add_argument("name", choices=sorted(DATASETS))
    parser.add_argument("--source", help="data folder, for folder datasets (usps, digit_styles)")
    parser.add_argument("--output", help="path without extension (default: the cache)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    clf = train(args.name, source=args.source, output=args.output, epochs=args.epochs, seed=args.seed)
    print(json.dumps(clf.info, indent=2))
    if clf.info["test_accuracy"] < clf.info["min_accuracy"]:
        print(f"below the {clf.info['min_accuracy']:.0%} bar", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
