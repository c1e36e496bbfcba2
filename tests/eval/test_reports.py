"""Mode and memorization reports on real MNIST, with planted copies."""

import os

import numpy as np
import pytest

from helpers import needs_mnist
from zoo.eval import reports

pytestmark = needs_mnist


# === Mode report ===


def test_mode_report_real_collapsed_and_dropped(mnist_test, mnist_classifier):
    images, labels = mnist_test
    _, logits = mnist_classifier(images)
    real = reports.mode_report(logits, labels, 10)
    assert real["classes_covered"] == 10
    assert real["kl_generated_to_data"] < 0.005
    # Mode collapse: every sample a 3.
    threes = reports.mode_report(logits[labels == 3], labels, 10)
    assert threes["classes_covered"] == 1
    assert threes["kl_generated_to_data"] == pytest.approx(np.log(1 / 0.101), abs=0.1)
    # Mode dropping: no 7s.
    dropped = reports.mode_report(logits[labels != 7], labels, 10)
    assert dropped["classes_covered"] == 9
    assert dropped["histogram"][7] < 0.01 * (labels != 7).sum()


def test_class_grid_png(tmp_path, mnist_test, mnist_classifier):
    from PIL import Image

    images = mnist_test[0][:300]
    path = reports.class_grid(images, mnist_classifier(images)[1], str(tmp_path / "classes.png"), per_class=6)
    assert Image.open(path).size == (6 * 28 * 2, 10 * 28 * 2)


# === Memorization ===


@pytest.fixture(scope="module")
def planted(mnist_test, mnist_train_subset):
    """200 held-out test digits (not copies) + 10 exact training copies +
    10 mirrored training images + 10 copies with faint noise."""
    rng = np.random.default_rng(0)
    train = mnist_train_subset[0][:3000]
    honest = mnist_test[0][:200]
    sources = rng.choice(len(train), 30, replace=False)
    copies = train[sources[:10]]
    mirrored = train[sources[10:20]][:, :, ::-1]
    noisy = np.clip(train[sources[20:]] + rng.normal(0, 0.02, train[sources[20:]].shape), -1, 1)
    generated = np.concatenate([honest, copies, mirrored, noisy]).astype(np.float32)
    order = rng.permutation(len(generated))
    planted_at = np.argsort(order)[200:]  # where the planted ones landed
    return generated[order], train, mnist_test[0][5000:5500], planted_at, sources


@pytest.mark.parametrize("space", ["pixel", "feature"])
def test_memorization_finds_planted_copies_and_flips(planted, mnist_classifier, space):
    generated, train, held_out, planted_at, sources = planted
    features = lambda x: mnist_classifier(x)[0]  # noqa: E731
    report, details = reports.memorization_report(generated, train, held_out, features=features)
    found = set(np.flatnonzero(details[space]["close"]))
    assert set(planted_at.tolist()) <= found, sorted(set(planted_at.tolist()) - found)
    # Honest held-out digits are flagged at about the baseline's own rate (1%).
    assert len(found - set(planted_at.tolist())) <= 6
    # The match is the right training image, and the mirrored ones are
    # recognised as flips.
    np.testing.assert_array_equal(details[space]["index"][planted_at], sources)
    assert details[space]["flipped"][planted_at[10:20]].all()
    assert not details[space]["flipped"][planted_at[:10]].any()
    assert report[space]["fraction_closer_than_percentile"] == pytest.approx(len(found) / len(generated))


def test_memorization_report_of_held_out_digits_matches_the_baseline(mnist_test, mnist_train_subset, tmp_path):
    train = mnist_train_subset[0][:3000]
    report, details = reports.memorization_report(mnist_test[0][:500], train, mnist_test[0][5000:5500])
    # Two samples of held-out digits: about 1% below the other's 1st percentile.
    assert report["pixel"]["fraction_closer_than_percentile"] < 0.04
    assert report["pixel"]["generated_median"] == pytest.approx(report["pixel"]["real_test_median"], rel=0.1)
    path = reports.closest_pairs_grid(mnist_test[0][:500], train, details["pixel"], str(tmp_path / "pairs.png"))
    assert os.path.getsize(path) > 0
