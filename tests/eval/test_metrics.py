"""KID, classifier score, precision/recall and FID on real MNIST features,
with the checks the evaluation issue asks for (each can fail)."""

import numpy as np
import pytest
import tensorflow as tf

from helpers import needs_mnist
from zoo.eval import frechet, metrics

pytestmark = needs_mnist


@pytest.fixture(scope="module")
def test_features(mnist_test, mnist_classifier):
    images, labels = mnist_test
    features, logits = mnist_classifier(images)
    return features, logits, labels


def biased_mmd2(a, b):
    """The V-statistic (diagonal kernel terms kept): biased upwards."""
    dim = a.shape[1]
    kernel = lambda x, y: (x @ y.T / dim + 1) ** 3  # noqa: E731
    return kernel(a, a).mean() + kernel(b, b).mean() - 2 * kernel(a, b).mean()


# === KID ===


def test_kid_is_unbiased_on_real_vs_real_subsets(test_features):
    features = test_features[0]
    first, second = features[:5000], features[5000:]
    value, std_error = metrics.kid(first, second, subset_size=50)  # 100 small subsets
    assert std_error > 0
    assert abs(value) <= 2 * std_error, (value, std_error)
    # The same subsets with the biased estimator sit well above 0: the check
    # above distinguishes the two.
    biased = [biased_mmd2(first[i : i + 50], second[i : i + 50]) for i in range(0, 5000, 50)]
    assert np.mean(biased) > 10 * std_error


def test_kid_separates_a_disturbed_set(mnist_test, mnist_classifier, test_features):
    images = mnist_test[0][5000:7000]
    noisy = np.clip(images + np.random.default_rng(0).normal(0, 0.5, images.shape), -1, 1)
    value, std_error = metrics.kid(test_features[0][:5000], mnist_classifier(noisy)[0], subset_size=500)
    assert value > 5 * std_error


# === Classifier score ===


def test_classifier_score_of_one_repeated_image_is_one(test_features):
    logits = np.repeat(test_features[1][:1], 1000, axis=0)
    score, std = metrics.classifier_score(logits)
    assert score == pytest.approx(1.0, abs=1e-6)


def test_classifier_score_of_balanced_real_digits_is_near_ten(test_features):
    _, logits, labels = test_features
    balanced = np.concatenate([np.flatnonzero(labels == c)[:800] for c in range(10)])
    score, std = metrics.classifier_score(logits[np.random.default_rng(0).permutation(balanced)])
    assert 9.3 < score <= 10.0, score
    # Only three digits: the score drops to about three.
    three = np.concatenate([np.flatnonzero(labels == c)[:800] for c in (0, 1, 2)])
    assert metrics.classifier_score(logits[np.random.default_rng(0).permutation(three)])[0] == pytest.approx(3.0, abs=0.3)


# === Precision / recall ===


def test_precision_recall_real_vs_real_collapse_and_off_manifold(mnist_train_subset, mnist_classifier, test_features):
    real = mnist_classifier(mnist_train_subset[0])[0]
    features, _, labels = test_features
    held_out = features[:5000]
    precision, recall = metrics.precision_recall(real, held_out, k=3)
    assert precision > 0.7 and recall > 0.7, (precision, recall)
    # A generator that only makes ones: realistic (high precision), no recall.
    ones = features[labels == 1][:1000]
    precision, recall = metrics.precision_recall(real, ones, k=3)
    assert precision > 0.7 and recall < 0.25, (precision, recall)
    # Samples far off the data manifold: no precision.
    off = held_out[:1000] + 50.0
    assert metrics.precision_recall(real, off, k=3)[0] < 0.01


def test_nearest_matches_brute_force():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((50, 7)), rng.standard_normal((300, 7))
    d, i = metrics.nearest(a, b, k=3, chunk=16)
    brute = np.linalg.norm(a[:, None] - b[None], axis=-1)
    np.testing.assert_array_equal(i, np.argsort(brute, axis=1)[:, :3])
    np.testing.assert_allclose(d, np.sort(brute, axis=1)[:, :3], rtol=1e-4)
    d_self, i_self = metrics.nearest(b, b, k=1, exclude_self=True)
    assert np.all(i_self[:, 0] != np.arange(len(b)))


# === FID disturbance experiments (Heusel et al. 2017, Fig. 1) ===


def gaussian_noise(images, sigma):
    return np.clip(images + np.random.default_rng(1).normal(0, sigma, images.shape), -1, 1).astype(np.float32)


def gaussian_blur(images, sigma):
    radius = int(np.ceil(3 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    kernel_1d = np.exp(-(x**2) / (2 * sigma**2))
    kernel_1d /= kernel_1d.sum()
    kernel = (kernel_1d[:, None] * kernel_1d[None, :])[:, :, None, None]
    channels = images.shape[-1]
    kernel = np.tile(kernel, (1, 1, channels, 1))
    padded = np.pad(images, ((0, 0), (radius, radius), (radius, radius), (0, 0)), mode="edge")
    return tf.nn.depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID").numpy()


def fids_under(extractor, images, disturb, levels):
    reference = extractor(images)[0]
    return [frechet.frechet_distance_from_features(reference, extractor(disturb(images, s))[0]) for s in levels]


@pytest.mark.parametrize("disturb, levels", [(gaussian_noise, [0.05, 0.15, 0.4, 0.8]), (gaussian_blur, [0.5, 1.0, 1.5, 2.5])])
def test_fid_grows_with_disturbance_classifier_features(mnist_test, mnist_classifier, disturb, levels):
    images = mnist_test[0][:2000]
    assert frechet.frechet_distance_from_features(*[mnist_classifier(images)[0]] * 2) < 1e-9
    fids = fids_under(mnist_classifier, images, disturb, levels)
    assert all(b > a for a, b in zip(fids, fids[1:])), fids


@pytest.fixture(scope="module")
def random_inception():
    from zoo.eval.inception import InceptionV3

    return InceptionV3(weights=None)


def test_fid_grows_with_disturbance_inception_random_weights(mnist_test, random_inception):
    """Random weights: the FID pipeline (resize, grey->RGB, pool3) reacts to
    a disturbance monotonically; these are not Inception scores. (Noise only:
    both disturbances are checked with the classifier above; InceptionV3 at
    299x299 costs 20 s per disturbance here.)"""
    images = mnist_test[0][:24]
    fids = fids_under(random_inception, images, gaussian_noise, [0.1, 0.4, 1.0])
    assert all(b > a for a, b in zip(fids, fids[1:])), fids
    assert fids[0] > 0
