"""zoo.eval.conditional on stand-in generators built from real MNIST test
images: one that obeys the label scores near the classifier's accuracy, one
that ignores it near chance (1/10)."""

import numpy as np
import pytest

from helpers import needs_mnist
from zoo.eval import conditional

pytestmark = needs_mnist


class RealImages:
    """Returns real test images of the requested class (obeying) or of random
    classes (ignoring the label)."""

    num_classes = 10

    def __init__(self, images, labels, obey):
        self.by_class = [images[labels == k] for k in range(10)]
        self.pool, self.obey = images, obey

    def generate(self, n, *, seed=0, labels=None):
        rng = np.random.default_rng(seed)
        if not self.obey:
            return self.pool[rng.integers(0, len(self.pool), n)]
        return np.stack([self.by_class[k][rng.integers(0, len(self.by_class[k]))] for k in labels])


def test_obeying_generator_scores_near_classifier_accuracy(mnist_test, mnist_classifier):
    result = conditional.label_accuracy(RealImages(*mnist_test, obey=True), mnist_classifier, n_per_class=50)
    assert result["n"] == 500
    assert result["accuracy"] > 0.97
    assert min(result["per_class"]) > 0.85


def test_generator_ignoring_the_label_scores_near_chance(mnist_test, mnist_classifier):
    result = conditional.label_accuracy(RealImages(*mnist_test, obey=False), mnist_classifier, n_per_class=100)
    assert 0.05 < result["accuracy"] < 0.16


def test_accuracy_checks_lengths(mnist_test, mnist_classifier):
    with pytest.raises(ValueError, match="3 images but 2 targets"):
        conditional.accuracy(mnist_classifier, mnist_test[0][:3], [0, 1])


class CaptionedDigits:
    """A text model stand-in: reads the digit off the caption's last word."""

    WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

    def __init__(self, images, labels, obey):
        self.inner = RealImages(images, labels, obey)

    def generate(self, n, *, seed=0, text=None):
        labels = [self.WORDS.index(t.split()[-1]) for t in text]
        return self.inner.generate(n, seed=seed, labels=labels)


def test_caption_accuracy_per_caption(mnist_test, mnist_classifier):
    captions = [[f"the digit {w}", f"a handwritten {w}"] for w in CaptionedDigits.WORDS]
    good = conditional.caption_accuracy(CaptionedDigits(*mnist_test, True), mnist_classifier, captions, n_per_caption=20)
    assert good["n"] == 400 and good["accuracy"] > 0.95
    assert set(good["per_caption"]) == {c for pair in captions for c in pair}
    bad = conditional.caption_accuracy(CaptionedDigits(*mnist_test, False), mnist_classifier, captions, n_per_caption=20)
    assert bad["accuracy"] < 0.25
