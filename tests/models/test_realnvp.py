"""RealNVP: invertibility, the log-determinant against a brute-force
Jacobian, and learning on real MNIST."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import build, needs_mnist
from zoo import data
from zoo.models.realnvp import RealNVP


def randomized(model, seed=0, scale=0.1):
    """The model with every weight redrawn (the zero-initialized last convs
    would make every coupling the identity); at scale 0.1 z stays O(10), where
    float32 inverts to 1e-7 (at 0.3, |z| reaches ~1000 and float32 does not)."""
    rng = np.random.default_rng(seed)
    for w in model.flow.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32") + (1.0 if "scale" in w.path and "an_" not in w.path else 0.0))
    return model


def test_forward_then_inverse_gives_the_input_back():
    model = randomized(RealNVP(image_shape=(8, 8, 1), n_scales=2, couplings=2, final_couplings=2, filters=8,
                               hidden_layers=1))
    x = tf.random.stateless_uniform((4, 8, 8, 1), seed=[1, 2], minval=0.01, maxval=0.99)
    z, _ = model.flow.forward(x)
    assert z.shape == (4, 64)
    np.testing.assert_allclose(model.flow.inverse(z).numpy(), x.numpy(), atol=2e-4)
    assert float(tf.reduce_max(tf.abs(z - model.flow.forward(model.flow.inverse(z))[0]))) < 1e-3


@pytest.mark.parametrize("n_scales", [0, 1])
def test_log_det_matches_the_brute_force_jacobian(n_scales):
    model = randomized(RealNVP(image_shape=(4, 4, 1), n_scales=n_scales, couplings=2, final_couplings=2, filters=4,
                               hidden_layers=1), seed=n_scales)
    x = tf.random.stateless_uniform((3, 4, 4, 1), seed=[3, 4], minval=0.05, maxval=0.95)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z, log_det = model.flow.forward(x)
    jacobian = tape.batch_jacobian(z, x).numpy().reshape(3, 16, 16)
    sign, brute = np.linalg.slogdet(jacobian.astype("float64"))
    assert np.all(sign != 0)
    np.testing.assert_allclose(log_det.numpy(), brute, atol=2e-3)
    assert np.std(brute) > 0.01  # the random weights make a non-trivial Jacobian


def test_temperature_scales_the_latent():
    model = randomized(RealNVP(image_shape=(8, 8, 1), n_scales=1, couplings=1, final_couplings=1, filters=4,
                               hidden_layers=1))
    cold, warm = model.sample(64, temperature=0.1, seed=0), model.sample(64, temperature=1.0, seed=0)
    assert cold.std(axis=0).mean() < 0.5 * warm.std(axis=0).mean()
    with pytest.raises(ValueError, match="temperature must be > 0"):
        model.sample(2, temperature=0)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="divisible by 8"):
        RealNVP(image_shape=(28, 28, 1), n_scales=3)
    with pytest.raises(ValueError, match=r"images must have shape \[n, 8, 8, 1\]"):
        RealNVP(image_shape=(8, 8, 1), n_scales=1, filters=4).bits_per_dim(np.zeros((1, 28, 28, 1)))


@pytest.fixture(scope="module")
def mnist_test():
    batches = data.load("mnist", split="test", batch_size=500, shuffle=False, steps_per_epoch=1)
    return np.concatenate([b.numpy() for b in batches])


@needs_mnist
@pytest.mark.parametrize("learning_rate, learns", [(1e-3, True), (0.0, False)])
def test_learns_mnist_bits_per_dim(mnist_test, learning_rate, learns):
    """150 steps of a small flow take held-out bits/dim from 10.9 (an
    untrained flow: the logit preprocessing alone) to 3.3 (measured); under
    5 passes. A frozen flow stays at 10.9."""
    keras.utils.set_random_seed(0)
    model = build(RealNVP, dict(couplings=2, final_couplings=2, filters=16, hidden_layers=1),
                  optimizer={"learning_rate": learning_rate})
    model.fit(data.load("mnist", batch_size=64, steps_per_epoch=150, seed=0), epochs=1, verbose=0)
    bits = model.bits_per_dim(mnist_test, seed=1).mean()
    assert (bits < 5.0) == learns, bits
