"""DCGAN: what the shared checks (test_shared_checks.py) do not cover: every supported image shape, d_steps."""

import pytest

from helpers import check_fit
from tiny import TINY as CASES
from zoo.models.dcgan import DCGAN

TINY = CASES["dcgan"].kwargs


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_fit_at_each_image_shape(shape):
    model = check_fit(DCGAN, dict(TINY, image_shape=shape))
    assert model.generate(2).shape == (2, *shape)


def test_two_discriminator_steps():
    check_fit(DCGAN, dict(TINY, d_steps=2))
