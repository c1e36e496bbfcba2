"""GLO: codes on the sphere with sparse updates, the index guard, the
Laplacian pyramid, the prior fit to the codes, and learning on real MNIST.
(The code table resuming exactly is the shared checkpoint / .keras checks:
it is a weight of the model.)"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import build, fit_once, needs_mnist
from tiny import TINY
from zoo import data
from zoo import train as zoo_train
from zoo.models.glo import GLO, laplacian_l1, principal_codes

KWARGS = TINY["glo"].kwargs


def test_codes_stay_on_the_sphere_and_only_the_batch_moves():
    model = build(GLO, KWARGS, code_optimizer={"learning_rate": 1000.0})
    before = model.code_table.numpy()
    images, index = model.example_batch(8, seed=3)
    fit_once(model, (images, index), steps=2)
    after = model.code_table.numpy()
    np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)
    others = np.setdiff1d(np.arange(model.num_codes), index)
    # Untouched but for the constraint's re-normalization (float rounding).
    np.testing.assert_allclose(after[others], before[others], atol=1e-6)
    assert np.all(np.abs(after[index] - before[index]).max(axis=1) > 1e-3)


def test_an_index_beyond_the_table_fails_with_the_fix():
    model = build(GLO, KWARGS)
    images, index = model.example_batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_codes=20"):
        fit_once(model, (images, index + 20))
    with pytest.raises(ValueError, match="with_index=True"):
        fit_once(model, images)


def test_laplacian_l1_puts_a_constant_offset_in_the_low_pass_only():
    x = tf.random.stateless_uniform((2, 16, 16, 1), seed=[1, 2])
    assert float(tf.reduce_max(laplacian_l1(x, x, 2))) == 0.0
    # The band-pass levels of x and x + 0.3 are equal; the residual differs by 0.3.
    np.testing.assert_allclose(laplacian_l1(x, x + 0.3, 2).numpy(), 0.3, atol=1e-5)
    # A fine pattern lives in the band-pass levels instead.
    checker = tf.constant((np.indices((16, 16)).sum(0) % 2)[None, :, :, None] * 0.5, tf.float32)
    assert float(laplacian_l1(x, x + checker, 2)[0]) > 0.3


def test_the_prior_is_the_gaussian_of_the_codes():
    model = build(GLO, dict(KWARGS, num_codes=500))
    rng = np.random.default_rng(0)
    codes = rng.multivariate_normal([0.5, -0.2, 0.1, 0.3], np.diag([0.04, 0.01, 0.02, 0.03]) + 0.005, size=500)
    model.code_table.assign(codes.astype("float32"))
    model.fit_prior()
    z = rng.standard_normal((20_000, 4)).astype("float32")
    affine = model.prior.get_layer("cholesky")(z).numpy()  # before the projection
    np.testing.assert_allclose(affine.mean(0), codes.mean(0), atol=0.01)
    np.testing.assert_allclose(np.cov(affine, rowvar=False), np.cov(codes, rowvar=False), atol=0.004)
    np.testing.assert_allclose(np.linalg.norm(model.prior(z).numpy(), axis=1), 1.0, atol=1e-5)


def test_pca_codes_keep_the_angles_of_images_in_a_code_dim_subspace():
    """Images spanning a 4-d affine subspace: the principal codes are an
    isometry of it, so the angle between two codes is the angle between
    the two centred images (a random start keeps no such thing)."""
    rng = np.random.default_rng(1)
    flat = 0.2 + rng.standard_normal((20, 4)) @ rng.standard_normal((4, 256))
    model = build(GLO, KWARGS)
    model.init_codes(flat.reshape(20, 16, 16, 1))
    codes = model.code_table.numpy()
    centred = flat - flat.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(codes @ codes.T, centred @ centred.T, atol=1e-4)
    with pytest.raises(ValueError, match=r"one image per code, shape \(20, 16, 16, 1\); got \(19, 16, 16, 1\)"):
        model.init_codes(flat[:19].reshape(19, 16, 16, 1))


GLO_RECIPE = """
model = "glo"
[data]
source = "{folder}"
batch_size = 8
image_size = 16
channels = 1
with_index = true
[kwargs]
num_codes = 160
code_dim = 4
g_filters = 4
lap_levels = 2
code_init = "{init}"
[code_optimizer]
learning_rate = 0.0
[train]
epochs = 1
steps_per_epoch = 2
seed = 3
"""


@pytest.mark.parametrize("init", ["pca", "random"])
def test_gan_zoo_train_starts_the_codes_from_the_principal_components(tmp_path, tiny_recipe, init):
    """The training driver calls init_from_data before the first epoch (codes
    frozen here, so they are still the start after training)."""
    folder = os.path.join(os.path.dirname(tiny_recipe), "images")
    recipe = tmp_path / "glo.toml"
    recipe.write_text(GLO_RECIPE.format(folder=folder, init=init))
    model, _ = zoo_train.train(str(recipe), str(tmp_path / "run"), verbose=0)
    expected = principal_codes(data.arrays(folder, split="train", image_size=16, channels=1), 4, seed=3)
    matches = np.allclose(model.code_table.numpy(), expected, atol=1e-5)
    assert matches == (init == "pca")


@needs_mnist
@pytest.mark.parametrize("frozen", [False, True])
def test_learns_to_reconstruct_mnist(frozen):
    """300 steps on the first 640 training digits (30 visits each): their
    reconstructions from their own codes get close (mean squared error
    0.235, measured; under 0.5 passes); a frozen model (G and codes at
    learning rate 0) stays at 0.985."""
    keras.utils.set_random_seed(0)
    optimizers = {"optimizer": {"learning_rate": 0.0}, "code_optimizer": {"learning_rate": 0.0}} if frozen else {}
    model = build(GLO, dict(num_codes=640, code_dim=16, g_filters=16, code_init="random"), **optimizers)
    batches = data.load("mnist", batch_size=64, with_index=True, steps_per_epoch=10, shuffle=False)
    model.fit(batches, epochs=30, verbose=0)
    images, index = next(iter(batches))
    mse = float(np.mean((model.reconstruct(index.numpy()) - images.numpy()) ** 2))
    assert (mse < 0.5) == (not frozen), mse
