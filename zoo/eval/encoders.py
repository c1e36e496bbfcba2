"""Feature extractors learned from the training images alone, for domains
with no labels and where ImageNet features are not wanted (the anime faces
of the lecture notes): a convolutional autoencoder whose 256-d bottleneck
is the feature space for FID, KID and precision / recall.

What such features see is what the autoencoder needs to rebuild a face:
layout, colours, hair and face shape; fine texture less so. Numbers are
comparable only between runs with the *same* encoder file (reports record
its SHA-256) and never with Inception FIDs. The one the README's figures
use ships in ``zoo/eval/weights/`` (``anime_faces_encoder``), built by
``python -m zoo.eval.encoders --source <folder>/train``; its JSON holds the
held-out reconstruction error it reached.

Example:
    >>> from zoo.eval import encoders
    >>> encoder = encoders.load("anime_faces_encoder")
    >>> encoder.info["image_size"]
    64
"""

import argparse
import json
import os

import numpy as np

from zoo import files
from zoo.files import atomic_path, write_json

WEIGHTS_DIR = os.path.join(os.path.dirname(__file__), "weights")
FEATURES = 256


def autoencoder(image_size=64, channels=3, filters=32, seed=0):
    """``(autoencoder, encoder)``: four stride-2 4x4 convs (``filters`` ..
    8x, LeakyReLU) to ``size/16`` squared, a 1x1 conv to 16 channels, flattened
    (256-d at 64x64: the features); the decoder mirrors it with transposed
    convs and ends in tanh."""
    import keras
    from keras import layers

    init = keras.initializers.GlorotUniform(seed=seed)
    if image_size % 16:
        raise ValueError(f"image_size must be a multiple of 16, got {image_size}.")
    side = image_size // 16
    images = keras.Input((image_size, image_size, channels), name="images")
    x = images
    for i in range(4):
        x = layers.LeakyReLU(0.2)(layers.Conv2D(filters * 2**i, 4, strides=2, padding="same", kernel_initializer=init)(x))
    code = layers.Conv2D(FEATURES // side**2, 1, kernel_initializer=init)(x)
    features = layers.Flatten(name="features")(code)
    encoder = keras.Model(images, features, name="encoder")
    y = layers.Reshape((side, side, FEATURES // side**2))(features)
    for i in reversed(range(4)):
        y = layers.LeakyReLU(0.2)(layers.Conv2DTranspose(filters * 2**i, 4, strides=2, padding="same",
                                                         kernel_initializer=init)(y))
    out = layers.Conv2D(channels, 3, padding="same", activation="tanh", kernel_initializer=init)(y)
    return keras.Model(images, out, name="autoencoder"), encoder


class Encoder:
    """A trained encoder: ``features(images)`` -> ``[n, 256]`` float64 (the
    ``metrics`` / ``frechet`` functions' input), images in [-1, 1]."""

    def __init__(self, network, info, path=None):
        self.network, self.info, self.path = network, info, path

    def features(self, images, batch_size=256):
        images = np.asarray(images, np.float32)
        expected = tuple(self.network.input_shape[1:])
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"expected images [n, {', '.join(map(str, expected))}] in [-1, 1], got {images.shape}.")
        return self.network.predict(images, batch_size=batch_size, verbose=0).astype(np.float64)


def train(source, *, test_source=None, image_size=64, epochs=5, batch_size=64, seed=0, verbose=2):
    """Trains the autoencoder on the images of folder ``source`` (MSE,
    Adam 1e-3); returns an ``Encoder`` whose ``info`` holds the mean squared
    reconstruction error on ``test_source`` (when given) and on the training
    images."""
    import keras
    import tensorflow as tf

    from zoo import data as zoo_data

    keras.utils.set_random_seed(seed)
    faces = zoo_data.arrays(source, split="train", image_size=image_size, channels=3)
    model, encoder = autoencoder(image_size, 3, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    dataset = tf.data.Dataset.from_tensor_slices((faces, faces)).shuffle(len(faces), seed=seed).batch(batch_size)
    model.fit(dataset, epochs=epochs, verbose=verbose)
    info = {"image_size": image_size, "features": FEATURES, "epochs": epochs, "train_images": int(len(faces)),
            "train_mse": float(model.evaluate(faces, faces, batch_size=256, verbose=0)), "seed": seed}
    if test_source:
        held = zoo_data.arrays(test_source, split="train", image_size=image_size, channels=3)
        info.update(test_images=int(len(held)), test_mse=float(model.evaluate(held, held, batch_size=256, verbose=0)))
    return Encoder(encoder, info)


def save(encoder, name, directory=WEIGHTS_DIR):
    path = os.path.join(directory, f"{name}.keras")
    with atomic_path(path) as tmp:
        encoder.network.save(tmp)
    encoder.info["sha256"] = files.sha256(path)
    write_json(os.path.join(directory, f"{name}.json"), encoder.info)
    return path


def load(name_or_path):
    """A shipped encoder by name, or a ``.keras`` path (its ``.json`` beside it)."""
    import keras

    path = name_or_path if name_or_path.endswith(".keras") else os.path.join(WEIGHTS_DIR, f"{name_or_path}.keras")
    if not os.path.exists(path):
        shipped = sorted(f[:-6] for f in os.listdir(WEIGHTS_DIR) if f.endswith("_encoder.keras"))
        raise FileNotFoundError(f"no encoder at {path}; shipped encoders: {shipped}.")
    with open(path[: -len(".keras")] + ".json", encoding="utf-8") as f:
        info = json.load(f)
    return Encoder(keras.saving.load_model(path, compile=False), info, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train and ship the anime-face encoder.")
    parser.add_argument("--source", required=True, help="folder of training faces (never the held-out ones)")
    parser.add_argument("--test-source", help="folder of held-out faces: the reconstruction error is reported on them")
    parser.add_argument("--name", default="anime_faces_encoder")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--directory", default=WEIGHTS_DIR)
    args = parser.parse_args(argv)
    encoder = train(args.source, test_source=args.test_source, epochs=args.epochs)
    print(save(encoder, args.name, args.directory), json.dumps(encoder.info))


if __name__ == "__main__":
    main()
