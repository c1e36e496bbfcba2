"""InceptionV3 features and logits for FID, KID and the Inception Score.

``keras.applications.InceptionV3`` with ImageNet weights: the 2048-d global
average pool ("pool3") gives the FID/KID features, the 1000-way layer before
the softmax the IS logits. Images in [-1, 1] (the network's own input
range) are resized to 299x299 bilinearly; greyscale is repeated to RGB.

Weights: ``"imagenet"`` downloads Keras's file on a networked machine (cached
in ``~/.keras/models``); a path loads that ``.h5``/``.weights.h5`` file
(``--inception-weights PATH`` on machines without a network); ``None``
gives random weights, good for shapes and plumbing only (every report then
says so, and its numbers mean nothing).

Keras's InceptionV3 weights are not the TF-slim 2015 graph the original FID
code uses, so absolute values differ from published FIDs; compare numbers
measured by this module with each other.
"""

import os

import numpy as np

from zoo import files
from zoo.eval import metrics

INPUT_SIZE = 299


class InceptionV3:
    """Args:
        weights: ``"imagenet"``, a local weights file, or ``None`` (random).
        seed: initialiser seed for ``weights=None``.
    """

    feature_dim = 2048
    num_classes = 1000

    def __init__(self, weights="imagenet", seed=0):
        import keras

        if weights not in ("imagenet", None) and not os.path.exists(weights):
            raise FileNotFoundError(
                f"Inception weights file {weights!r} not found; expected the Keras "
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5 (or 'imagenet' to download)."
            )
        if weights is None:
            keras.utils.set_random_seed(seed)
        net = keras.applications.InceptionV3(
            include_top=True, weights=weights, classifier_activation=None
        )
        self.model = keras.Model(net.input, [net.get_layer("avg_pool").output, net.output])
        self.weights = weights
        if weights is None:
            self.weights_id = f"random-seed{seed}"
        elif weights == "imagenet":
            self.weights_id = "keras-imagenet"
        else:
            self.weights_id = "file-" + files.sha256(weights)[:12]
        self.name = "inception_v3"
        self.id = f"inception_v3-{self.weights_id}"

    def __call__(self, images, batch_size=50):
        """``[n, H, W, 1 or 3]`` in [-1, 1] -> (features [n, 2048], logits
        [n, 1000]) as float64 numpy."""
        import tensorflow as tf

        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(f"expected images [n, H, W, 1 or 3] in [-1, 1], got shape {images.shape}.")
        def prepare(batch):
            batch = tf.constant(batch)
            if batch.shape[-1] == 1:
                batch = tf.repeat(batch, 3, axis=-1)
            return tf.image.resize(batch, (INPUT_SIZE, INPUT_SIZE), method="bilinear")

        return metrics.features_and_logits(self.model, images, batch_size, prepare)

    def protocol(self):
        return {
            "extractor": self.name,
            "weights": self.weights_id,
            "input": f"{INPUT_SIZE}x{INPUT_SIZE} bilinear, grey repeated to RGB",
            "feature_dim": self.feature_dim,
            "note": (
                "RANDOM WEIGHTS: plumbing only, not a score" if self.weights is None
                else "Keras ImageNet InceptionV3 (not the TF-slim FID graph)"
            ),
        }
