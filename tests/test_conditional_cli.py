"""Conditional models through the CLI and exports: `sample --label / --text`
from .keras files and from SavedModels, and clear errors for bad conditions."""

import numpy as np
import pytest
from PIL import Image

from helpers import build, default_batch, fit_once
from zoo import cli, export, images
from zoo.models.cgan import CGAN
from zoo.models.text2image import Text2Image

CGAN_TINY = dict(num_classes=10, latent_dim=8, condition_dim=4, g_filters=4, d_filters=4)
T2I_TINY = dict(latent_dim=8, embedding_dim=4, condition_dim=4, g_filters=4, d_filters=4)


@pytest.fixture(scope="module")
def cgan(tmp_path_factory):
    root = tmp_path_factory.mktemp("cgan")
    model = build(CGAN, CGAN_TINY)
    fit_once(model, default_batch(model), steps=2)
    model.save(root / "model.keras")
    export.saved_model(model, str(root / "serving"), "cgan")
    return model, root


@pytest.fixture(scope="module")
def text2image(tmp_path_factory):
    root = tmp_path_factory.mktemp("t2i")
    model = build(Text2Image, T2I_TINY)
    fit_once(model, default_batch(model), steps=2)
    model.save(root / "model.keras")
    export.saved_model(model, str(root / "serving"), "t2i")
    return model, root


def sample_grid(args, out):
    assert cli.main(["sample", *args, "-n", "4", "-o", str(out), "--scale", "1"]) == 0
    return np.asarray(Image.open(out))


@pytest.mark.parametrize("where", ["model.keras", "serving/cgan"])
def test_sample_label_gives_that_class(cgan, tmp_path, where):
    model, root = cgan
    grid = sample_grid([str(root / where), "--label", "3"], tmp_path / "g.png")
    expected = model.generate(4, seed=0, labels=3)
    np.testing.assert_array_equal(grid, images.grid(expected)[..., 0])
    assert not np.array_equal(grid, images.grid(model.generate(4, seed=0, labels=5))[..., 0])


@pytest.mark.parametrize("where", ["model.keras", "serving/t2i"])
def test_sample_text_gives_that_caption(text2image, tmp_path, where):
    model, root = text2image
    grid = sample_grid([str(root / where), "--text", "an ankle boot"], tmp_path / "g.png")
    np.testing.assert_array_equal(grid, images.grid(model.generate(4, seed=0, text="an ankle boot"))[..., 0])


@pytest.mark.parametrize("where", ["model.keras", "serving/cgan"])
@pytest.mark.parametrize("args, message", [
    (["--label", "10"], r"\[0, 10\)"),
    (["--label", "-2"], r"\[0, 10\)"),
    (["--text", "a boot"], "text"),
])
def test_bad_label_is_a_clear_cli_error(cgan, tmp_path, capsys, where, args, message):
    _, root = cgan
    assert cli.main(["sample", str(root / where), *args, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gan-zoo: error:") and __import__("re").search(message, err), err


@pytest.mark.parametrize("args, message", [
    (["--text", ""], "at least one word"),
    (["--text", "?!"], "at least one word"),
    (["--text", "zebra quantum"], "at least one word of the vocabulary"),  # only unknown words
    ([], "--text"),
])
def test_bad_text_is_a_clear_cli_error_for_the_export(text2image, tmp_path, capsys, args, message):
    _, root = text2image
    assert cli.main(["sample", str(root / "serving" / "t2i"), *args, "-o", str(tmp_path / "x.png")]) == 2
    assert message in capsys.readouterr().err


def test_sampler_checks_label_dtype(cgan):
    _, root = cgan
    generate = export.sampler(str(root / "serving" / "cgan"))
    with pytest.raises(TypeError, match="integers"):
        generate(2, labels=np.array([1.5, 2.0]))
    assert generate(2, labels=[1, 2]).shape == (2, 28, 28, 1)
