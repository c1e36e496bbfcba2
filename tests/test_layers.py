"""Unit tests of shared layers and output conversions whose bugs the model
checks do not see (found by a mutation run, issue 17)."""

import keras
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


# === BatchNorm: the fused kernel on one replica, Keras's synchronized layer otherwise ===


def _batch(seed=0, shape=(16, 5, 5, 6)):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32) * 3.0 + 1.5


def test_batch_norm_trains_like_the_textbook_formula_and_keeps_biased_moving_variance():
    x = _batch()
    layer = layers.BatchNorm(momentum=0.9, epsilon=1e-3)
    layer.build(x.shape)
    layer.gamma.assign(np.linspace(0.5, 2.0, 6).astype(np.float32))
    layer.beta.assign(np.linspace(-1.0, 1.0, 6).astype(np.float32))
    y = layer(tf.constant(x), training=True).numpy()
    mean, variance = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))  # numpy's var is the biased one
    expected = (x - mean) / np.sqrt(variance + 1e-3) * np.linspace(0.5, 2.0, 6) + np.linspace(-1.0, 1.0, 6)
    np.testing.assert_allclose(y, expected, atol=2e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-6)
    # Initial moving variance 1: 0.9 * 1 + 0.1 * biased variance (the fused kernel's own output is unbiased).
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * variance, rtol=1e-5)
    # Inference uses the moving statistics.
    inferred = layer(tf.constant(x), training=False).numpy()
    moving = (x - layer.moving_mean.numpy()) / np.sqrt(layer.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inferred, moving * np.linspace(0.5, 2.0, 6) + np.linspace(-1.0, 1.0, 6), atol=2e-5)


def test_batch_norm_gradients_equal_keras_synchronized_batch_norm():
    x = tf.constant(_batch(1))
    ours, reference = layers.BatchNorm(), keras.layers.BatchNormalization(synchronized=True)
    weights = tf.constant(np.random.RandomState(2).randn(*x.shape).astype(np.float32))
    grads = []
    for layer in (ours, reference):
        layer.build(x.shape)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=True) ** 2 * weights)
        grads.append(tape.gradient(loss, [x, layer.gamma, layer.beta]))
    for got, expected in zip(*grads):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)


def _op_types(layer, training, strategy=None):
    x = tf.TensorSpec((8, 4, 4, 3), tf.float32)
    layer.build(x.shape)
    step = tf.function(lambda images: layer(images, training=training))
    if strategy is None:
        graph = step.get_concrete_function(x).graph
    else:
        graph = tf.function(lambda images: strategy.run(step, args=(images,))).get_concrete_function(x).graph
    types = {op.type for op in graph.get_operations()}
    for function in graph._functions.values():
        types |= {node.op for node in function.definition.node_def}
    return types


def test_batch_norm_takes_the_fused_kernel_on_one_replica_only_when_training():
    assert "FusedBatchNormV3" in _op_types(layers.BatchNorm(), training=True)
    assert "FusedBatchNormV3" not in _op_types(layers.BatchNorm(), training=False)


def test_batch_norm_keeps_keras_synchronized_statistics_on_two_replicas():
    from zoo import distribute

    strategy = distribute.make_strategy("mirrored", 2)
    with strategy.scope():
        layer = layers.BatchNorm()
    types = _op_types(layer, training=True, strategy=strategy)
    assert "FusedBatchNormV3" not in types
    assert layer.get_config()["synchronized"] is True
