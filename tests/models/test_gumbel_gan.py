"""gumbel_gan: Gumbel-max draws the model's distribution, the relaxation
sums to one and hardens as beta grows, D's gradient reaches G only through
the relaxation, the annealing schedule, the relativistic losses, and
learning a small oracle (a frozen G does not)."""

import numpy as np
import pytest
import tensorflow as tf

from helpers import build, small_oracle_nll
from tiny import TINY
from zoo import losses, sequences
from zoo.models.gumbel_gan import GumbelGAN, inverse_temperature

KWARGS = TINY["gumbel_gan"].kwargs
WORDS = TINY["gumbel_gan"].overrides["save"]


def test_gumbel_max_draws_the_softmax_distribution():
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4], "float32"))
    u = tf.random.stateless_uniform([40_000, 4], seed=[1, 2])
    draws = tf.argmax(logits + sequences.gumbel_noise(u), axis=-1).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / len(draws), [0.1, 0.2, 0.3, 0.4], atol=0.01)


@pytest.mark.parametrize("kwargs", [KWARGS, WORDS], ids=["ids", "words"])
def test_the_relaxation_sums_to_one_and_hardens_into_the_drawn_tokens(kwargs):
    model = build(GumbelGAN, kwargs)
    u = tf.random.stateless_uniform([16, model.length, model.vocab_size], seed=[3, 4])
    g = sequences.gumbel_noise(u)
    tokens, soft = model.sampler.relaxed_sample(g, 1.0)
    np.testing.assert_allclose(soft.numpy().sum(-1), 1.0, atol=1e-5)
    assert soft.numpy().max(-1).mean() < 0.9  # beta 1: soft
    hard_tokens, hard = model.sampler.relaxed_sample(g, 1e4)
    np.testing.assert_array_equal(hard_tokens.numpy(), tokens.numpy())  # beta does not change the draw
    np.testing.assert_allclose(hard.numpy(), tf.one_hot(tokens, model.vocab_size).numpy(), atol=1e-3)


def test_the_discriminators_gradient_reaches_g_through_the_relaxation_only():
    model = build(GumbelGAN, KWARGS)
    u = tf.random.stateless_uniform([8, model.length, model.vocab_size], seed=[5, 6])
    keep = tf.ones([8, sum(model.num_filters)])
    variables = model.generator.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        tokens, soft = model.sampler.relaxed_sample(sequences.gumbel_noise(u), 2.0)
        through_soft = tf.reduce_sum(model.discriminator([soft, keep]))
        through_hard = tf.reduce_sum(model.discriminator([tf.one_hot(tokens, model.vocab_size), keep]))
    soft_grads = tape.gradient(through_soft, variables)
    assert sum(float(tf.reduce_sum(tf.abs(g))) for g in soft_grads if g is not None) > 1e-6
    assert all(g is None for g in tape.gradient(through_hard, variables))  # argmax: no gradient


def test_the_inverse_temperature_rises_exponentially_to_its_maximum():
    values = [float(inverse_temperature(step, 1000.0, 100)) for step in (0, 50, 100, 500)]
    np.testing.assert_allclose(values, [1.0, 1000.0 ** 0.5, 1000.0, 1000.0], rtol=1e-5)
    model = build(GumbelGAN, KWARGS)
    model.fit(tf.data.Dataset.from_tensors(model.example_batch(8)).repeat(2), epochs=1, steps_per_epoch=2, verbose=0)
    assert float(model.beta()) == pytest.approx(1000.0 ** (2 / 3), rel=1e-5)  # anneal_steps=3, 2 G steps


def test_relativistic_losses_pair_each_fake_with_a_real_example():
    real, fake = tf.constant([2.0, -1.0]), tf.constant([0.5, 1.0])
    np.testing.assert_allclose(losses.relativistic_discriminator_loss(real, fake).numpy(),
                               [np.log1p(np.exp(-1.5)), np.log1p(np.exp(2.0))], rtol=1e-6)
    np.testing.assert_allclose(losses.relativistic_generator_loss(real, fake).numpy(),
                               [np.log1p(np.exp(1.5)), np.log1p(np.exp(-2.0))], rtol=1e-6)


def small_oracle_scores(g_learning_rate, steps=150, seed=0):
    """The small oracle's NLL of G's samples after ``steps`` steps, G from scratch."""
    return small_oracle_nll(GumbelGAN, dict(max_inverse_temperature=100.0, anneal_steps=steps), g_learning_rate,
                            1e-3, steps, seed)


def test_gumbel_gan_learns_a_small_oracle_through_the_relaxation():
    frozen = small_oracle_scores(0.0)
    # Seeds 0-2 at G's 1e-3: 2.50, 2.40, 2.55 against 3.05 frozen.
    learned = small_oracle_scores(1e-3)
    assert learned < frozen - 0.3, f"NLL-oracle {learned:.3f} vs frozen G {frozen:.3f} (the oracle's own: 2.07)"
