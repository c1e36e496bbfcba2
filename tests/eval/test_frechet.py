"""The Frechet distance: exact against two independent float64 references
(scipy's general matrix square root and tensorflow-gan's SVD route)."""

import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

from zoo import _tfgan
from zoo.eval import frechet


def gaussian_features(rng, n, d, shift=0.0):
    mixing = rng.standard_normal((d, d)) / np.sqrt(d)
    return rng.standard_normal((n, d)) @ mixing + shift


def scipy_frechet(a, b):
    mu1, s1 = a.mean(0), np.cov(a, rowvar=False)
    mu2, s2 = b.mean(0), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)


@pytest.mark.parametrize("d", [8, 256])
def test_matches_scipy_and_tensorflow_gan(d):
    rng = np.random.default_rng(d)
    a, b = gaussian_features(rng, 4 * d, d), gaussian_features(rng, 4 * d, d, shift=0.3)
    ours = frechet.frechet_distance_from_features(a, b)
    reference = scipy_frechet(a, b)
    tfgan = float(_tfgan.classifier_metrics().frechet_classifier_distance_from_activations(
        tf.constant(a, tf.float64), tf.constant(b, tf.float64)))
    assert ours == pytest.approx(reference, rel=1e-6)
    assert ours == pytest.approx(tfgan, rel=1e-6)


def test_known_closed_form():
    # N(0, I) vs N(m, 4 I) in d dims: |m|^2 + d + 4d - 2 * 2d = |m|^2 + d.
    d, m = 5, np.arange(5.0)
    value = frechet.frechet_distance(np.zeros(d), np.eye(d), m, 4 * np.eye(d))
    assert value == pytest.approx(m @ m + d, rel=1e-12)


def test_identical_sets_give_zero_and_rank_deficient_covariances_work():
    rng = np.random.default_rng(0)
    a = gaussian_features(rng, 20, 64)  # n < d: singular covariance
    assert frechet.frechet_distance_from_features(a, a) == pytest.approx(0.0, abs=1e-8)


def test_bad_shapes_are_reported():
    with pytest.raises(ValueError, match=r"\[n, d\]"):
        frechet.feature_statistics(np.zeros(5))
    with pytest.raises(ValueError, match="same d"):
        frechet.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
