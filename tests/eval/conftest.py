"""Real data and the shipped MNIST classifier, shared by the evaluation tests."""

import pytest


@pytest.fixture(scope="session")
def mnist_test():
    from zoo import data

    return data.arrays("mnist", split="test", with_labels=True)


@pytest.fixture(scope="session")
def mnist_train_subset():
    from zoo import data

    return data.arrays("mnist", split="train", with_labels=True, limit=5000, seed=1)


@pytest.fixture(scope="session")
def mnist_classifier():
    from zoo.eval import classifiers

    return classifiers.load("mnist")
