"""``gan-zoo evaluate`` and the FID callback, end to end on real MNIST."""

import json
import os

import keras
import numpy as np
import pytest

import zoo
from helpers import REPO, needs_mnist
from zoo import cli, data
from zoo.callbacks import FrechetCallback

pytestmark = needs_mnist
SAVED_DCGAN = os.path.join(REPO, "saved_models", "dcgan_mnist")


def evaluate_cli(tmp_path, model, *extra):
    out = str(tmp_path / "report.json")
    assert cli.main(["evaluate", model, "--dataset", "mnist", "-o", out, *extra]) == 0
    with open(out) as f:
        return json.load(f)


def test_evaluate_trained_dcgan_against_real_baseline(tmp_path):
    report = evaluate_cli(tmp_path, SAVED_DCGAN, "-n", "1000", "--memorization-train", "5000")
    baseline = evaluate_cli(tmp_path / "real", "real", "-n", "1000")
    for key in ("fid", "kid", "kid_std_error", "score", "score_std", "precision", "recall"):
        assert np.isfinite(report["classifier"][key]), key
    protocol = report["protocol"]
    assert protocol["generated"] == 1000 and protocol["reference_split"] == "test"
    assert protocol["extractors"]["classifier"]["reference_images"] == 10_000
    assert protocol["extractors"]["classifier"]["sha256"]
    # The shipped DCGAN is worse than real digits, yet far from noise.
    assert baseline["classifier"]["fid"] < report["classifier"]["fid"]
    assert baseline["modes"]["classes_covered"] == 10
    assert "memorization" not in baseline  # real training images are copies by definition
    assert report["memorization"]["train_images"] == 5000
    assert report["memorization"]["pixel"]["fraction_closer_than_percentile"] < 0.05
    for path in report["files"].values():
        assert os.path.getsize(path) > 0


def test_evaluate_with_untrained_generator_is_far_worse(tmp_path):
    model = zoo.get("dcgan", latent_dim=100, g_filters=64, d_filters=64, seed=0)
    path = str(tmp_path / "untrained.keras")
    model.save(path)
    untrained = evaluate_cli(tmp_path / "u", path, "-n", "500", "--no-memorization")
    trained = evaluate_cli(tmp_path / "t", SAVED_DCGAN, "-n", "500", "--no-memorization")
    assert untrained["classifier"]["fid"] > 3 * trained["classifier"]["fid"]
    # Its near-identical outputs are one class, and cover none of the data.
    # (Precision alone misses this: one point can sit inside a real
    # outlier's large k-NN ball, a known weakness of k-NN precision.)
    assert untrained["modes"]["classes_covered"] <= 2 < trained["modes"]["classes_covered"]
    assert untrained["classifier"]["recall"] < 0.05 < trained["classifier"]["recall"]


def test_evaluate_inception_random_weights_plumbing(tmp_path):
    report = evaluate_cli(
        tmp_path, "real", "-n", "20", "--reference-n", "20", "--extractor", "inception",
        "--inception-weights", "random",
    )
    inception = report["protocol"]["extractors"]["inception"]
    assert inception["weights"].startswith("random") and "RANDOM" in inception["note"]
    assert inception["reference_images"] == 20 and report["protocol"]["kid_subset_size"] == 10
    assert np.isfinite(report["inception"]["kid_std_error"])


def test_evaluate_bad_inputs_are_clear(tmp_path, capsys):
    assert cli.main(["evaluate", "real", "--dataset", "usps", "-o", str(tmp_path / "r.json")]) == 2
    assert "folder dataset" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no domain classifier for 'cifar10'"):
        from zoo.eval import evaluate

        evaluate.make_extractor("classifier", "cifar10")


# === FID callback ===


def test_frechet_callback_logs_and_keeps_the_best_model(tmp_path):
    keras.utils.set_random_seed(0)
    model = zoo.get("dcgan", latent_dim=16, g_filters=8, d_filters=8, seed=0)
    dataset = data.load("mnist", batch_size=32, steps_per_epoch=6, seed=0)
    best = str(tmp_path / "best.keras")
    callback = FrechetCallback("mnist", every=1, n=200, best_path=best)
    history = model.fit(dataset, epochs=4, steps_per_epoch=6, callbacks=[callback], verbose=0)
    fids = history.history["fid"]
    assert len(fids) == 4 and len(history.history["kid"]) == 4
    with open(tmp_path / "best.json") as f:
        recorded = json.load(f)
    assert recorded["epoch"] == int(np.argmin(fids)) + 1
    assert recorded["fid"] == pytest.approx(min(fids), rel=1e-9)
    # The kept file holds that epoch's generator: measuring it again gives its FID.
    assert callback.measure(keras.saving.load_model(best))["fid"] == pytest.approx(min(fids), rel=1e-4)
    # A resumed run continues from the recorded best instead of overwriting it.
    assert FrechetCallback("mnist", best_path=best).best["fid"] == recorded["fid"]
    with pytest.raises(ValueError, match="every must be >= 1"):
        FrechetCallback("mnist", every=0)


def test_recipe_eval_every_keeps_best_model_in_workdir(tmp_path):
    from zoo import recipes, train

    recipe = recipes.load("dcgan_mnist", [
        "kwargs.latent_dim=8", "kwargs.g_filters=4", "kwargs.d_filters=4", "data.batch_size=16",
        "train.epochs=2", "train.steps_per_epoch=3", "train.eval_every=1", "train.eval_samples=100",
    ])
    _, summary = train.train(recipe, str(tmp_path), verbose=0, samples=4)
    with open(tmp_path / "best.json") as f:
        best = json.load(f)
    assert best["epoch"] in (1, 2) and best["samples"] == 100
    assert np.isfinite(summary["final_logs"]["fid"]) and best["fid"] <= summary["final_logs"]["fid"]
    assert keras.saving.load_model(str(tmp_path / "best.keras")).latent_dim == 8
