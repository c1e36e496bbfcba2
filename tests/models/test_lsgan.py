"""LSGAN: the shared checks."""

from helpers import (
    check_checkpoint_resume, check_config_round_trip, check_export_and_tflite, check_fit,
    check_keras_save_load, check_replica_equivalence,
)
from zoo.models.lsgan import LSGAN

TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4)


def test_config_round_trip():
    check_config_round_trip(LSGAN, TINY)


def test_fit():
    check_fit(LSGAN, TINY)


def test_keras_save_load(tmp_path):
    check_keras_save_load(LSGAN, TINY, tmp_path)


def test_checkpoint_resume(tmp_path):
    check_checkpoint_resume(LSGAN, TINY, tmp_path)


def test_one_vs_two_replicas():
    check_replica_equivalence(LSGAN, TINY)


def test_export_and_tflite(tmp_path):
    check_export_and_tflite(LSGAN, TINY, tmp_path)
