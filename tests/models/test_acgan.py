"""ACGAN: the shared checks, and tensorflow-gan's class losses per example."""

import numpy as np
import tensorflow as tf

from helpers import (
    check_checkpoint_resume, check_config_round_trip, check_export_and_tflite, check_fit,
    check_keras_save_load, check_replica_equivalence,
)
from zoo import losses
from zoo.models.acgan import ACGAN

TINY = dict(image_shape=(28, 28, 1), num_classes=10, latent_dim=8, condition_dim=4, g_filters=4, d_filters=4)


def test_config_round_trip():
    check_config_round_trip(ACGAN, dict(TINY, class_loss_weight=0.5))


def test_fit():
    check_fit(ACGAN, TINY)


def test_keras_save_load(tmp_path):
    check_keras_save_load(ACGAN, TINY, tmp_path)


def test_checkpoint_resume(tmp_path):
    check_checkpoint_resume(ACGAN, TINY, tmp_path)


def test_one_vs_two_replicas():
    check_replica_equivalence(ACGAN, TINY)


def test_export_and_tflite(tmp_path):
    check_export_and_tflite(ACGAN, TINY, tmp_path, steps=3)


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
