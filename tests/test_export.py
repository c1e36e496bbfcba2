"""zoo.export: TF Serving layout, no overwrite, atomic writes, saved_model_cli,
the CLI's export and sample."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

from helpers import build, default_batch, fit_once
from zoo import cli, export
from zoo.models.dcgan import DCGAN

TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4)


@pytest.fixture(scope="module")
def model():
    m = build(DCGAN, TINY)
    fit_once(m, default_batch(m), steps=2)
    return m


def test_versions_are_never_overwritten(model, tmp_path):
    assert export.saved_model(model, tmp_path, "dcgan").endswith(os.path.join("dcgan", "1"))
    assert export.saved_model(model, tmp_path, "dcgan").endswith(os.path.join("dcgan", "2"))
    assert export.saved_model(model, tmp_path, "dcgan", version=7).endswith("7")
    before = os.path.getmtime(tmp_path / "dcgan" / "1" / "saved_model.pb")
    with pytest.raises(FileExistsError, match=r"never overwritten.*\[1, 2, 7\]"):
        export.saved_model(model, tmp_path, "dcgan", version=1)
    assert os.path.getmtime(tmp_path / "dcgan" / "1" / "saved_model.pb") == before
    assert export.latest_version(str(tmp_path / "dcgan")).endswith("7")
    with pytest.raises(ValueError, match="positive integer"):
        export.saved_model(model, tmp_path, "dcgan", version=0)
    with pytest.raises(ValueError, match="Model name"):
        export.saved_model(model, tmp_path, "bad/name")


def test_a_crash_mid_export_leaves_no_half_model(model, tmp_path, monkeypatch):
    def crash(self, path, **kwargs):
        os.makedirs(path, exist_ok=True)
        open(os.path.join(path, "saved_model.pb"), "w").write("partial")
        raise RuntimeError("disk full")

    # ExportArchive() returns a backend-specific subclass: patch that.
    monkeypatch.setattr(type(keras.export.ExportArchive()), "write_out", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        export.saved_model(model, tmp_path, "dcgan")
    assert os.listdir(tmp_path / "dcgan") == []  # no version, no temp folder


def test_metadata(model, tmp_path):
    path = export.saved_model(model, tmp_path, "dcgan", recipe={"name": "x"}, metrics={"fid": 1.5})
    meta = json.load(open(os.path.join(path, "metadata.json")))
    assert meta["model"] == "dcgan" and meta["config"]["latent_dim"] == 8
    assert meta["generator_steps"] == 2 and meta["metrics"] == {"fid": 1.5}
    assert meta["signature"]["inputs"] == {"latent": {"dtype": "float32", "shape": [None, 8]}}
    assert {"tensorflow", "keras", "zoo"} <= set(meta["versions"])


def test_saved_model_cli_lists_the_named_signature(model, tmp_path):
    path = export.saved_model(model, tmp_path, "dcgan")
    # The interpreter's own bin/ (a venv's, even when it is not activated):
    # tensorflow installs saved_model_cli there. Never skipped.
    cli_path = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    assert os.path.exists(cli_path), f"tensorflow's saved_model_cli is not beside {sys.executable}"
    out = subprocess.run([cli_path, "show", "--dir", path, "--all"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert "signature_def['serving_default']" in text
    assert "inputs['latent'] tensor_info:" in text and "shape: (-1, 8)" in text
    assert "outputs['images'] tensor_info:" in text and "outputs['images_uint8'] tensor_info:" in text
    assert "DT_UINT8" in text


def test_tflite_is_never_overwritten_and_checks_arguments(model, tmp_path):
    path = export.tflite(model, str(tmp_path / "g.tflite"))
    with pytest.raises(FileExistsError):
        export.tflite(model, path)
    with pytest.raises(ValueError, match="quantize"):
        export.tflite(model, str(tmp_path / "h.tflite"), quantize="int4")
    with pytest.raises(ValueError, match="inputs"):
        export.tflite_runner(path)(noise=np.zeros((1, 8), np.float32))


def test_tflite_files_writes_each_quantization_or_none(model, tmp_path):
    """Several quantizations from one intermediate SavedModel: each file is its
    own conversion (float16 weights take about half float32's bytes), and a path
    that exists, or an unknown quantization, stops the call before any file is written."""
    taken = tmp_path / "taken.tflite"
    taken.write_bytes(b"keep")
    with pytest.raises(FileExistsError):
        export.tflite_files(model, {None: str(tmp_path / "a.tflite"), "float16": str(taken)})
    with pytest.raises(ValueError, match="quantize"):
        export.tflite_files(model, {None: str(tmp_path / "a.tflite"), "int4": str(tmp_path / "b.tflite")})
    with pytest.raises(ValueError, match="its own file"):
        export.tflite_files(model, {None: str(tmp_path / "a.tflite"), "float16": str(tmp_path / "a.tflite")})
    assert sorted(os.listdir(tmp_path)) == ["taken.tflite"] and taken.read_bytes() == b"keep"
    paths = export.tflite_files(model, {None: str(tmp_path / "f32.tflite"), "float16": str(tmp_path / "f16.tflite")})
    sizes = {q: os.path.getsize(p) for q, p in paths.items()}
    assert 0.4 < sizes["float16"] / sizes[None] < 0.75, sizes
    latent = np.random.default_rng(0).normal(size=(2, 8)).astype(np.float32)
    got = {q: export.tflite_runner(p)(latent=latent)["images"] for q, p in paths.items()}
    np.testing.assert_allclose(got["float16"], got[None], atol=2e-2)


def test_cli_export_then_sample_from_the_export(model, tmp_path, capsys):
    model.save(tmp_path / "model.keras")
    code = cli.main(["export", str(tmp_path / "model.keras"), str(tmp_path / "serving"), "--name", "tiny",
                     "--tflite", "float32", "float16"])
    assert code == 0
    version = tmp_path / "serving" / "tiny" / "1"
    assert (version / "saved_model.pb").exists() and (version / "model_float16.tflite").exists()
    assert cli.main(["sample", str(tmp_path / "serving" / "tiny"), "-n", "9", "-o", str(tmp_path / "g.png"), "--scale", "1"]) == 0
    grid = np.asarray(Image.open(tmp_path / "g.png"))
    assert grid.shape == (3 * 28, 3 * 28)
    # The export samples what the Keras model generates for the same latents.
    expected = model.generate(9, seed=0)
    from zoo import images

    np.testing.assert_array_equal(grid, images.grid(expected)[..., 0])
    assert cli.main(["sample", str(tmp_path / "nothing"), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "No model at" in err and "exported SavedModel folder" in err
    (tmp_path / "empty").mkdir()  # a folder that is neither a work directory nor an export
    assert cli.main(["sample", str(tmp_path / "empty"), "-o", str(tmp_path / "x.png")]) == 2
    assert "No SavedModel" in capsys.readouterr().err
