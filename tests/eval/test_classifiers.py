"""The shipped domain classifiers meet their accuracy bars on the real test
splits, and training one writes a cache that is never overwritten."""

import json
import os

import numpy as np
import pytest

from helpers import USPS, needs_mnist
from zoo import data
from zoo import digit_styles as styles
from zoo.eval import classifiers

SOURCES = {"mnist": "mnist", "fashion_mnist": "fashion_mnist", "usps": USPS}


def accuracy(clf, source):
    images, labels = data.arrays(source, split="test", image_size=classifiers.IMAGE_SIZE, channels=1, with_labels=True)
    return float(np.mean(np.argmax(clf(images)[1], axis=1) == labels))


@pytest.fixture(scope="module")
def digit_styles(tmp_path_factory):
    """The digit-styles test split (the images the shipped classifier was
    measured on: the draw does not depend on which splits are written)."""
    if not os.path.isdir(USPS) or not os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), "mnist")):
        return "/nonexistent"
    return styles.write(tmp_path_factory.mktemp("styles") / "digit_styles", USPS, splits=("test",))


@pytest.mark.parametrize("name", sorted(classifiers.DATASETS))
def test_shipped_classifier_meets_its_bar_on_the_test_split(name, request):
    source = request.getfixturevalue("digit_styles") if name == "digit_styles" else SOURCES[name]
    if not (os.path.isdir(source) or os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), source))):
        pytest.skip(f"{name} data not available")
    clf = classifiers.load(name)
    assert clf.path.startswith(classifiers.WEIGHTS_DIR)
    with open(clf.path[: -len(".keras")] + ".json") as f:
        recorded = json.load(f)
    assert recorded["sha256"] == clf.info["sha256"], "weights file differs from the one measured"
    measured = accuracy(clf, source)
    assert measured >= classifiers.DATASETS[name]["min_accuracy"]
    assert measured == pytest.approx(recorded["test_accuracy"], abs=2e-4)


@needs_mnist
def test_train_caches_with_accuracy_and_never_overwrites(tmp_path):
    output = str(tmp_path / "mnist_small")
    clf = classifiers.train("mnist", limit=2000, epochs=1, output=output, verbose=0)
    assert clf.info["train_images"] == 2000
    assert clf.info["test_accuracy"] == pytest.approx(accuracy(clf, "mnist"), abs=2e-4)
    assert clf.info["test_accuracy"] > 0.5  # learns from 2,000 digits in one epoch
    assert sorted(os.listdir(tmp_path)) == ["mnist_small.json", "mnist_small.keras"]
    with pytest.raises(classifiers.ClassifierError, match="never overwritten"):
        classifiers.train("mnist", limit=2000, epochs=1, output=output, verbose=0)
    # Cached classifiers are found by name when none is shipped.
    assert classifiers.load(output + ".keras").info["sha256"] == clf.info["sha256"]


def test_unknown_dataset_and_missing_folder_are_clear_errors():
    with pytest.raises(classifiers.ClassifierError, match="known: \\['digit_styles', 'fashion_mnist', 'mnist', 'usps'\\]"):
        classifiers.load("cifar10")
    with pytest.raises(classifiers.ClassifierError, match="folder dataset"):
        classifiers.resolve_source("usps")


def test_inception_random_weights_shapes_and_bad_path(tmp_path):
    from zoo.eval.inception import InceptionV3

    with pytest.raises(FileNotFoundError, match="Inception weights file"):
        InceptionV3(weights=str(tmp_path / "missing.h5"))
    net = InceptionV3(weights=None)
    grey = np.zeros((3, 28, 28, 1), np.float32)
    rgb = np.zeros((3, 64, 64, 3), np.float32)
    for images in (grey, rgb):
        features, logits = net(images)
        assert features.shape == (3, 2048) and logits.shape == (3, 1000)
    # Grey is repeated to RGB: a grey image and its RGB copy give the same features.
    digit = np.random.default_rng(0).uniform(-1, 1, (2, 40, 40, 1)).astype(np.float32)
    np.testing.assert_allclose(net(digit)[0], net(np.repeat(digit, 3, -1))[0], rtol=1e-5, atol=1e-6)
    assert "RANDOM" in net.protocol()["note"]
