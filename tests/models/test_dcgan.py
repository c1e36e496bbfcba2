"""DCGAN: what the shared checks (test_shared_checks.py) do not cover: every supported image shape, d_steps,
the fully connected hidden layers."""

import keras
import pytest

from helpers import check_fit
from tiny import TINY as CASES
from zoo.models.dcgan import DCGAN

TINY = CASES["dcgan"].kwargs


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_fit_at_each_image_shape(shape):
    model = check_fit(DCGAN, dict(TINY, image_shape=shape))
    assert model.generate(2).shape == (2, *shape)


def test_two_discriminator_steps():
    check_fit(DCGAN, dict(TINY, d_steps=2))


def conv_params(k, c_in, c_out, bias=True):
    return k * k * c_in * c_out + (c_out if bias else 0)


@pytest.mark.parametrize("hidden", [0, 16])
def test_hidden_units_add_one_dense_layer_to_each_network(hidden):
    # 28x28x1, latent 8, 4 filters, 4x4 kernels: G projects to 7x7x8, D flattens 7x7x8.
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4,
                  g_hidden_units=hidden, d_hidden_units=hidden)
    g_in = hidden or 8
    g_expected = ((8 * hidden + 4 * hidden) if hidden else 0) + g_in * 392 + 4 * 8 \
        + conv_params(4, 8, 4, bias=False) + 4 * 4 + conv_params(4, 4, 1)  # batch norm: 4 numbers a channel
    d_flat = 392
    d_expected = conv_params(4, 1, 4) + conv_params(4, 4, 8) + ((d_flat * hidden + hidden) + hidden + 1 if hidden
                                                                else d_flat + 1)
    assert model.generator.count_params() == g_expected
    assert model.discriminator.count_params() == d_expected
    d_dense = [layer for layer in model.discriminator.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in d_dense] == ([hidden, 1] if hidden else [1])
    if hidden:  # the hidden layer is followed by its nonlinearity (else it would be a linear sum again)
        after = model.discriminator.layers[model.discriminator.layers.index(d_dense[0]) + 1]
        assert isinstance(after, keras.layers.LeakyReLU) and after.negative_slope == pytest.approx(0.2)
        g_dense = [layer for layer in model.generator.layers if isinstance(layer, keras.layers.Dense)]
        assert [layer.units for layer in g_dense] == [hidden, 392]


@pytest.mark.parametrize("bad", [-1, 2.5, "wide"])
def test_hidden_units_refuse_what_is_not_a_width(bad):
    with pytest.raises(ValueError, match="d_hidden_units"):
        DCGAN(**dict(TINY, d_hidden_units=bad))


@pytest.mark.parametrize("name", ["dcgan", "lsgan", "sngan"])
def test_every_model_on_dcgan_networks_passes_hidden_units_on_and_keeps_them_in_its_config(name):
    import zoo

    model = zoo.get(name, **dict(TINY, g_hidden_units=6, d_hidden_units=5))
    dense = [layer for layer in model.discriminator._flatten_layers() if isinstance(layer, keras.layers.Dense)]
    assert sorted(layer.units for layer in dense) == [1, 5]
    assert [layer.units for layer in model.generator.layers if isinstance(layer, keras.layers.Dense)][0] == 6
    config = model.get_config()
    assert (config["g_hidden_units"], config["d_hidden_units"]) == (6, 5)
