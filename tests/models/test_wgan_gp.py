"""WGAN-GP: beyond the shared checks (test_shared_checks.py), the penalty against closed-form values."""

import keras
import numpy as np
import tensorflow as tf

from helpers import build, default_batch, fit_once
from tiny import TINY as CASES
from zoo import losses
from zoo.models.wgan_gp import WGANGP

TINY = CASES["wgan_gp"].kwargs


def test_penalty_of_a_linear_critic_is_hand_computable():
    """D(x) = <w, x> + b has gradient w everywhere: penalty = (||w|| - 1)^2 for
    every example, whatever the mixing weights."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 4, 1)).astype("float32") * 0.3
    critic = lambda x, training=False: tf.reduce_sum(x * w, axis=[1, 2, 3])[:, None] + 2.0  # noqa: E731
    real = rng.standard_normal((5, 4, 4, 1)).astype("float32")
    fake = rng.standard_normal((5, 4, 4, 1)).astype("float32")
    mix = rng.uniform(size=(5, 1, 1, 1)).astype("float32")
    got = losses.gradient_penalty(critic, real, fake, mix).numpy()
    np.testing.assert_allclose(got, np.full(5, (np.linalg.norm(w) - 1) ** 2), rtol=1e-5)


def test_penalty_is_evaluated_at_the_interpolates():
    """D(x) = 1/2 ||x||^2 has gradient x: the penalty is (||x_hat|| - 1)^2 at
    x_hat = real + mix (fake - real), per example."""
    critic = lambda x, training=False: 0.5 * tf.reduce_sum(x * x, axis=[1, 2, 3])[:, None]  # noqa: E731
    rng = np.random.default_rng(1)
    real, fake = (rng.standard_normal((3, 2, 2, 1)).astype("float32") for _ in range(2))
    mix = np.array([0.0, 0.5, 1.0], np.float32).reshape(3, 1, 1, 1)
    x_hat = real + mix * (fake - real)
    expected = (np.linalg.norm(x_hat.reshape(3, -1), axis=1) - 1) ** 2
    np.testing.assert_allclose(losses.gradient_penalty(critic, real, fake, mix).numpy(), expected, rtol=1e-5)


def test_mixing_weight_is_uniform_and_one_per_example():
    model = WGANGP(**TINY)
    draws = np.concatenate([model.sample_mix(1000).numpy() for _ in range(5)])
    assert draws.shape == (5000, 1, 1, 1)  # one weight per example, broadcast over the image
    assert draws.min() >= 0 and draws.max() < 1
    counts, _ = np.histogram(draws, bins=10, range=(0, 1))
    assert counts.min() > 400 and counts.max() < 600  # ~500 each for U(0, 1)


def test_penalty_pulls_the_critic_gradient_norm_towards_one():
    """With only the penalty (no adversarial term), training the critic drives
    its input-gradient norm at interpolates to ~1."""
    keras.utils.set_random_seed(0)
    model = build(WGANGP, dict(TINY, d_steps=1, gp_weight=10.0), d_optimizer={"learning_rate": 1e-3})
    model.d_loss_fn = lambda real, fake: tf.zeros(tf.shape(real)[0])
    data = default_batch(model, n=16)
    mix = model.sample_mix(16)
    fake = model.generate(16)
    before = losses.gradient_penalty(model.discriminator, data, fake, mix).numpy().mean()
    fit_once(model, data, steps=60)
    after = losses.gradient_penalty(model.discriminator, data, fake, mix).numpy().mean()
    assert after < 0.1 * before and after < 0.05, (before, after)
