"""The original GAN: both generator losses (the shared checks are in test_shared_checks.py)."""

import pytest

from helpers import check_fit
from tiny import TINY as CASES
from zoo.models.gan import GAN

TINY = CASES["gan"].kwargs


@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
def test_fit_with_each_generator_loss(loss):
    check_fit(GAN, dict(TINY, adversarial_loss=loss))
