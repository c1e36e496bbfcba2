"""DCGAN visibly learns on real MNIST in a few hundred CPU steps (issue #2).

The statistics: the L1 distance between the pixel-value histograms of
generated and real images, and the RMS distance between their mean images.
An untrained generator (tanh around 0) has neither MNIST's black background
nor its white strokes. The same criterion is applied to a run whose generator
is frozen (learning rate 0), and must fail there: the statistic measures the
generator's learning, not the passage of steps.
"""

import os

import keras
import numpy as np
import pytest

import zoo
from zoo import data

pytestmark = pytest.mark.skipif(
    not os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", "/nonexistent"), "mnist")),
    reason="prepared TFDS mnist not found (set TFDS_DATA_DIR)",
)
STEPS = 300


def distances(images, real):
    hist = lambda x: np.histogram(x, bins=10, range=(-1, 1))[0] / x.size  # noqa: E731
    return (
        float(np.abs(hist(images) - hist(real)).sum()),
        float(np.sqrt(((images.mean(0) - real.mean(0)) ** 2).mean())),
    )


@pytest.fixture(scope="module")
def real():
    batches = data.load("mnist", split="test", batch_size=500, shuffle=False, steps_per_epoch=2)
    return np.concatenate([b.numpy() for b in batches])


def train(g_learning_rate):
    keras.utils.set_random_seed(0)
    model = zoo.get("dcgan", g_filters=32, d_filters=32, g_optimizer={"learning_rate": g_learning_rate})
    before = model.generate(500, seed=1)
    model.fit(data.load("mnist", batch_size=64, steps_per_epoch=STEPS, seed=0), epochs=1, verbose=0)
    return before, model.generate(500, seed=1)


def learned(before, after, real):
    (hist_0, mean_0), (hist_1, mean_1) = distances(before, real), distances(after, real)
    return hist_1 < 0.5 * hist_0 and mean_1 < 0.5 * mean_0, (hist_0, mean_0, hist_1, mean_1)


def test_generated_pixel_statistics_move_to_mnist(real):
    ok, figures = learned(*train(2e-4), real)
    assert ok, "histogram L1 %.3f -> %.3f, mean-image RMS %.3f -> %.3f" % (figures[0], figures[2], figures[1], figures[3])


def test_the_criterion_fails_when_the_generator_is_frozen(real):
    ok, figures = learned(*train(0.0), real)
    assert not ok, figures
