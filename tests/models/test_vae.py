"""VAE: the closed forms (KL, the ELBO of a linear-Gaussian model), the
importance-weighted bound, and learning on real MNIST."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import multivariate_normal

from helpers import build, needs_mnist
from zoo import data
from zoo.losses import bits_per_dim
from zoo.models.vae import VAE, gaussian_kl


@pytest.mark.parametrize("mean, log_variance", [(0.0, 0.0), (1.5, 0.0), (-0.7, -2.0), (0.3, 1.2)])
def test_kl_matches_numerical_integration(mean, log_variance):
    std = np.exp(0.5 * log_variance)
    grid = np.linspace(mean - 12 * std, mean + 12 * std, 200_001)
    q = np.exp(-0.5 * ((grid - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
    log_q_over_p = -0.5 * ((grid - mean) / std) ** 2 - np.log(std) + 0.5 * grid**2
    numerical = np.trapezoid(q * log_q_over_p, grid)
    got = float(gaussian_kl(tf.constant([[mean]]), tf.constant([[log_variance]]))[0])
    assert got == pytest.approx(numerical, abs=1e-5)


def test_kl_sums_over_latent_dimensions():
    mean, log_variance = tf.constant([[1.0, -0.5]]), tf.constant([[0.5, -1.0]])
    parts = [float(gaussian_kl(mean[:, i : i + 1], log_variance[:, i : i + 1])[0]) for i in range(2)]
    assert float(gaussian_kl(mean, log_variance)[0]) == pytest.approx(sum(parts), rel=1e-6)


# === A linear-Gaussian model: p(x) is known in closed form ===

W = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0], [0.0, 0.0]])  # orthogonal columns: a diagonal posterior
B = np.array([0.2, 0.5, 0.4, 0.6])
SIGMA = 0.5


def linear_gaussian_vae(mean_shift=0.0):
    """p(z) = N(0, I), p(x|z) = N(Wz + b, sigma^2 I) on 2x2 images, and an
    encoder giving the exact posterior (plus ``mean_shift``)."""
    d, D = W.shape[1], W.shape[0]
    cov = np.linalg.inv(np.eye(d) + W.T @ W / SIGMA**2)  # diagonal
    gain = cov @ W.T / SIGMA**2  # posterior mean = gain (x - b); the encoder sees e = 2x - 1
    images = keras.Input((2, 2, 1))
    stats = keras.layers.Dense(2 * d)(keras.layers.Flatten()(images))
    encoder = keras.Model(images, stats)
    kernel = np.zeros((D, 2 * d))
    kernel[:, :d] = (gain / 2).T
    bias = np.concatenate([gain @ (0.5 - B) + mean_shift, np.log(np.diag(cov))])
    encoder.layers[-1].set_weights([kernel, bias])
    z = keras.Input((d,))
    mean = keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(D)(z))
    log_scale = keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(D)(z))
    decoder = keras.Model(z, keras.layers.Concatenate()([mean, log_scale]))
    decoder.layers[1].set_weights([W.T, B])
    decoder.layers[2].set_weights([np.zeros((d, D)), np.full(D, np.log(SIGMA))])
    return VAE(image_shape=(2, 2, 1), latent_dim=d, likelihood="gaussian", min_log_scale=-10.0,
               encoder=encoder, decoder=decoder)


def test_elbo_of_the_exact_posterior_is_the_exact_log_marginal():
    model = linear_gaussian_vae()
    x = np.random.default_rng(0).uniform(size=(5, 4)).astype("float32")
    exact = multivariate_normal(B, W @ W.T + SIGMA**2 * np.eye(4)).logpdf(x)
    weights = model.log_weights(tf.constant(x.reshape(5, 2, 2, 1)), 50, tf.constant([1, 2])).numpy()
    # With q = p(z|x), every importance weight is p(x) itself.
    np.testing.assert_allclose(weights, np.repeat(exact[:, None], 50, 1), atol=2e-4)


def test_a_wrong_posterior_lowers_the_elbo_and_the_iwae_bound_recovers_part():
    model = linear_gaussian_vae(mean_shift=0.8)
    x = np.random.default_rng(0).uniform(size=(5, 4)).astype("float32")
    exact = multivariate_normal(B, W @ W.T + SIGMA**2 * np.eye(4)).logpdf(x)
    weights = model.log_weights(tf.constant(x.reshape(5, 2, 2, 1)), 4000, tf.constant([3, 4])).numpy()
    elbo = weights.mean(1)
    iwae = np.log(np.mean(np.exp(weights - weights.max(1, keepdims=True)), 1)) + weights.max(1)
    assert np.all(elbo < exact - 0.1), (elbo, exact)
    assert np.all(iwae > elbo) and np.all(iwae <= exact + 0.05), (iwae, elbo, exact)


def test_gaussian_bits_per_dim_includes_the_8_bit_scale():
    # A uniform density on [0, 1) (log p = 0) is 8 bits per 8-bit pixel.
    assert bits_per_dim(0.0, 784) == pytest.approx(8.0)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="likelihood must be one of"):
        VAE(likelihood="poisson")
    model = VAE(image_shape=(16, 16, 1), latent_dim=2, filters=4, hidden=8)
    with pytest.raises(ValueError, match=r"images must have shape \[n, 16, 16, 1\]"):
        model.iwae(np.zeros((2, 28, 28, 1)))
    with pytest.raises(ValueError, match=r"must be in \[-1, 1\]"):
        model.elbo(np.full((2, 16, 16, 1), 255.0))
    with pytest.raises(ValueError, match="bits per dimension"):
        model.bits_per_dim([0.0])


# === Learning on real MNIST ===


@pytest.fixture(scope="module")
def mnist_test():
    batches = data.load("mnist", split="test", batch_size=500, shuffle=False, steps_per_epoch=1)
    return np.concatenate([b.numpy() for b in batches])


def train(learning_rate, steps=200):
    keras.utils.set_random_seed(0)
    model = build(VAE, dict(latent_dim=16, filters=16, hidden=128), optimizer={"learning_rate": learning_rate})
    model.fit(data.load("mnist", batch_size=64, steps_per_epoch=steps, seed=0), epochs=1, verbose=0)
    return model


@needs_mnist
@pytest.mark.parametrize("learning_rate, learns", [(1e-3, True), (0.0, False)])
def test_learns_mnist_test_likelihood(mnist_test, learning_rate, learns):
    """200 steps take -ELBO on held-out digits from ~545 nats (an untrained
    decoder: every pixel a fair coin) to under 200; a frozen model stays."""
    model = train(learning_rate)
    nats = -model.elbo(mnist_test, seed=1).mean()
    assert (nats < 200.0) == learns, nats
    if learns:
        assert -model.iwae(mnist_test[:100], k=20, seed=1).mean() <= nats + 1.0
