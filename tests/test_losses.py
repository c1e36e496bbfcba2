"""Golden values of the adversarial losses, computed here from the formulas
of the papers in numpy (not from the code under test)."""

import numpy as np
import pytest
import tensorflow as tf

from zoo import losses

REAL = np.array([[2.0], [-1.0], [0.5], [0.0]], np.float32)
FAKE = np.array([[-3.0], [0.25], [1.5], [0.0]], np.float32)


def softplus(x):
    return np.log1p(np.exp(x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


R, F = REAL[:, 0], FAKE[:, 0]
EXPECTED = {
    # family: (generator per example, discriminator per example)
    "minimax": (np.log(1 - sigmoid(F)), -np.log(sigmoid(R)) - np.log(1 - sigmoid(F))),
    "non_saturating": (-np.log(sigmoid(F)), -np.log(sigmoid(R)) - np.log(1 - sigmoid(F))),
    "wasserstein": (-F, F - R),
    "hinge": (-F, np.maximum(0, 1 - R) + np.maximum(0, 1 + F)),
    "least_squares": (0.5 * (F - 1) ** 2, 0.5 * (R - 1) ** 2 + 0.5 * F**2),
}


@pytest.mark.parametrize("family", sorted(EXPECTED))
def test_golden_values_per_example(family):
    g_loss, d_loss = losses.get(family)
    g_expected, d_expected = EXPECTED[family]
    np.testing.assert_allclose(g_loss(tf.constant(FAKE)).numpy(), g_expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d_loss(tf.constant(REAL), tf.constant(FAKE)).numpy(), d_expected, rtol=1e-5, atol=1e-6)


def test_patch_logits_are_averaged_per_example():
    """PatchGAN maps [batch, h, w, 1] give one loss per example: the mean over the map."""
    patches = np.random.default_rng(0).standard_normal((3, 4, 4, 1)).astype("float32")
    g_loss, _ = losses.get("non_saturating")
    got = g_loss(tf.constant(patches)).numpy()
    assert got.shape == (3,)
    np.testing.assert_allclose(got, softplus(-patches).mean(axis=(1, 2, 3)), rtol=1e-5)


def test_non_saturating_gradient_does_not_vanish_when_d_wins():
    """The notes' argument for the non-saturating loss: when D confidently
    rejects fakes (logit -8), log(1 - D(G(z))) has almost no gradient while
    -log D(G(z)) has ~1."""
    fake = tf.constant([[-8.0]])
    grads = {}
    for family in ("minimax", "non_saturating"):
        with tf.GradientTape() as tape:
            tape.watch(fake)
            loss = losses.get(family)[0](fake)
        grads[family] = abs(float(tape.gradient(loss, fake)[0, 0]))
    assert grads["minimax"] < 1e-3 and grads["non_saturating"] > 0.99


def test_unknown_family_lists_the_valid_ones():
    with pytest.raises(ValueError, match="least_squares"):
        losses.get("wgan")
