"""What a new user hits (issue 17): bad input gets one sentence that says
what was expected and what was found, in Python, the CLI and the export; a
failed command leaves nothing that blocks the corrected one."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

import zoo
from helpers import build, default_batch, fit_once, gan_zoo
from zoo import cli, data, export
from zoo.models.dcgan import DCGAN
from zoo.models.pix2pix import Pix2Pix

TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4)


def error_of(capsys, argv):
    """Runs the CLI in-process: exit code 2 and the one-line error, no traceback."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gan-zoo: error:") and "Traceback" not in err, err
    return err


# === Training: the work directory ===


@pytest.mark.parametrize("typo, message", [
    ("data.source=/no/such/folder", "does not exist"),
    ("data.batch_size=0", "batch_size must be a whole number >= 1"),
    ("kwargs.latent_dim=0", "latent_dim must be >= 1"),
])
def test_a_failed_command_leaves_nothing_that_blocks_the_corrected_one(tmp_path, tiny_recipe, capsys, typo, message):
    workdir = tmp_path / "run"
    assert message in error_of(capsys, ["train", tiny_recipe, typo, "--workdir", str(workdir), "--verbose", "0"])
    assert not (workdir / "recipe.json").exists()
    assert cli.main(["train", tiny_recipe, "train.epochs=1", "train.steps_per_epoch=2", "--workdir", str(workdir),
                     "--verbose", "0"]) == 0


def test_another_recipe_is_refused_with_how_to_start_over(tmp_path, tiny_recipe, capsys):
    workdir = tmp_path / "run"
    assert cli.main(["train", tiny_recipe, "train.epochs=1", "train.steps_per_epoch=2", "--workdir", str(workdir),
                     "--verbose", "0"]) == 0
    capsys.readouterr()
    err = error_of(capsys, ["train", tiny_recipe, "kwargs.latent_dim=16", "--workdir", str(workdir)])
    assert "different recipe" in err and f"rm -r {workdir}" in err and "kwargs" in err


def test_rerunning_a_finished_run_says_how_to_continue(tmp_path, tiny_recipe, capsys):
    workdir = tmp_path / "run"
    args = ["train", tiny_recipe, "train.steps_per_epoch=2", "--workdir", str(workdir), "--verbose", "0"]
    assert cli.main(args + ["train.epochs=2"]) == 0
    capsys.readouterr()
    assert cli.main(args + ["train.epochs=2"]) == 0  # nothing to do is no error
    out = capsys.readouterr().out
    assert "already trained to epoch 2 (train.epochs=2); raise train.epochs to continue" in out
    err = error_of(capsys, args + ["train.epochs=1"])
    assert "trained to epoch 2, beyond train.epochs=1" in err
    # Stopped after its last checkpoint but before model.keras: the rerun writes it.
    (workdir / "model.keras").unlink()
    assert cli.main(args + ["train.epochs=2"]) == 0
    assert zoo.files.load_model(str(workdir)).g_optimizer.iterations.numpy() == 4


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_one(tmp_path, tiny_recipe, capsys):
    workdir = tmp_path / "run"
    base = ["train", tiny_recipe, "train.steps_per_epoch=2", "--workdir", str(workdir), "--verbose", "0"]
    assert cli.main(base + ["train.epochs=2"]) == 0
    newest = workdir / "checkpoints" / "ckpt-2.data-00000-of-00001"
    newest.write_bytes(newest.read_bytes()[:100])  # truncated, as after a full disk
    capsys.readouterr()
    with pytest.warns(UserWarning, match=r"ckpt-2 cannot be read"):
        assert cli.main(base + ["train.epochs=3"]) == 0
    summary = zoo.files.read_json(str(workdir / "summary.json"))
    assert summary["resumed_from_epoch"] == 1
    assert (workdir / "checkpoints" / "damaged-ckpt-2.data-00000-of-00001").exists()  # kept, not deleted
    assert zoo.train.finished_epochs(str(workdir)) == 3


def test_no_readable_checkpoint_names_them(tmp_path, tiny_recipe, capsys):
    workdir = tmp_path / "run"
    base = ["train", tiny_recipe, "train.steps_per_epoch=2", "--workdir", str(workdir), "--verbose", "0"]
    assert cli.main(base + ["train.epochs=1"]) == 0
    (workdir / "checkpoints" / "ckpt-1.data-00000-of-00001").write_bytes(b"")
    with pytest.warns(UserWarning):
        err = error_of(capsys, base + ["train.epochs=2"])
    assert "No checkpoint" in err and "ckpt-1" in err


def test_ctrl_c_during_training_says_how_to_resume(tmp_path, tiny_recipe):
    workdir = tmp_path / "run"
    proc = gan_zoo("train", tiny_recipe, "train.epochs=200", "--workdir", str(workdir), "--verbose", "0", wait=False)
    index = workdir / "checkpoints" / "checkpoint"
    deadline = time.time() + 300
    while not index.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Rerun the same command to resume from epoch" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_offline_tfds_fails_before_downloading(tmp_path, monkeypatch):
    """No prepared data and no reachable host: a DataError with the hint,
    without TFDS's minutes of download retries (download_and_prepare is never called)."""
    import socket

    import tensorflow_datasets as tfds

    # As on a fresh machine without TFDS_DATA_DIR (TFDS reads that variable once, at import).
    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: False)
    calls = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", lambda self, *a, **k: calls.append(1))
    with pytest.raises(data.DataError, match=r"cannot be reached \(offline\?\).*TFDS_DATA_DIR"):
        data.load("mnist")
    assert calls == []


# === Values that used to be accepted silently ===


@pytest.mark.parametrize("kwargs, message", [
    ({"latent_dim": 0}, "latent_dim must be >= 1"),
    ({"latent_dim": 2.5}, "latent_dim must be a whole number"),
    ({"image_shape": (0, 0, 1)}, "height, width >= 1"),
    ({"image_shape": "28"}, "whole numbers"),
    ({"d_steps": 0}, "d_steps must be >= 1"),
])
def test_bad_constructor_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        zoo.get("dcgan", **dict(TINY, **kwargs))


@pytest.mark.parametrize("size", ["64", 0, 2.5, (28,), True])
def test_bad_image_size_is_not_reinterpreted(tmp_path, size):
    with pytest.raises(data.DataError, match="image_size must be"):
        data.load(str(tmp_path), image_size=size)


@pytest.mark.parametrize("n", [2.5, 0, -1, "3"])
def test_generate_refuses_a_bad_count(n):
    with pytest.raises(ValueError, match="n must be"):
        build(DCGAN, TINY).generate(n)


@pytest.mark.parametrize("override, message", [
    ("train.epochs=abc", "[train] epochs must be a whole number >= 1, got 'abc'"),
    ("train.epochs=0", "[train] epochs must be a whole number >= 1, got 0"),
    ("train.seed=1.5", "[train] seed must be a whole number"),
    ('data.image_size="64"', "[data] image_size must be an int or (height, width)"),
    ("data.image_size=0", "[data] image_size must be"),
    ("data.batch_size=-3", "[data] batch_size must be a whole number >= 1"),
    ("data.channels=2", "[data] channels must be 1 (greyscale) or 3 (RGB)"),
])
def test_recipe_values_are_checked_by_key(tiny_recipe, capsys, override, message):
    assert message in error_of(capsys, ["train", tiny_recipe, override])


# === The CLI: sentences, not tracebacks ===


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli_errors")
    model = build(DCGAN, TINY)
    fit_once(model, default_batch(model))
    model.save(root / "model.keras")
    return root


@pytest.mark.parametrize("flag, value", [("-n", "0"), ("-n", "2.5"), ("--scale", "0")])
def test_sample_counts_must_be_positive_whole_numbers(saved, tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sample", str(saved / "model.keras"), flag, value, "-o", str(tmp_path / "x.png")])
    assert exit_.value.code == 2
    assert f"expected a whole number >= 1, got '{value}'" in capsys.readouterr().err


def test_a_text_file_named_keras_is_not_reported_missing(tmp_path, capsys):
    fake = tmp_path / "fake.keras"
    fake.write_text("not a model")
    err = error_of(capsys, ["sample", str(fake), "-o", str(tmp_path / "x.png")])
    assert "is not a .keras model" in err and "not found" not in err.lower()
    assert "No model at" in error_of(capsys, ["sample", str(tmp_path / "missing.keras")])


def test_export_errors_are_sentences(saved, tmp_path, capsys):
    base = tmp_path / "serving"
    assert cli.main(["export", str(saved / "model.keras"), str(base), "--name", "m", "--version", "3"]) == 0
    capsys.readouterr()
    assert "already exists; exports are never overwritten" in error_of(
        capsys, ["export", str(saved / "model.keras"), str(base), "--name", "m", "--version", "3"])
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert "is not a folder" in error_of(capsys, ["export", str(saved / "model.keras"), str(a_file), "--name", "m"])


def test_translate_names_an_unreadable_image(tmp_path, capsys):
    model = build(Pix2Pix, dict(source_shape=(16, 16, 1), target_shape=(16, 16, 3), filters=4))
    model.save(tmp_path / "p.keras")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    err = error_of(capsys, ["translate", str(tmp_path / "p.keras"), str(text), "-o", str(tmp_path / "o.png")])
    assert f"Cannot read {str(text)!r} as an image" in err


# === The export enforces its declared shapes ===


def test_served_signature_refuses_inputs_of_the_wrong_shape(saved, tmp_path):
    model = zoo.files.load_model(str(saved / "model.keras"))
    fn = tf.saved_model.load(export.saved_model(model, str(tmp_path), "m")).signatures["serving_default"]
    assert fn(latent=tf.zeros([2, 8]))["images"].shape == (2, 28, 28, 1)
    # (A wrong rank is refused by the signature's own binding in Python; sizes are not.)
    for bad in ([2, 5], [3, 100]):
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"latent must have shape \(batch, 8\)"):
            fn(latent=tf.zeros(bad))


def test_exported_translator_refuses_a_16x16_image_for_a_28x28_model(tmp_path):
    model = build(Pix2Pix, dict(source_shape=(32, 32, 1), target_shape=(32, 32, 1), filters=4))
    path = export.saved_model(model, str(tmp_path), "p")
    translate, shape = export.translator(path)
    assert shape == (32, 32, 1)
    with pytest.raises(ValueError, match=r"takes image of shape \(batch, 32, 32, 1\); got \(2, 16, 16, 1\)"):
        translate(np.zeros((2, 16, 16, 1), np.float32))
    fn = tf.saved_model.load(path).signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"image must have shape \(batch, 32, 32, 1\)"):
        fn(image=tf.zeros([2, 16, 16, 1]))


# === Start-up noise ===


def test_no_cuda_notice_on_a_cpu_only_machine():
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    proc = subprocess.run(
        [sys.executable, "-c", "import zoo, tensorflow as tf; print(float(tf.constant(1.0) + 1))"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "2.0", proc.stderr[-2000:]
    assert "cuInit" not in proc.stderr and "cuda_platform" not in proc.stderr, proc.stderr[-2000:]


# === Sequence models ===


@pytest.mark.parametrize("override, message", [
    ("data.tokens=chars", "tokens must be one of"),
    ("data.source=/no/oracle.npz", "no oracle file '/no/oracle.npz'"),
    ("data.length=1", "length must be a whole number >= 2"),
    ("train.eval_every=1", "generates token sequences: score it with benchmarks/sequence_oracle.py"),
])
def test_a_sequence_recipe_with_a_bad_value_fails_in_one_sentence(tmp_path, capsys, override, message):
    recipe = tmp_path / "tiny_lm.toml"
    recipe.write_text('model = "mle_lm"\n[data]\nsource = "random:0"\ntokens = "oracle"\nnum_sequences = 128\n'
                      "batch_size = 64\nlength = 6\n[kwargs]\nembedding_dim = 4\nhidden_dim = 4\n")
    workdir = tmp_path / "run"
    assert message in error_of(capsys, ["train", str(recipe), override, "--workdir", str(workdir), "--verbose", "0"])
    assert not (workdir / "checkpoints").exists()


def test_sampling_a_sequence_model_refuses_image_options_and_a_bad_temperature(tmp_path, capsys):
    model = build("mle_lm", dict(vocab_size=30, length=6, embedding_dim=4, hidden_dim=4))
    path = str(tmp_path / "lm.keras")
    model.save(path)
    assert "a sequence model takes --temperature" in error_of(capsys, ["sample", path, "--label", "3"])
    assert "a sequence model takes --temperature" in error_of(capsys, ["sample", path, "--truncation", "1"])
    with pytest.raises(SystemExit):
        cli.main(["sample", path, "--temperature", "0"])
    assert "expected a number > 0" in capsys.readouterr().err
    dcgan = build(DCGAN, TINY)
    dcgan.save(str(tmp_path / "dcgan.keras"))
    assert "--temperature is for sequence models" in error_of(
        capsys, ["sample", str(tmp_path / "dcgan.keras"), "--temperature", "0.5"])
    with pytest.raises(SystemExit):
        cli.main(["sample", str(tmp_path / "dcgan.keras"), "--truncation", "-1"])
    assert "expected a number > 0" in capsys.readouterr().err


def test_sample_truncation_reaches_the_grid(tmp_path):
    """``gan-zoo sample --truncation`` writes the grid of generate(truncation=)."""
    from PIL import Image

    from zoo import images

    dcgan = build(DCGAN, TINY)
    dcgan.save(str(tmp_path / "dcgan.keras"))
    for args, name in (([], "plain.png"), (["--truncation", "0.3"], "cut.png")):
        assert cli.main(["sample", str(tmp_path / "dcgan.keras"), "-n", "4", "--scale", "1", "-o",
                         str(tmp_path / name), *args]) == 0
    expected = images.save_grid(dcgan.generate(4, seed=0, truncation=0.3), str(tmp_path / "expected.png"), scale=1)
    cut = np.asarray(Image.open(tmp_path / "cut.png"))
    np.testing.assert_array_equal(cut, np.asarray(Image.open(expected)))
    assert (cut != np.asarray(Image.open(tmp_path / "plain.png"))).any()


def test_evaluate_refuses_a_sequence_model_with_where_to_score_it(capsys):
    shipped = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "saved_models", "mle_lm_oracle")
    err = error_of(capsys, ["evaluate", shipped, "--dataset", "mnist", "-n", "10"])
    assert "is a sequence model" in err and "benchmarks/sequence_oracle.py" in err
