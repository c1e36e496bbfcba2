"""ACGAN: beyond the shared checks (test_shared_checks.py), tensorflow-gan's class losses per example."""

import numpy as np
import pytest
import tensorflow as tf

from tiny import TINY as CASES
from zoo import losses
from zoo.models.acgan import ACGAN

TINY = CASES["acgan"].kwargs


def test_class_losses_are_per_example_cross_entropies():
    # Golden values by hand: -log softmax(logits)[label].
    real = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]], "float32")
    fake = np.array([[0.0, 0.0, 3.0], [1.0, 1.0, 1.0]], "float32")
    labels = np.array([0, 2])
    one_hot = tf.one_hot(labels, 3)

    def xent(logits):
        z = logits - logits.max(axis=1, keepdims=True)
        return -(z[np.arange(2), labels] - np.log(np.exp(z).sum(axis=1)))

    np.testing.assert_allclose(losses.acgan_discriminator_loss(real, fake, one_hot), xent(real) + xent(fake), rtol=1e-5)
    np.testing.assert_allclose(losses.acgan_generator_loss(fake, one_hot), xent(fake), rtol=1e-5)


def test_generator_loss_is_its_adversarial_plus_its_class_term():
    """With a constant D (zero weights, fixed biases, learning rate 0) every
    logged term is hand-computable: g_class_loss is the cross-entropy of
    D's fixed class logits for the requested labels, and g_loss is the
    non-saturating term plus class_loss_weight times it (a dropped or
    zero-weighted class term fails here)."""
    import keras

    from helpers import build, fit_once, random_images

    adversarial_bias, class_bias = 0.7, np.linspace(-1.0, 2.0, 10).astype("float32")
    image = keras.Input((28, 28, 1))
    flat = keras.layers.Flatten()(image)
    logits = keras.layers.Dense(1, kernel_initializer="zeros",
                                bias_initializer=keras.initializers.Constant(adversarial_bias))(flat)
    classes = keras.layers.Dense(10, kernel_initializer="zeros",
                                 bias_initializer=keras.initializers.Constant(class_bias))(flat)
    frozen = keras.Model(image, [logits, classes])
    weight = 0.5
    model = build(ACGAN, dict(TINY, discriminator=frozen, class_loss_weight=weight),
                  d_optimizer=keras.optimizers.SGD(0.0))
    labels = np.array([0, 3, 9, 9, 5, 1, 2, 7], np.int32)
    logs = fit_once(model, (random_images((28, 28, 1), 8), labels))
    log_softmax = class_bias - np.log(np.sum(np.exp(class_bias)))
    expected_class = float(np.mean(-log_softmax[labels]))
    expected_adversarial = float(np.log1p(np.exp(-adversarial_bias)))  # -log sigmoid(c)
    assert logs["g_class_loss"] == pytest.approx(expected_class, rel=1e-5)
    assert logs["g_loss"] == pytest.approx(expected_adversarial + weight * expected_class, rel=1e-5)
