"""zoo.files: the one atomic-write helper every writer uses, and model loading
that says what it found."""

import os

import pytest

from zoo import files


def test_atomic_path_replaces_on_success_and_leaves_the_old_file_on_error(tmp_path):
    target = tmp_path / "sub" / "out.json"
    files.write_json(str(target), {"a": 1})
    assert files.read_json(str(target)) == {"a": 1}
    with pytest.raises(RuntimeError):
        with files.atomic_path(str(target)) as tmp:
            assert tmp.endswith(".json") and tmp != str(target)
            open(tmp, "w").write("half")
            raise RuntimeError("disk full")
    assert files.read_json(str(target)) == {"a": 1}  # untouched
    assert os.listdir(target.parent) == ["out.json"]  # no temporary left behind


def test_read_json_of_a_missing_file_is_none(tmp_path):
    assert files.read_json(str(tmp_path / "none.json")) is None


def test_load_model_says_what_it_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model at"):
        files.load_model(str(tmp_path / "missing.keras"))
    with pytest.raises(FileNotFoundError, match="folder without model.keras"):
        files.load_model(str(tmp_path))
    (tmp_path / "x.keras").write_bytes(b"plain text")
    with pytest.raises(ValueError, match=r"not a \.keras model.*b'plain text'"):
        files.load_model(str(tmp_path / "x.keras"))
