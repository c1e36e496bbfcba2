"""cGAN: beyond the shared checks, concat and projection D, label conditioning and its errors."""

import numpy as np
import pytest
import tensorflow as tf

from helpers import build, check_fit
from tiny import TINY as CASES
from zoo.models.cgan import CGAN

TINY = CASES["cgan"].kwargs
PROJECTION = dict(TINY, discriminator_type="projection")


@pytest.mark.parametrize("kwargs", [TINY, PROJECTION, dict(TINY, mismatched_negatives=False)],
                         ids=["concat", "projection", "no_mismatch"])
def test_fit(kwargs):
    check_fit(CGAN, kwargs)


def test_wrong_labels_never_match_and_cover_the_other_classes():
    model = build(CGAN, TINY)
    labels = tf.constant(np.arange(4000) % 10, tf.int32)
    wrong = model.wrong_labels(labels, 4000).numpy()
    assert not np.any(wrong == labels.numpy())
    # Each of the 9 other classes about equally often (expected 400 each).
    for k in range(10):
        counts = np.bincount(wrong[labels.numpy() == k], minlength=10)
        assert counts[k] == 0 and counts.sum() == 400
        assert counts[np.arange(10) != k].min() >= 20, counts


def test_generate_obeys_labels_argument():
    model = build(CGAN, TINY)
    latent = model.latents(4, seed=0)
    sevens = model.generate(latent=latent, labels=7)
    assert np.array_equal(sevens, model.generate(latent=latent, labels=[7, 7, 7, 7]))
    assert not np.allclose(sevens, model.generate(latent=latent, labels=[1, 1, 1, 1]))


@pytest.mark.parametrize("labels, error, message", [
    ([10, 0], ValueError, r"class ids in \[0, 10\); got \[10\]"),
    ([-1, 0], ValueError, r"got \[-1\]"),
    ([1.0, 2.0], TypeError, "must be integers"),
    ([1, 2, 3], ValueError, "one int or 2 ints"),
])
def test_bad_labels_are_clear_errors(labels, error, message):
    with pytest.raises(error, match=message):
        build(CGAN, TINY).generate(2, labels=labels)


def test_fit_without_labels_says_what_is_needed():
    model = build(CGAN, TINY)
    with pytest.raises(ValueError, match="with_labels=True"):
        model.fit(tf.data.Dataset.from_tensors(np.zeros((4, 28, 28, 1), "float32")), verbose=0)
