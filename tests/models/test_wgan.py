"""WGAN (weight clipping): beyond the shared checks (test_shared_checks.py), the clip itself."""

import numpy as np

from helpers import build, check_keras_save_load, default_batch, fit_once, two_replicas
from tiny import TINY as CASES
from zoo.models.wgan import WGAN

TINY = CASES["wgan"].kwargs


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
