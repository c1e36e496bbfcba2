"""The original GAN: the shared checks on tiny MLPs, with both generator losses."""

import pytest

from helpers import (
    check_checkpoint_resume, check_config_round_trip, check_export_and_tflite, check_fit,
    check_keras_save_load, check_replica_equivalence,
)
from zoo.models.gan import GAN

TINY = dict(image_shape=(8, 8, 1), latent_dim=4, g_units=(16,), d_units=(16,))


def test_config_round_trip():
    check_config_round_trip(GAN, TINY)


@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
def test_fit_with_each_generator_loss(loss):
    check_fit(GAN, dict(TINY, adversarial_loss=loss))


def test_keras_save_load(tmp_path):
    check_keras_save_load(GAN, TINY, tmp_path)


def test_checkpoint_resume(tmp_path):
    check_checkpoint_resume(GAN, dict(TINY, d_steps=2), tmp_path)


def test_one_vs_two_replicas():
    check_replica_equivalence(GAN, TINY)


def test_export_and_tflite(tmp_path):
    check_export_and_tflite(GAN, TINY, tmp_path, steps=3)
