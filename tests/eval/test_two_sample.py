"""zoo.eval.two_sample: chance on two draws of one distribution, near 100%
on two distributions a CNN can tell apart, every image judged once, bad input."""

import numpy as np
import pytest

from zoo.eval import two_sample


def noise_images(n, seed, square=False):
    images = np.random.default_rng(seed).uniform(-1, 1, (n, 16, 16, 3)).astype(np.float32)
    if square:  # a bright 4x4 patch in one corner
        images[:, :4, :4, :] = 1.0
    return images


def test_two_draws_of_one_distribution_are_at_chance():
    result = two_sample.two_sample_accuracy(noise_images(160, 0), noise_images(160, 1), folds=4, epochs=4)
    # 320 judgements: chance is 0.5 with a binomial std error of 0.028.
    assert abs(result["accuracy"] - 0.5) < 0.1, result
    assert result["n"] == 160 and len(result["per_fold"]) == 4


def test_a_visible_difference_is_found_on_held_out_images():
    result = two_sample.two_sample_accuracy(noise_images(160, 0), noise_images(160, 1, square=True), folds=4, epochs=8)
    assert result["accuracy"] > 0.9, result
    assert result["real_judged_real"] > 0.85 and result["fake_judged_real"] < 0.15, result
    # Every image is judged exactly once: the accuracy is the folds' mean (equal folds).
    assert result["accuracy"] == pytest.approx(np.mean(result["per_fold"]))


@pytest.mark.parametrize("real, fake, folds, match", [
    (np.zeros((10, 8, 8, 3)), np.zeros((12, 8, 8, 3)), 2, "equally large"),
    (np.zeros((10, 8, 8, 3)), np.zeros((10, 8, 8, 1)), 2, r"one shape, got \(10, 8, 8, 3\) and \(10, 8, 8, 1\)"),
    (np.zeros((10, 8, 8, 3)), np.zeros((10, 8, 8, 3)), 6, "at least 2 images per set per fold"),
])
def test_bad_input_says_what_was_expected(real, fake, folds, match):
    with pytest.raises(ValueError, match=match):
        two_sample.two_sample_accuracy(real, fake, folds=folds)
