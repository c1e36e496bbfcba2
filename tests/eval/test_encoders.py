"""zoo.eval.encoders: the shipped anime-face encoder's features tell real
faces from pixel-shuffled ones, its recorded reconstruction error, bad input."""

import os

import numpy as np
import pytest

from helpers import SHARED
from zoo import data as zoo_data
from zoo.eval import encoders, frechet

FACES = os.path.join(SHARED, "datasets", "anime_faces")


def test_the_shipped_encoder_records_its_held_out_reconstruction_error():
    encoder = encoders.load("anime_faces_encoder")
    info = encoder.info
    assert info["image_size"] == 64 and info["features"] == encoders.FEATURES
    # Held out: faces the autoencoder never trained on, and only a little worse than training ones.
    assert info["test_images"] == 1000 and info["test_mse"] < 1.5 * info["train_mse"], info


@pytest.mark.skipif(not os.path.isdir(FACES), reason="the anime faces (../shared/datasets/anime_faces) are not here")
def test_features_put_real_faces_near_real_faces_and_far_from_shuffled_pixels():
    encoder = encoders.load("anime_faces_encoder")
    faces = zoo_data.arrays(FACES, split="train", image_size=64, channels=3, limit=1000, seed=0)
    a, b = faces[:500], faces[500:]
    rng = np.random.default_rng(0)
    flat = b.reshape(len(b), -1, 3)
    shuffled = np.stack([f[rng.permutation(len(f))] for f in flat]).reshape(b.shape)  # same colours, no face
    fa, fb, fs = (encoder.features(x) for x in (a, b, shuffled))
    assert fa.shape == (500, encoders.FEATURES)
    same = frechet.frechet_distance_from_features(fa, fb)
    assert same < 0.2 * frechet.frechet_distance_from_features(fa, fs), same


def test_wrong_image_shape_is_refused_with_the_expected_one():
    encoder = encoders.load("anime_faces_encoder")
    with pytest.raises(ValueError, match=r"expected images \[n, 64, 64, 3\] in \[-1, 1\], got \(2, 28, 28, 1\)"):
        encoder.features(np.zeros((2, 28, 28, 1)))
    with pytest.raises(FileNotFoundError, match="shipped encoders: \\['anime_faces_encoder'\\]"):
        encoders.load("cats_encoder")
