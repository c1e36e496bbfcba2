"""``gan-zoo train``: checkpoint each epoch, resume after SIGKILL to the
same weights as an uninterrupted run (issue #3), outputs, CLI errors."""

import json
import os
import signal
import time

import keras
import numpy as np
import pytest
from PIL import Image

from helpers import assert_weights_close, gan_zoo, weights_of
from zoo import cli, recipes

def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path, tiny_recipe):
    full = gan_zoo("train", tiny_recipe, "--workdir", str(tmp_path / "full"), "--verbose", "0")
    assert full.returncode == 0, full.stderr[-3000:]

    workdir = tmp_path / "killed"
    proc = gan_zoo("train", tiny_recipe, "--workdir", str(workdir), "--verbose", "0", wait=False)
    # The `checkpoint` index file is replaced last, once ckpt-1 is complete.
    first = workdir / "checkpoints" / "checkpoint"
    deadline = time.time() + 300
    while not first.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (workdir / "model.keras").exists(), "the run finished before it was killed"

    resumed = gan_zoo("train", tiny_recipe, "--workdir", str(workdir), "--verbose", "1")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming" in resumed.stdout
    summary = json.loads((workdir / "summary.json").read_text())
    assert 1 <= summary["resumed_from_epoch"] < 6
    a = keras.saving.load_model(tmp_path / "full" / "model.keras")
    b = keras.saving.load_model(workdir / "model.keras")
    assert int(b.g_optimizer.iterations.numpy()) == 6 * 20
    assert_weights_close(weights_of(a), weights_of(b), what="resumed vs uninterrupted")


def test_run_outputs_and_refusal_of_another_recipe(tmp_path, tiny_recipe, capsys):
    from zoo import cpu

    workdir = tmp_path / "run"
    assert cli.main(["train", tiny_recipe, "train.epochs=1", "--workdir", str(workdir), "--verbose", "0"]) == 0
    # The first line names the compute (precision, oneDNN); the last the measured rate and the CPU it holds for.
    lines = capsys.readouterr().out.strip().splitlines()
    onednn = f"oneDNN {'on' if cpu.onednn_enabled() else 'off'}"
    assert onednn in lines[0], lines[0]
    assert lines[-1].startswith("Trained: ") and "images/s" in lines[-1] and cpu.describe() in lines[-1], lines[-1]
    assert json.loads((workdir / "summary.json").read_text())["cpu"] == f"{cpu.describe()}, {onednn}"
    for path in ("samples/epoch_001.png", "model.keras", "summary.json", "recipe.json", "checkpoints/checkpoint"):
        assert (workdir / path).exists(), path
    assert any(f.startswith("events") for _, _, fs in os.walk(workdir / "logs") for f in fs)
    grid = np.asarray(Image.open(workdir / "samples" / "epoch_001.png"))
    assert grid.shape == (8 * 28, 8 * 28)  # 64 samples
    # Same work directory, different recipe: refused, nothing overwritten.
    code = cli.main(["train", tiny_recipe, "kwargs.latent_dim=16", "--workdir", str(workdir), "--verbose", "0"])
    assert code == 2


def test_cli_list_and_bad_recipe_key(capsys, tiny_recipe):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dcgan" in out and "gan " in out
    assert cli.main(["train", tiny_recipe, "kwargs.latent_size=3"]) == 2
    err = capsys.readouterr().err
    assert "latent_size" in err and "latent_dim" in err  # the valid keys are listed


def test_recipes_in_the_repository_are_valid():
    names = sorted(f[:-5] for f in os.listdir(recipes.RECIPE_DIR) if f.endswith(".toml"))
    assert {"gan_mnist", "dcgan_mnist", "dcgan_anime_faces"} <= set(names)
    assert recipes.names() == names
    for name in names:
        recipe = recipes.load(name)
        assert recipe["model"] and recipe["data"]["source"]


def test_recipe_errors(tmp_path):
    with pytest.raises(recipes.RecipeError, match="Available recipes"):
        recipes.load("no_such_recipe")
    with pytest.raises(recipes.RecipeError, match="Valid keys"):
        recipes.load("dcgan_mnist", ["data.bach_size=3"])
    with pytest.raises(recipes.RecipeError, match="section.key=value"):
        recipes.load("dcgan_mnist", ["epochs"])
    assert recipes.load("dcgan_mnist", ["train.epochs=7"])["train"]["epochs"] == 7
    # Optimizer sections are the model's own: glo's second one loads, a GAN's names its two.
    assert recipes.load("glo_mnist", ["code_optimizer.learning_rate=10.0"])["code_optimizer"] == {"learning_rate": 10.0}
    with pytest.raises(recipes.RecipeError, match=r"dcgan has no 'code_optimizer'; its optimizers are \['g_optimizer'"):
        recipes.load("dcgan_mnist", ["code_optimizer.learning_rate=10.0"])


@pytest.fixture(scope="module")
def default_one_epoch_run(tmp_path_factory, tiny_recipe):
    workdir = tmp_path_factory.mktemp("default_run")
    proc = gan_zoo("train", tiny_recipe, "train.epochs=1", "--workdir", str(workdir), "--verbose", "0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return keras.saving.load_model(workdir / "model.keras")


@pytest.mark.parametrize("strategy", [["--strategy", "mirrored", "--devices", "2"], ["--strategy", "one_device"]])
def test_cli_strategies_match_the_default_run(tmp_path, tiny_recipe, default_one_epoch_run, strategy):
    """`gan-zoo train --strategy mirrored --devices 2` (the CPU split into two
    logical devices) and `--strategy one_device` end with the weights of the
    plain run."""
    proc = gan_zoo("train", tiny_recipe, "train.epochs=1", "--workdir", str(tmp_path), "--verbose", "0", *strategy)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["replicas"] == (2 if "mirrored" in strategy else 1)
    other = keras.saving.load_model(tmp_path / "model.keras")
    assert_weights_close(weights_of(default_one_epoch_run), weights_of(other), what=f"{strategy[1]} vs default")
