"""DCGAN: the shared checks on tiny networks, at each supported image shape."""

import pytest

from helpers import (
    check_checkpoint_resume, check_config_round_trip, check_export_and_tflite, check_fit,
    check_keras_save_load, check_replica_equivalence,
)
from zoo.models.dcgan import DCGAN

TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4)


def test_config_round_trip():
    check_config_round_trip(DCGAN, TINY)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_fit_at_each_image_shape(shape):
    model = check_fit(DCGAN, dict(TINY, image_shape=shape))
    assert model.generate(2).shape == (2, *shape)


def test_two_discriminator_steps():
    check_fit(DCGAN, dict(TINY, d_steps=2))


def test_keras_save_load(tmp_path):
    check_keras_save_load(DCGAN, TINY, tmp_path)


def test_checkpoint_resume(tmp_path):
    check_checkpoint_resume(DCGAN, TINY, tmp_path)


def test_one_vs_two_replicas():
    check_replica_equivalence(DCGAN, TINY)


def test_export_and_tflite(tmp_path):
    check_export_and_tflite(DCGAN, TINY, tmp_path, steps=3)
