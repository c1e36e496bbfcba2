"""SNGAN: beyond the shared checks (test_shared_checks.py), the spectral norm of every critic kernel."""

import keras
import numpy as np
import pytest

from helpers import build, default_batch, fit_once
from tiny import TINY as CASES
from zoo.layers import SpectralNormalization
from zoo.models.sngan import SNGAN

TINY = CASES["sngan"].kwargs


def sn_layers(model):
    return [layer for layer in model.discriminator.layers if isinstance(layer, SpectralNormalization)]


def test_every_critic_kernel_has_spectral_norm_one_after_training():
    keras.utils.set_random_seed(0)
    model = build(SNGAN, TINY)
    assert len(sn_layers(model)) == 3  # two convolutions and the dense layer
    fit_once(model, default_batch(model), steps=40)
    raw_tops = []
    for layer in sn_layers(model):
        kernel = np.asarray(layer.normalized_kernel())
        top = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
        assert abs(top - 1) < 0.05, f"{layer.name}: largest singular value {top:.3f}"
        raw = layer.layer.kernel.numpy()
        raw_tops.append(np.linalg.svd(raw.reshape(-1, raw.shape[-1]), compute_uv=False)[0])
    # The raw kernels are not normalized themselves: the wrapper does it.
    assert max(abs(t - 1) for t in raw_tops) > 0.2, raw_tops


def test_wrapper_output_equals_the_layer_with_the_normalized_kernel():
    dense = keras.layers.Dense(3)
    wrapped = SpectralNormalization(dense, power_iterations=30)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    got = wrapped(x, training=True).numpy()
    kernel = dense.kernel.numpy()
    sigma = np.linalg.svd(kernel, compute_uv=False)[0]
    np.testing.assert_allclose(got, x @ (kernel / sigma) + dense.bias.numpy(), rtol=1e-4, atol=1e-5)


def test_wrapper_refuses_a_nonlinear_layer():
    with pytest.raises(ValueError, match="linear layer"):
        SpectralNormalization(keras.layers.Dense(3, activation="relu"))(np.zeros((1, 2), "float32"))
