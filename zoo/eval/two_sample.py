"""Classifier two-sample test (Lopez-Paz & Oquab 2017, arXiv:1610.06545).

A small CNN learns to tell real images from generated ones; its accuracy
on images it did not train on measures how far apart the two sets are
*to that classifier*: 50% means it found nothing to tell them apart by,
100% that every sample gives itself away. Unlike FID it needs no
pretrained network (no ImageNet weights), so it works on any image domain,
e.g. the anime faces of the lecture notes.

The accuracy is k-fold cross-validated: each fold's images are judged by a
CNN trained from scratch on the other folds, so every image is judged
once, by a classifier that never saw it. The two sets must be equally
large, so 50% is chance.
"""

import numpy as np


def network(image_shape, filters=16, seed=0):
    """Three stride-2 3x3 convs (``filters``, 2x, 4x) with LeakyReLU, global
    average pooling, one logit (real vs generated)."""
    import keras
    from keras import layers

    init = keras.initializers.GlorotUniform(seed=seed)
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for i in range(3):
        x = layers.Conv2D(filters * 2**i, 3, strides=2, padding="same", kernel_initializer=init)(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    logits = layers.Dense(1, kernel_initializer=init)(x)
    return keras.Model(images, logits, name="two_sample_classifier")


def _check(real, fake, folds):
    real, fake = np.asarray(real, np.float32), np.asarray(fake, np.float32)
    if real.ndim != 4 or real.shape[1:] != fake.shape[1:]:
        raise ValueError(f"expected two [n, height, width, channels] image arrays of one shape, got {real.shape} and {fake.shape}.")
    if len(real) != len(fake):
        raise ValueError(f"the two sets must be equally large (so 50% is chance), got {len(real)} real and {len(fake)} generated.")
    if int(folds) < 2 or len(real) < 2 * int(folds):
        raise ValueError(f"folds must be >= 2 with at least 2 images per set per fold; got folds={folds} for {len(real)} images per set.")
    return real, fake, int(folds)


def two_sample_accuracy(real, fake, *, folds=5, epochs=10, batch_size=64, filters=16, seed=0):
    """Held-out accuracy of a CNN telling ``real`` from ``fake`` images.

    Args:
        real, fake: ``[n, H, W, C]`` arrays in the same value range (the
            zoo's [-1, 1]), the same ``n``.
        folds: cross-validation folds (every image is judged once).
        epochs, batch_size, filters: the classifier's training (Adam 1e-3).
        seed: shuffling, fold assignment and the classifiers' initial weights.

    Returns a JSON-ready dict: ``accuracy`` (all ``2n`` held-out
    judgements), ``std_error`` (binomial), ``per_fold``, ``real_judged_real``
    and ``fake_judged_real`` (how often each set was called real), ``n``.
    """
    import keras
    import tensorflow as tf

    real, fake, folds = _check(real, fake, folds)
    images = np.concatenate([real, fake])
    labels = np.concatenate([np.ones(len(real)), np.zeros(len(fake))]).astype(np.float32)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    fold_of = np.empty(len(images), int)
    fold_of[order] = np.arange(len(images)) % folds
    called_real = np.zeros(len(images), bool)
    per_fold = []
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        keras.utils.set_random_seed(seed * 1000 + k)
        model = network(real.shape[1:], filters, seed=seed * 1000 + k)
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.BinaryCrossentropy(from_logits=True))
        dataset = (tf.data.Dataset.from_tensor_slices((images[train], labels[train]))
                   .shuffle(int(train.sum()), seed=seed * 1000 + k).batch(batch_size))
        model.fit(dataset, epochs=epochs, verbose=0)
        logits = model.predict(images[test], batch_size=256, verbose=0)[:, 0]
        called_real[test] = logits > 0
        per_fold.append(float(np.mean(called_real[test] == labels[test].astype(bool))))
    correct = called_real == labels.astype(bool)
    accuracy = float(correct.mean())
    return {
        "accuracy": accuracy,
        "std_error": float(np.sqrt(accuracy * (1 - accuracy) / len(images))),
        "per_fold": per_fold,
        "real_judged_real": float(called_real[: len(real)].mean()),
        "fake_judged_real": float(called_real[len(real):].mean()),
        "n": int(len(real)),
        "folds": folds,
        "epochs": int(epochs),
    }
