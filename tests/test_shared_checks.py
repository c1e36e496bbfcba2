"""The checks every registered model must pass (docs/STYLE.md), run over
the table in ``tiny.py``: config round trip, two ``fit`` steps, ``.keras``
save/load, checkpoint resume, one vs two replicas, and export (SavedModel in
a process without zoo, PredictRequest, TFLite parity). Each model's own test
file keeps only what is specific to its paper."""

import pytest

import zoo
from helpers import (
    check_checkpoint_resume, check_config_round_trip, check_export_and_tflite, check_fit,
    check_keras_save_load, check_replica_equivalence,
)
from tiny import TINY

NAMES = sorted(TINY)


def test_every_registered_model_has_an_entry():
    missing = sorted(set(zoo.names()) - set(TINY))
    assert not missing, f"registered models without tiny kwargs in tests/tiny.py: {missing}"
    unknown = sorted(set(TINY) - set(zoo.names()))
    assert not unknown, f"tests/tiny.py names models that are not registered: {unknown}"


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    check_config_round_trip(zoo.get_class(name), TINY[name].for_check("config"))


@pytest.mark.parametrize("name", NAMES)
def test_fit(name):
    check_fit(zoo.get_class(name), TINY[name].for_check("fit"))


@pytest.mark.parametrize("name", NAMES)
def test_keras_save_load(name, tmp_path):
    check_keras_save_load(zoo.get_class(name), TINY[name].for_check("save"), tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_resume(name, tmp_path):
    check_checkpoint_resume(zoo.get_class(name), TINY[name].for_check("resume"), tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_one_vs_two_replicas(name):
    check_replica_equivalence(zoo.get_class(name), TINY[name].for_check("replicas"))


@pytest.mark.parametrize("name", NAMES)
def test_export_and_tflite(name, tmp_path):
    case = TINY[name]
    reported = check_export_and_tflite(zoo.get_class(name), case.for_check("export"), tmp_path, steps=case.export_steps)
    if case.tflite_reported is not None:
        assert set(reported) == case.tflite_reported
