"""Every benchmark runs for a few steps (``suite.py --smoke``) so none can rot.
The figures of a smoke run mean nothing; the test checks that each section
produced its rows with sane values."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_suite_smoke(tmp_path):
    out = tmp_path / "RESULTS.md"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "suite.py"), "--smoke", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "RESULTS.json").read_text())["results"]
    training = results["training"]
    assert {(r["recipe"], r["impl"]) for r in training} >= {
        ("dcgan_mnist", "zoo"), ("dcgan_mnist", "keras_io"), ("wgan_gp_mnist", "zoo"), ("wgan_gp_mnist", "keras_io")
    }
    assert all(r["images_per_s"] > 0 and r["peak_rss_mb"] > 0 for r in training)
    assert [r["lever"] for r in results["levers"]] == ["none", "xla", "steps_per_execution", "no_cache", "bfloat16"]
    frechet = {r["method"].split()[0]: r for r in results["eval"]}
    assert frechet["zoo.eval.frechet"]["relative_difference_to_scipy"] < 1e-6
    formats = {(r["format"], r["batch"]) for r in results["serving"]}
    assert ("SavedModel", 64) in formats and ("TFLite dynamic", 1) in formats
    assert all(r["max_abs_error"] < 0.1 for r in results["serving"] if "max_abs_error" in r)
    assert results["memory"][0]["peak_rss_mb"] > 100
    assert "### Training throughput" in out.read_text()


def test_mode_collapse_benchmark_smoke(tmp_path):
    out = tmp_path / "mc"
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "mode_collapse.py"), "--seeds", "1", "--steps", "2",
         "--variants", "gan", "wgan_gp", "--out", str(out)],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "mc.json").read_text())["results"]
    assert set(results) == {"ring8/gan", "ring8/wgan_gp", "grid25/gan", "grid25/wgan_gp"}
    assert all(0 <= r[0]["high_quality"] <= 1 and r[0]["modes"] in (8, 25) for r in results.values())
    assert (tmp_path / "mc_ring8.png").stat().st_size > 1000 and (tmp_path / "mc_grid25.png").exists()


def test_evaluate_recipes_smoke(tmp_path):
    """The README's evaluation table script, on one tiny untrained model."""
    import keras

    import zoo

    run_dir = tmp_path / "runs" / "dcgan_mnist"
    run_dir.mkdir(parents=True)
    keras.utils.set_random_seed(0)
    zoo.get("dcgan", latent_dim=8, g_filters=4, d_filters=4).save(str(run_dir / "model.keras"))
    (run_dir / "summary.json").write_text(json.dumps({"epochs": 0, "generator_steps": 0}))
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "evaluate_recipes.py"), "-n", "200",
         "--datasets", "mnist", "--recipes", "dcgan_mnist", "--runs", str(tmp_path / "runs"),
         "--out", str(tmp_path / "out"), "--memorization-train", "1000"],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    table = (tmp_path / "out" / "evaluation.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| real") or line.startswith("| dcgan_mnist")]
    assert len(rows) == 2
    real = json.loads((tmp_path / "out" / "eval" / "real_mnist.json").read_text())
    untrained = json.loads((tmp_path / "out" / "eval" / "dcgan_mnist.json").read_text())
    assert real["classifier"]["fid"] < untrained["classifier"]["fid"]
