"""Unit tests of shared layers and output conversions whose bugs the model
checks do not see (found by a mutation run, issue 17)."""

import numpy as np
import pytest
import tensorflow as tf

from zoo import layers
from zoo.base import images_outputs


def test_replica_dropout_rescales_kept_units_and_zeroes_about_rate():
    layer = layers.ReplicaDropout(0.5, seed=3)
    x = tf.ones([64, 256])
    y = layer(x, training=True).numpy()
    zeros = float(np.mean(y == 0))
    assert 0.45 < zeros < 0.55, f"{zeros:.3f} of the units dropped at rate 0.5"
    # Kept units are scaled by 1 / (1 - rate), so the mean stays ~1.
    assert np.allclose(y[y != 0], 2.0)
    assert abs(float(y.mean()) - 1.0) < 0.05


def test_replica_dropout_draws_a_new_mask_each_call_and_none_at_inference():
    layer = layers.ReplicaDropout(0.5, seed=3)
    x = tf.ones([8, 128])
    first, second = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert not np.array_equal(first == 0, second == 0), "the same mask on two calls: the seed state does not advance"
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())


def test_replica_dropout_rate_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        layers.ReplicaDropout(1.0)


def test_images_uint8_maps_the_range_ends_and_middle_like_numpy():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 1.7, -3.0], np.float32).reshape(1, 7, 1, 1)
    got = images_outputs(tf.constant(x))
    expected = np.clip(np.round((np.clip(x, -1, 1) + 1.0) * 127.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(got["images_uint8"].numpy(), expected)
    assert got["images_uint8"].numpy().ravel().tolist()[:5:2] == [0, 128, 255]
    np.testing.assert_array_equal(got["images"].numpy(), np.clip(x, -1, 1))
