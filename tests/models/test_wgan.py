"""WGAN (weight clipping): the shared checks, and the clip itself."""

import numpy as np

from helpers import (
    build, check_checkpoint_resume, check_config_round_trip, check_export_and_tflite, check_fit,
    check_keras_save_load, check_replica_equivalence, default_batch, fit_once, two_replicas,
)
from zoo.models.wgan import WGAN

TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4, d_steps=2)


def test_config_round_trip():
    check_config_round_trip(WGAN, dict(TINY, clip_value=0.05))


def test_fit():
    check_fit(WGAN, TINY)


def test_every_critic_weight_is_clipped_and_the_generator_is_not():
    for strategy in (None, two_replicas()):
        model = build(WGAN, dict(TINY, clip_value=0.02, d_steps=1), strategy=strategy)
        data = default_batch(model)
        for _ in range(3):  # after each critic step (one per fit step here)
            fit_once(model, data)
            for v in model.discriminator.trainable_variables:
                assert np.abs(v.numpy()).max() <= 0.02 + 1e-7, v.path
        g_max = max(np.abs(v.numpy()).max() for v in model.generator.trainable_variables)
        assert g_max > 0.05, "generator weights were clipped too"


def test_keras_save_load_keeps_the_clip(tmp_path):
    check_keras_save_load(WGAN, TINY, tmp_path)


def test_checkpoint_resume(tmp_path):
    check_checkpoint_resume(WGAN, TINY, tmp_path)


def test_one_vs_two_replicas():
    check_replica_equivalence(WGAN, TINY)


def test_export_and_tflite(tmp_path):
    check_export_and_tflite(WGAN, TINY, tmp_path)
