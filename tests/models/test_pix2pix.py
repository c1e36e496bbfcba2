"""pix2pix: beyond the shared checks (test_shared_checks.py), the L1 and
adversarial terms, and input checks."""

import numpy as np
import pytest

from helpers import build, check_fit, check_replica_equivalence, default_batch, fit_once
from tiny import TINY as CASES
from zoo import layers
from zoo.models.pix2pix import Pix2Pix

TINY = CASES["pix2pix"].kwargs


@pytest.mark.parametrize("kwargs", [TINY, dict(TINY, adversarial_weight=0.0), dict(TINY, l1_weight=0.0)],
                         ids=["gan_l1", "l1_only", "gan_only"])
def test_fit(kwargs):
    check_fit(Pix2Pix, kwargs)


def test_one_vs_two_replicas_with_batch_norm():
    check_replica_equivalence(Pix2Pix, dict(TINY, norm="batch"))


def test_logged_l1_is_the_mean_absolute_error_of_the_generator():
    model = build(Pix2Pix, dict(TINY, dropout=0.0, adversarial_weight=0.0))
    source, target = default_batch(model)
    before = np.abs(model.generate(image=source) - target).mean()
    logs = fit_once(model, (source, target), steps=1)
    # Logged from the training forward pass, before the update.
    assert np.isclose(logs["g_l1"], before, rtol=1e-4), (logs["g_l1"], before)
    assert np.isclose(logs["g_loss"], 100.0 * before, rtol=1e-4)


def test_l1_training_learns_a_pixelwise_mapping():
    model = build(Pix2Pix, dict(TINY, dropout=0.0, adversarial_weight=0.0), g_optimizer={"learning_rate": 2e-3})
    source, _ = default_batch(model)
    target = np.clip(np.repeat(source, 3, axis=-1) * np.array([1.0, 0.5, -0.5], "float32"), -1, 1)
    before = np.abs(model.generate(image=source) - target).mean()
    fit_once(model, (source, target), steps=40)
    after = np.abs(model.generate(image=source) - target).mean()
    assert after < 0.5 * before, (before, after)


def test_bad_inputs_are_clear_errors():
    model = build(Pix2Pix, TINY)
    with pytest.raises(ValueError, match=r"image must have shape \[n, 16, 16, 1\]"):
        model.generate(image=np.zeros((2, 16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="needs image="):
        model.generate(2)
    with pytest.raises(ValueError, match="share their size"):
        Pix2Pix(source_shape=(16, 16, 1), target_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="power-of-two"):
        Pix2Pix(source_shape=(24, 24, 1), target_shape=(24, 24, 3))
    with pytest.raises(ValueError, match="not both 0"):
        Pix2Pix(**dict(TINY, l1_weight=0, adversarial_weight=0))
    with pytest.raises(ValueError, match="normalization must be one of"):
        layers.normalization("layer")


def test_cli_translate_from_keras_file_and_export(tmp_path, capsys):
    from PIL import Image

    from zoo import cli, export, images

    model = build(Pix2Pix, TINY)
    fit_once(model, default_batch(model), steps=2)
    model.save(tmp_path / "m.keras")
    export.saved_model(model, str(tmp_path / "serving"), "p2p")
    folder = tmp_path / "inputs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (16, 16), dtype=np.uint8)).save(folder / f"{i}.png")
    grids = []
    for where in (tmp_path / "m.keras", tmp_path / "serving" / "p2p"):
        assert cli.main(["translate", str(where), str(folder), "-o", str(tmp_path / "t.png"), "--scale", "1"]) == 0
        grids.append(np.asarray(Image.open(tmp_path / "t.png")))
    assert grids[0].shape == (3 * 16, 2 * 16, 3)
    np.testing.assert_array_equal(grids[0], grids[1])
    inputs = np.stack([np.asarray(Image.open(folder / f"{i}.png"), np.float32)[..., None] / 127.5 - 1 for i in range(3)])
    expected = images.grid(np.stack([np.repeat(inputs, 3, -1), model.generate(image=inputs)], 1).reshape(-1, 16, 16, 3), 2)
    np.testing.assert_array_equal(grids[0], expected)
    assert cli.main(["translate", str(tmp_path / "m.keras"), str(tmp_path / "missing.png")]) == 2
    assert "No image at" in capsys.readouterr().err
