"""StarGAN's digit-styles data writer (``zoo.digit_styles``)."""

import numpy as np
import pytest

from helpers import USPS
from zoo import data, digit_styles


def test_ink_thirds_split_each_class_by_stroke_weight():
    # Class 0 images with 1..6 bright pixels, class 1 with 10..15.
    images = -np.ones((12, 4, 4, 1), "float32")
    labels = np.repeat([0, 1], 6)
    for i in range(12):
        images[i].reshape(-1)[: (i % 6) + 1 + 9 * (i >= 6)] = 1.0
    thin, thick = digit_styles.ink_thirds(images, labels)
    assert sorted(thin) == [0, 1, 6, 7] and sorted(thick) == [4, 5, 10, 11]


def test_digit_styles_refuses_an_existing_folder_and_names_digits(tmp_path):
    with pytest.raises(data.DataError, match="never writes into an existing folder"):
        digit_styles.write(tmp_path, USPS)
    assert digit_styles.digit_of("/x/test/usps/7_00012.png") == 7
    with pytest.raises(data.DataError, match="not a digit-styles file"):
        digit_styles.digit_of("face_001.png")
