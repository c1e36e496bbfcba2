"""SNGAN: beyond the shared checks (test_shared_checks.py), the spectral norm of every critic kernel."""

import keras
import numpy as np
import pytest

from helpers import build, default_batch, fit_once
from tiny import TINY as CASES
from zoo.layers import GlobalSumPooling2D, SpectralNormalization, Upsample2x
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


def test_the_hidden_dense_layer_is_normalized_too():
    wrapped = sn_layers(build(SNGAN, dict(TINY, d_hidden_units=8)))
    assert [type(layer.layer).__name__ for layer in wrapped] == ["Conv2D", "Conv2D", "Dense", "Dense"]
    assert [layer.layer.units for layer in wrapped[2:]] == [8, 1]


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


# === architecture="resnet" (SNGAN's residual networks) ===

RESNET = dict(TINY, architecture="resnet")


def test_resnet_refuses_hidden_units():
    with pytest.raises(ValueError, match="'dcgan' networks"):
        SNGAN(**dict(RESNET, d_hidden_units=8))


@pytest.mark.parametrize("size, blocks", [(28, 2), (32, 3), (64, 4)])
def test_resnet_networks_have_one_block_per_doubling_and_normalize_every_critic_layer(size, blocks):
    model = build(SNGAN, dict(RESNET, image_shape=(size, size, 3)))
    g, d = model.generator, model.discriminator
    assert g.output_shape == (None, size, size, 3)
    # Nearest upsampling + 3x3 convs, no transposed convolution (no checkerboard).
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in g.layers)
    assert sum(isinstance(layer, Upsample2x) for layer in g.layers) == 2 * blocks
    # Per block: two 3x3 convs and the 1x1 shortcut; then the logit layer. All normalized.
    wrapped = [layer.layer for layer in sn_layers(model)]
    assert len(wrapped) == 3 * blocks + 1
    assert sum(isinstance(layer, keras.layers.Dense) for layer in wrapped) == 1
    bare = [layer for layer in d.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    assert bare == [], [layer.name for layer in bare]
    assert d.output_shape == (None, 1)


def test_resnet_critic_head_sums_over_positions_and_upsampling_repeats_pixels():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5)).astype("float32")
    np.testing.assert_allclose(GlobalSumPooling2D()(x).numpy(), x.sum(axis=(1, 2)), rtol=1e-5)
    up = Upsample2x()(x).numpy()
    np.testing.assert_array_equal(up, x.repeat(2, axis=1).repeat(2, axis=2))


def test_resnet_critic_kernels_have_spectral_norm_one_after_training():
    keras.utils.set_random_seed(0)
    model = build(SNGAN, RESNET)
    fit_once(model, default_batch(model), steps=30)
    for layer in sn_layers(model):
        kernel = np.asarray(layer.normalized_kernel())
        top = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
        assert abs(top - 1) < 0.1, f"{layer.name}: largest singular value {top:.3f}"


def test_unknown_architecture_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"architecture must be one of \('dcgan', 'resnet'\), got 'vgg'"):
        SNGAN(**dict(TINY, architecture="vgg"))
