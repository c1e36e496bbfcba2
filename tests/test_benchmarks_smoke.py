"""Every benchmark runs for a few steps (``suite.py --smoke``) so none can rot.
The figures of a smoke run mean nothing; the test checks that each section
produced its rows with sane values."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from helpers import needs_mnist

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
        ("dcgan_mnist", "zoo"), ("dcgan_mnist", "keras_io"), ("wgan_gp_mnist", "keras_io"),
        ("cyclegan_mnist_usps", "zoo"), ("cyclegan_mnist_usps", "keras_io"),
    }
    assert all(r["images_per_s"] > 0 and r["peak_rss_mb"] > 0 for r in training)
    assert [r["lever"] for r in results["levers"]] == [
        "none", "onednn_off", "inter_op_1", "reuse_fakes", "xla", "steps_per_execution", "no_cache", "float32",
        "bfloat16",
    ]
    precisions = {r["lever"]: r["precision"] for r in results["levers"]}
    assert (precisions["float32"], precisions["bfloat16"]) == ("float32", "mixed_bfloat16")
    # keras.io as its users run it (TensorFlow's oneDNN default) is a row of its own.
    assert ("dcgan_mnist", "keras_io", "onednn_off") in {(r["recipe"], r["impl"], r["lever"]) for r in training}
    assert {r["precision"] for r in training if r["impl"] == "keras_io" and r["lever"] == "bfloat16"} <= {"mixed_bfloat16"}
    # Every row names the CPU and whether oneDNN really ran (a figure holds for one CPU).
    assert all(r["cpu"] and (r["onednn"] in (True, False) or r["impl"] == "torch") for r in training)
    # The profile puts the convolutions' time in their classes (names the classifier no longer
    # recognises would all land in "other").
    for row in (r for r in results["profile"] if r["impl"] == "zoo"):
        classes = row["classes_ms_per_step"]
        assert classes["transposed conv"] > 0 and classes["conv"] > 0 and classes["other"] < classes["conv"], classes
    assert {r["onednn"] for r in results["profile"] if r["impl"] == "zoo"} == {True, False}
    frechet = {r["method"].split()[0]: r for r in results["eval"] if r["benchmark"] == "frechet"}
    assert frechet["zoo.eval.frechet"]["relative_difference_to_scipy"] < 1e-6
    assert any(r["benchmark"] == "features" and r["images_per_s"] > 0 for r in results["eval"])
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
    assert {k: r[0]["modes"] for k, r in results.items()} == {
        "ring8/gan": 8, "ring8/wgan_gp": 8, "grid25/gan": 25, "grid25/wgan_gp": 25}
    # Two steps from a random start cannot reach the ring (radius 2, std 0.02):
    # a benchmark scoring the real mixture, or counting modes wrongly, would.
    for key in ("ring8/gan", "ring8/wgan_gp"):
        assert results[key][0]["modes_covered"] == 0 and results[key][0]["high_quality"] < 0.05, results[key]
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


def test_conditional_benchmark_smoke(tmp_path):
    """The README's conditional table script on tiny untrained cgan and
    text2image models: an untrained generator is near chance."""
    import keras
    from PIL import Image

    import zoo

    keras.utils.set_random_seed(0)
    runs = []
    for name, model, data in (
        ("cgan_mnist", zoo.get("cgan", latent_dim=8, condition_dim=4, g_filters=4, d_filters=4),
         {"source": "mnist", "with_labels": True}),
        ("text2image_fashion_mnist", zoo.get("text2image", latent_dim=8, embedding_dim=4, condition_dim=4,
                                             g_filters=4, d_filters=4),
         {"source": "fashion_mnist", "captions": "fashion_mnist"}),
    ):
        run_dir = tmp_path / "runs" / name
        run_dir.mkdir(parents=True)
        model.save(str(run_dir / "model.keras"))
        (run_dir / "recipe.json").write_text(json.dumps({"model": model.registry_name, "data": data}))
        (run_dir / "summary.json").write_text(json.dumps({"generator_steps": 0}))
        runs.append(str(run_dir))
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "conditional.py"), *runs, "--per-class", "20",
         "--per-caption", "5", "--docs", str(tmp_path / "docs"), "--output", str(tmp_path / "c.json")],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    cgan, t2i = json.loads((tmp_path / "c.json").read_text())
    assert cgan["labels"]["n"] == 200 and cgan["labels"]["accuracy"] < 0.5
    assert t2i["train_phrasings"]["n"] == 5 * 40 and t2i["heldout_phrasings"]["n"] == 5 * 20
    assert len(t2i["grid_rows"]) == 10
    grid = np.asarray(Image.open(tmp_path / "docs" / "cgan_mnist_grid.png"))
    assert grid.shape[:2] == (10 * 28 * 2, 10 * 28 * 2)
    assert (tmp_path / "c.md").read_text().count("| `") == 3


def block_images(folder, n=40):
    """``n`` 64x64 RGB PNGs of random 8x8 colour blocks in ``folder``: a tiny image folder."""
    from PIL import Image

    rng = np.random.default_rng(0)
    folder.mkdir()
    for i in range(n):
        blocks = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
        Image.fromarray(blocks).resize((64, 64), Image.NEAREST).save(folder / f"{i:03d}.png")
    return folder


def test_pix2pix_ablation_smoke(tmp_path):
    """The README's pix2pix table script on a tiny folder and tiny networks;
    and its sharpness measure ranks a blurred image below the original."""
    import importlib.util

    from PIL import Image

    folder = block_images(tmp_path / "faces")
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "pix2pix_ablation.py"), "--source", str(folder),
         "--test", "8", "--train-limit", "32", "--steps-per-epoch", "2", "--filters", "4",
         "--workroot", str(tmp_path / "work"), "--docs", str(tmp_path / "docs"), "--output", str(tmp_path / "p.json")],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "p.json").read_text())
    assert set(report["results"]) == {"l1", "gan", "gan_l1"} and report["test_images"] == 8
    assert all(r["generator_steps"] == 2 and r["l1"] > 0 and r["sharpness"] > 0 for r in report["results"].values())
    grid = np.asarray(Image.open(tmp_path / "docs" / "pix2pix_edges_ablation.png"))
    assert grid.shape == (8 * 64 * 2, 5 * 64 * 2, 3)

    spec = importlib.util.spec_from_file_location("pix2pix_ablation", os.path.join(ROOT, "benchmarks", "pix2pix_ablation.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sharp = np.asarray(Image.open(folder / "000.png"), np.float32)[None] / 127.5 - 1
    import tensorflow as tf

    blurred = tf.nn.avg_pool2d(sharp, 5, 1, "SAME").numpy()
    assert module.high_frequency_energy(blurred)[0] < 0.5 * module.high_frequency_energy(sharp)[0]


def test_anime_faces_smoke(tmp_path):
    """The README's anime-face script on a tiny folder and tiny networks:
    each milestone is measured on its own checkpoint (2 and 4 updates, not
    the final model twice), the progression strip has two grid rows per
    milestone, the report holds the two-sample test and memorization."""
    from PIL import Image

    folder = block_images(tmp_path / "faces")
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "anime_faces.py"), "--source", str(folder),
         "--test", "10", "--samples", "10", "--milestones", "1", "2",
         "--override", "kwargs.g_filters=4", "kwargs.d_filters=4", "train.steps_per_epoch=2", "data.batch_size=8",
         "--workroot", str(tmp_path / "work"), "--docs", str(tmp_path / "docs"), "--output", str(tmp_path / "a.json")],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "a.json").read_text())["sngan_anime_faces"]
    assert report["train_images"] == 30 and report["test_images"] == 10
    assert [m["generator_steps"] for m in report["milestones"]] == [2, 4]
    assert all(m["two_sample"]["n"] == 10 for m in report["milestones"])
    assert set(report["memorization"]["pixel"]) >= {"generated_median", "real_test_median"}
    assert report["real_training_faces"]["two_sample"]["n"] == 10
    strip = np.asarray(Image.open(tmp_path / "docs" / "sngan_anime_faces_progression.png"))
    assert strip.shape == (2 * 2 * 64, 72 + 8 * 64, 3)


def test_cyclegan_digits_smoke(tmp_path):
    """The README's CycleGAN table script on a tiny untrained model and 30
    real test digits of each domain."""
    from helpers import USPS, build

    from zoo.models.cyclegan import CycleGAN

    if not os.path.isdir(USPS):
        import pytest

        pytest.skip("the USPS folder (../shared/datasets/usps) is not here")
    model = build(CycleGAN, dict(shape_a=(28, 28, 1), shape_b=(28, 28, 1), filters=4, n_blocks=1, d_filters=4, d_layers=1))
    model.save(tmp_path / "cg.keras")
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "cyclegan_digits.py"), "--model", str(tmp_path / "cg.keras"),
         "--usps", USPS, "--limit", "30", "--docs", str(tmp_path / "docs"), "--output", str(tmp_path / "c.json")],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "c.json").read_text())
    assert report["test_images"] == {"mnist": 30, "usps": 30}
    for name in ("mnist_to_usps", "usps_to_mnist"):
        r = report["results"][name]
        # The untranslated baseline is the classifiers' own business: well above chance;
        # the shuffled-label control is near chance, and real digits of the source
        # domain are not read as the target style.
        assert r["n"] == 30 and r["untranslated_accuracy"] > 0.5
        assert r["shuffled_label_accuracy"] < 0.4 and r["untranslated_target_style"] < 0.2, r
        assert r["cycle_l1"] > 0 and r["classifier"]["sha256"]
    from PIL import Image

    grid = np.asarray(Image.open(tmp_path / "docs" / "cyclegan_mnist_usps.png"))
    assert grid.shape == (10 * 28 * 2, 6 * 28 * 2)


def test_stargan_digits_smoke(tmp_path):
    """The README's StarGAN table script on a tiny untrained model and a
    small folder in the digit-styles layout (real USPS digits in each domain)."""
    import shutil

    from helpers import USPS, build

    from zoo.models.stargan import StarGAN

    if not os.path.isdir(USPS):
        import pytest

        pytest.skip("the USPS folder (../shared/datasets/usps) is not here")
    from zoo import digit_styles

    names = list(digit_styles.DOMAINS)  # the sub-folders of zoo.digit_styles.write, sorted
    assert names == sorted(names)
    for i, domain in enumerate(names):
        folder = tmp_path / "styles" / "test" / domain
        folder.mkdir(parents=True)
        for digit in range(10):
            sources = sorted(os.listdir(os.path.join(USPS, "test", str(digit))))
            for k in range(2):
                shutil.copy(os.path.join(USPS, "test", str(digit), sources[3 * k + i]), folder / f"{digit}_{k}.png")
    model = build(StarGAN, dict(image_shape=(28, 28, 1), num_domains=3, domain_names=names, filters=4, n_blocks=1,
                                d_filters=4))
    model.save(tmp_path / "sg.keras")
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "stargan_digits.py"), "--model", str(tmp_path / "sg.keras"),
         "--data", str(tmp_path / "styles"), "--docs", str(tmp_path / "docs"), "--output", str(tmp_path / "s.json")],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "s.json").read_text())
    assert set(report["pairs"]) == {f"{s}->{t}" for s in names for t in names if s != t}
    for pair in report["pairs"].values():
        assert pair["n"] == 20 and pair["round_trip_l1"] > 0
    # Real USPS digits, untranslated, read by the USPS digit classifier.
    assert report["pairs"]["mnist_thick->usps"]["untranslated_content_accuracy"] > 0.8
    # Every domain folder here holds USPS digits: untranslated, the style
    # classifier reads them as USPS, not as either MNIST style. A benchmark
    # scoring against the source domain, or not classifying at all, fails this.
    assert report["pairs"]["mnist_thick->usps"]["untranslated_domain_accuracy"] > 0.8
    for pair in ("usps->mnist_thin", "usps->mnist_thick", "mnist_thin->mnist_thick"):
        assert report["pairs"][pair]["untranslated_domain_accuracy"] < 0.2, (pair, report["pairs"][pair])
    from PIL import Image

    grid = np.asarray(Image.open(tmp_path / "docs" / "stargan_digit_styles.png"))
    assert grid.shape == (10 * 28 * 2, 3 * 4 * 28 * 2)


def test_likelihood_models_smoke(tmp_path):
    """The README's VAE / flow / GLO comparison script on tiny untrained
    models: each row scored, the likelihoods where defined (and none for
    GLO), a stored GAN report joined in, curves and grids written."""
    import shutil

    import keras

    import zoo

    runs = tmp_path / "runs"
    keras.utils.set_random_seed(0)
    tiny = {"vae_mnist": zoo.get("vae", latent_dim=4, filters=4, hidden=8),
            "realnvp_mnist": zoo.get("realnvp", couplings=1, final_couplings=1, filters=4, hidden_layers=1),
            "glo_mnist": zoo.get("glo", num_codes=60_000, code_dim=4, g_filters=4)}
    for name, model in tiny.items():
        (runs / name).mkdir(parents=True)
        model.save(str(runs / name / "model.keras"))
        (runs / name / "summary.json").write_text(json.dumps({
            "epochs": 1, "generator_steps": 3, "wall_seconds_this_run": 60.0, "images_per_s_median": 100.0,
            "final_logs": {}, "history": {"loss": [3.0, 2.0], "bits_per_dim": [9.0, 8.0]}}))
    (tmp_path / "out" / "eval").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "benchmarks", "results", "eval", "dcgan_mnist.json"), tmp_path / "out" / "eval")
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "likelihood_models.py"), "-n", "200", "--k", "3",
         "--tight-k", "6", "--tight-n", "20", "--test-n", "300", "--runs", str(runs), "--out", str(tmp_path / "out"),
         "--docs", str(tmp_path / "docs"), "--memorization-train", "500",
         "--recipes", "vae_mnist", "realnvp_mnist", "glo_mnist"],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "out" / "likelihood_models.json").read_text())["rows"]
    assert results["vae_mnist"]["likelihood"]["unit"] == "nats"
    assert results["vae_mnist"]["likelihood"]["headline"] > 400  # an untrained decoder: ~544 nats
    assert results["realnvp_mnist"]["likelihood"]["unit"] == "bits/dim"
    assert results["glo_mnist"]["likelihood"] is None
    assert np.isfinite(results["glo_mnist"]["generator_on_codes"]["fid"])
    assert "vae_mnist" in results and "generator_on_codes" not in results["vae_mnist"]
    table = (tmp_path / "out" / "likelihood_models.md").read_text()
    assert "| dcgan (dcgan_mnist) |" in table and "| glo (glo_mnist) |" in table
    assert "glo (glo_mnist)'s generator on 200 of its own training codes (G(z_i), not samples): cFID" in table
    assert (tmp_path / "docs" / "likelihood_curves.png").stat().st_size > 1000
    assert (tmp_path / "docs" / "glo_mnist_samples.png").exists()


def test_sequence_oracle_smoke(tmp_path):
    """The README's oracle table script on a tiny recipe (a seeded oracle,
    128 training sequences, one epoch, two seeds): every seed and
    temperature scored, the untrained row's NLL-test at the uniform
    distribution's log(5000) nats (an LSTM at its initial weights),
    ``--curve``'s score of the last checkpoint equal to the final model's,
    and ``--set``'s override in the runs (batch 32 of the recipe's 64:
    4 steps, not 2) and in the row."""
    recipe = tmp_path / "tiny_oracle.toml"
    recipe.write_text(
        'model = "mle_lm"\n[data]\nsource = "random:0"\ntokens = "oracle"\nnum_sequences = 128\nbatch_size = 64\n'
        "[kwargs]\nembedding_dim = 4\nhidden_dim = 4\n[train]\nepochs = 1\n"
    )
    out = tmp_path / "sequence_oracle.json"
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "sequence_oracle.py"), "--recipes", str(recipe),
         "--seeds", "0", "1", "-n", "64", "--temperatures", "0.5", "1.0", "--runs", str(tmp_path / "runs"),
         "--out", str(out), "--verbose", "0", "--curve", "--set", "data.batch_size=32"],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert set(rows["tiny_oracle"]["seeds"]) == {"0", "1"}
    assert set(rows["tiny_oracle"]["seeds"]["0"]) >= {"0.5", "1.0", "steps"}
    assert rows["tiny_oracle"]["seeds"]["0"]["steps"] == 4
    assert rows["tiny_oracle"]["overrides"] == ["data.batch_size=32"]
    # --curve: the last kept checkpoint is the final model, scored on the same noise.
    for seed in ("0", "1"):
        row = rows["tiny_oracle"]["seeds"][seed]
        assert row["checkpoint_nll_oracle"] == {"1": row["1.0"]["nll_oracle"]}
        assert row["discriminator"] is None  # mle_lm has no D
    untrained = rows["tiny_oracle untrained"]["seeds"]["0"]["1.0"]
    assert abs(untrained["nll_test"] - np.log(5000)) < 0.01
    assert "| tiny_oracle (ours, 2 seeds) |" in run.stdout


def test_sequence_oracle_discriminator_report_splits_what_d_rewards():
    """The oracle table's D row: a D that knows only the training set
    (P(real) 1 on its rows, 0 elsewhere) reads 1 on the training rows, 0 on
    held-out rows and on samples, and separates held-out from samples at
    chance (0.5); a model without a D has no row."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import sequence_oracle

    rng = np.random.default_rng(0)
    train, test = rng.integers(1, 50, (30, 5)), rng.integers(50, 99, (30, 5))
    known = {tuple(r) for r in train}

    class TrainingSetD:
        def generate(self, n, seed, temperature):
            return np.random.default_rng(seed).integers(100, 150, (n, 5))

        def real_probability(self, rows):
            return np.array([float(tuple(r) in known) for r in np.asarray(rows)])

    report = sequence_oracle.discriminator_report(TrainingSetD(), train, test, 20, seed=3)
    assert report == {"p_real_train": 1.0, "p_real_test": 0.0, "p_real_samples": 0.0,
                      "accuracy_test_vs_samples": 0.5, "n": 20}
    assert sequence_oracle.discriminator_report(object(), train, test, 20, seed=3) is None


def test_speed_rows_train_the_networks_and_batch_the_references_implement():
    """The shipped ``dcgan_mnist`` recipe has gone past DCGAN (a dense layer
    in D, lazy R1, batch 64); the speed rows (``throughput.speed_recipe``)
    must still time what keras.io's and PyTorch's DCGANs do: networks of the
    same size, no R1, the batch of the published rows."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import throughput
    from reference import keras_io_gan

    from zoo import distribute, recipes, train

    shipped = recipes.load("dcgan_mnist")
    timed = throughput.speed_recipe("dcgan_mnist")
    assert shipped["kwargs"]["d_hidden_units"] and shipped["kwargs"]["r1_weight"]  # else this test guards nothing
    model = train.build_model(timed, distribute.make_strategy("default", None))
    reference = keras_io_gan.build("dcgan", timed["kwargs"].get("g_filters", 64))
    assert model.generator.count_params() == reference.generator.count_params()
    assert model.discriminator.count_params() == reference.discriminator.count_params()
    assert model.r1_weight == 0.0
    batch, _ = throughput.reference_settings("dcgan_mnist")
    assert batch == timed["data"]["batch_size"] == 128


def test_ema_batch_norm_recalibration_is_the_mean_of_the_batches_statistics():
    """``ema_batch_norm.recalibrate``: after two batches of latents, the first
    batch norm of a DCGAN generator holds the mean of the two batches' means
    and (biased) variances of its input, and the network given is untouched
    (a copy is recalibrated); the stored / batch samplers differ only in the
    statistics they use."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import ema_batch_norm
    import keras

    import zoo
    from tiny import DCGAN_LIKE

    network = zoo.get("dcgan", **DCGAN_LIKE).generator
    before = [w.numpy().copy() for w in network.weights]
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((16, 8)).astype("float32") * scale for scale in (1.0, 3.0)]
    copy = ema_batch_norm.recalibrate(network, iter(batches))
    first = ema_batch_norm.batch_norm_layers(copy)[0]
    inputs = keras.Model(copy.inputs, first.input)
    acts = [inputs(z).numpy().reshape(-1, first.moving_mean.shape[0]) for z in batches]
    np.testing.assert_allclose(first.moving_mean.numpy(), np.mean([a.mean(0) for a in acts], 0), atol=1e-5)
    np.testing.assert_allclose(first.moving_variance.numpy(), np.mean([a.var(0) for a in acts], 0), rtol=1e-4)
    assert first.momentum == ema_batch_norm.batch_norm_layers(network)[0].momentum  # restored
    for w, b in zip(network.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)
    # The samplers draw the model's own latents: the stored statistics give
    # what generate gives, the batch statistics something else.
    model = zoo.get("dcgan", **DCGAN_LIKE)
    stored = ema_batch_norm.sampler(model, model.generator, "stored")(4, seed=1)
    batch = ema_batch_norm.sampler(model, model.generator, "batch")(4, seed=1)
    np.testing.assert_allclose(stored, model.generate(4, seed=1), atol=1e-6)
    assert np.abs(stored - batch).max() > 1e-3


@needs_mnist
def test_truncation_benchmark_scores_the_truncated_latents_of_generate(tmp_path):
    """``benchmarks/truncation.py``: its sampler gives the model's network on
    ``model.latents(n, seed)`` truncated like ``zoo.conditions.truncate``
    (the average with ``ema_decay``), and ``main`` writes one row per
    threshold, in order, the truncated row scored on other samples."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import sampling
    import truncation

    import zoo
    from tiny import DCGAN_LIKE
    from zoo import conditions, files

    model = zoo.get("dcgan", **DCGAN_LIKE, ema_decay=0.5)
    model.fit(np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32"), batch_size=8,
              epochs=1, verbose=0)  # the average now differs from the trained G
    z = model.latents(6, 2)
    expected = model.generator_ema(conditions.truncate(z, 0.5, 2), training=False)
    np.testing.assert_allclose(sampling.truncated_sampler(model, 0.5)(6, 2), expected, atol=1e-6)
    assert np.abs(model.generator(conditions.truncate(z, 0.5, 2), training=False) - expected).max() > 1e-4
    np.testing.assert_allclose(sampling.network_sampler(model, model.generator_ema)(6, 2),
                               sampling.truncated_sampler(model, None)(6, 2), atol=1e-6)

    (tmp_path / "run").mkdir()
    model.save(str(tmp_path / "run" / "model.keras"))
    files.write_json(str(tmp_path / "run" / "recipe.json"), {"model": "dcgan", "data": {"source": "mnist"}})
    out = tmp_path / "truncation.json"
    truncation.main([str(tmp_path / "run" / "model.keras"), "--thresholds", "none", "0.5", "-n", "100",
                     "--out", str(out)])
    result = json.loads(out.read_text())
    assert [r["truncation"] for r in result["rows"]] == [None, 0.5]
    assert result["rows"][0]["cfid"] != result["rows"][1]["cfid"]
    assert "100 samples" in result["protocol"] and result["machine"]


def test_sequence_text_smoke(tmp_path):
    """The README's real-text script on an untrained model of a 500-word BBE
    vocabulary: every verse scored near the uniform distribution over the
    498 ids it may draw (its logits start near zero), samples written, BLEU
    of its samples far below the real verses'."""
    import zoo
    from zoo import recipes

    bbe = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "bible_style", "ylt_bbe", "{split}.bbe.txt")
    recipe = tmp_path / "tiny_bbe.toml"
    recipe.write_text(f'model = "mle_lm"\n[data]\nsource = "{bbe}"\ntokens = "words"\nvocabulary_size = 500\n'
                      "length = 12\n[kwargs]\nembedding_dim = 4\nhidden_dim = 4\n")
    model = zoo.get("mle_lm", **recipes.model_kwargs(recipes.load(str(recipe))))
    (tmp_path / "runs" / "tiny_bbe").mkdir(parents=True)
    model.save(str(tmp_path / "runs" / "tiny_bbe" / "model.keras"))
    (tmp_path / "runs" / "tiny_bbe" / "summary.json").write_text(json.dumps(
        {"generator_steps": 0, "wall_seconds_this_run": 0.0, "final_logs": {}}))
    out = tmp_path / "sequence_text.json"
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "sequence_text.py"), "--recipes", str(recipe),
         "--runs", str(tmp_path / "runs"), "--samples", "3", "--bleu-samples", "30", "--out", str(out)],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    row = json.loads(out.read_text())["rows"]["tiny_bbe"]
    assert row["test"]["verses"] == 1835 and row["dev"]["verses"] == 1642
    assert abs(row["test"]["nll"]["1.0"] - np.log(498)) < 0.01
    assert len(row["samples"]["0.7"]) == 3
    # BLEU: real verses share far more n-grams with the test verses than
    # uniform draws over 498 words do, and repeat each other more.
    real = json.loads(out.read_text())["real_dev_verses"]["12"]
    assert real["verses"] == 30
    untrained = row["bleu"]["1.0"]
    assert real["bleu"]["bleu2"] > 0.5 > untrained["bleu"]["bleu2"] * 2
    assert real["self_bleu"]["bleu2"] > 2 * untrained["self_bleu"]["bleu2"]
    assert "| real dev verses (30, first 12 tokens) |" in run.stdout


def test_training_options_smoke(tmp_path):
    """The options ablation on a tiny DCGAN (2 steps): each variant trained
    with its overrides into its own work directory, scored, keyed
    <recipe>/<variant>; an EMA run reports its live G beside the average."""
    recipe = tmp_path / "tiny_dcgan.toml"
    recipe.write_text('model = "dcgan"\n[data]\nsource = "mnist"\nbatch_size = 16\n[kwargs]\nlatent_dim = 8\n'
                      "g_filters = 4\nd_filters = 4\nema_decay = 0.5\n[train]\nepochs = 1\nsteps_per_epoch = 2\n")
    out = tmp_path / "options.json"
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "training_options.py"), "--recipe", str(recipe),
         "--variants", "recipe", 'r1="kwargs.r1_weight=1.0"', "-n", "200", "--runs", str(tmp_path / "runs"),
         "--out", str(out)],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert set(rows) == {"tiny_dcgan/recipe", "tiny_dcgan/r1"}
    assert rows["tiny_dcgan/r1"]["overrides"] == ["kwargs.r1_weight=1.0"]
    assert all(r["generator_steps"] == 2 and r["cfid"] > 0 and r["live_cfid"] != r["cfid"] for r in rows.values())
    assert (tmp_path / "runs" / "options_tiny_dcgan_r1" / "model.keras").exists()
    # Each row names the machine, seed and sample count it was measured with (rows of one file differ in them).
    assert all(r["machine"]["machine"] and "cpu_flags" in r["machine"] and (r["seed"], r["samples"]) == (0, 200)
               for r in rows.values())
    assert "| tiny_dcgan/r1 | `kwargs.r1_weight=1.0` | 1 |" in run.stdout
    # Another seed gets its own row and work directory instead of replacing seed 0's.
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import training_options

    assert training_options.row_key("tiny_dcgan", "r1", 0) == "tiny_dcgan/r1"
    assert training_options.row_key("tiny_dcgan", "r1", 2) == "tiny_dcgan/r1_seed2"


def test_ship_run_exports_a_run_with_its_figures_and_swaps_only_when_told(tmp_path):
    """``benchmarks/ship_run.py``: a run becomes ``<root>/<name>/1`` (SavedModel
    serving the average's ``generate``, float16 TFLite, the results row and
    the run's recipe in metadata.json); an existing folder is refused
    without ``--replace`` and swapped whole with it, leaving no temporary
    folder behind."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import ship_run

    import zoo
    from tiny import DCGAN_LIKE
    from zoo import export, files

    model = zoo.get("dcgan", **DCGAN_LIKE, ema_decay=0.5)
    model.fit(np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32"), batch_size=8,
              epochs=1, verbose=0)  # the average now differs from the trained G
    (tmp_path / "run").mkdir()
    model.save(str(tmp_path / "run" / "model.keras"))
    recipe = {"model": "dcgan", "data": {"source": "mnist"}, "train": {"epochs": 1}}
    files.write_json(str(tmp_path / "run" / "recipe.json"), recipe)
    results = tmp_path / "results.json"
    files.write_json(str(results), {"rows": {"tiny/ema": {"cfid": 12.5}}, "protocol": "p", "machine": "m"})
    root = tmp_path / "saved"
    args = [str(tmp_path / "run" / "model.keras"), "--name", "tiny", "--root", str(root),
            "--results", str(results), "--row", "tiny/ema"]
    with pytest.raises(SystemExit, match="no row 'tiny/other'"):
        ship_run.main(args[:-1] + ["tiny/other"])
    assert not root.exists() or not os.listdir(root)
    path = ship_run.main(args)
    assert sorted(os.listdir(path)) == ["assets", "fingerprint.pb", "metadata.json", "model_float16.tflite",
                                        "saved_model.pb", "variables"]
    meta = files.read_json(os.path.join(path, "metadata.json"))
    assert meta["metrics"]["cfid"] == 12.5 and meta["metrics"]["row"] == "tiny/ema" and meta["metrics"]["cpu"] == "m"
    assert meta["recipe"] == recipe and meta["generator_steps"] == 2
    z = model.latents(3, 1)
    served = tf_serve(path, z)
    np.testing.assert_allclose(served, model.generator_ema(z, training=False), atol=1e-5)
    assert np.abs(served - np.asarray(model.generator(z, training=False))).max() > 1e-4
    fingerprint = (root / "tiny" / "1" / "fingerprint.pb").read_bytes()
    with pytest.raises(SystemExit, match="pass --replace"):
        ship_run.main(args)
    assert (root / "tiny" / "1" / "fingerprint.pb").read_bytes() == fingerprint
    files.write_json(str(results), {"rows": {"tiny/ema": {"cfid": 7.0}}})
    ship_run.main(args + ["--replace"])
    assert files.read_json(os.path.join(path, "metadata.json"))["metrics"]["cfid"] == 7.0
    assert sorted(os.listdir(root)) == ["tiny"] and os.listdir(root / "tiny") == ["1"]
    assert export.latest_version(str(root / "tiny")) == path


def test_ship_run_ships_a_bfloat16_run_as_its_float32_copy(tmp_path):
    """A run trained in mixed_bfloat16 ships: the export serves the float32
    copy's ``generate`` (bfloat16 sampling differs from it: by ~1e-3 on this
    tiny model, 0.028 on the shipped MNIST run; the check must not mistake
    that for a broken export)."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import ship_run

    import zoo
    from tiny import DCGAN_LIKE
    from zoo import files, precision

    with precision.policy("mixed_bfloat16"):
        model = zoo.get("dcgan", **DCGAN_LIKE, ema_decay=0.5)
    model.fit(np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32"), batch_size=8,
              epochs=1, verbose=0)
    (tmp_path / "run").mkdir()
    model.save(str(tmp_path / "run" / "model.keras"))
    files.write_json(str(tmp_path / "run" / "recipe.json"), {"model": "dcgan", "train": {"precision": "auto"}})
    path = ship_run.main([str(tmp_path / "run" / "model.keras"), "--name", "tiny", "--root", str(tmp_path / "saved")])
    z = model.latents(3, 1)
    served = tf_serve(path, z)
    exact = np.asarray(precision.float32_copy(model).generator_ema(z, training=False))
    np.testing.assert_allclose(served, exact, atol=1e-5)
    assert np.abs(served - np.asarray(model.generator_ema(z, training=False), "float32")).max() > 1e-4


def tf_serve(path, latents):
    import tensorflow as tf

    fn = tf.saved_model.load(path).signatures["serving_default"]
    return fn(latent=tf.constant(latents))["images"].numpy()


def test_style_transfer_smoke(tmp_path):
    """The README's style-transfer table on the first 40 test verses: the
    copy row is a copy (self-BLEU 100, PINC 0), the retrieval row writes
    the target style (it returns real sentences of it), and a tiny untrained
    text_cyclegan is scored both ways with its cut verses counted."""
    import zoo
    from zoo import recipes

    recipe = tmp_path / "tiny_tc.toml"
    source = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "bible_style", "ylt_bbe", "{split}.{style}.txt")
    recipe.write_text(f'model = "text_cyclegan"\n[data]\nsource = "{source}"\ntokens = "style_pair"\n'
                      'styles = ["ylt", "bbe"]\nvocabulary_size = 300\nlength = 8\n[kwargs]\nembedding_dim = 4\n'
                      "hidden_dim = 4\nd_embedding_dim = 4\nfilter_sizes = [2]\nnum_filters = [2]\n")
    model = zoo.get("text_cyclegan", **recipes.model_kwargs(recipes.load(str(recipe))))
    (tmp_path / "runs" / "tiny_tc").mkdir(parents=True)
    model.save(str(tmp_path / "runs" / "tiny_tc" / "model.keras"))
    (tmp_path / "runs" / "tiny_tc" / "summary.json").write_text(json.dumps(
        {"generator_steps": 0, "wall_seconds_this_run": 0.0, "final_logs": {}}))
    # A BBE language model (untrained: the fluency column is wired, not
    # judged); no YLT one, so BBE -> YLT has no fluency.
    lm_recipe = tmp_path / "tiny_lm.toml"
    lm_recipe.write_text(f'model = "mle_lm"\n[data]\nsource = "{source.replace("{style}", "bbe")}"\n'
                         'tokens = "words"\nvocabulary_size = 2000\nlength = 32\n'
                         '[kwargs]\nembedding_dim = 4\nhidden_dim = 4\n')
    lm = zoo.get("mle_lm", **recipes.model_kwargs(recipes.load(str(lm_recipe))))
    lm.save(str(tmp_path / "bbe_lm.keras"))
    paired = os.path.join(ROOT, "saved_models", "text_cyclegan_paired_ylt_bbe_{direction}")
    out = tmp_path / "style.json"
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "style_transfer.py"), "--recipes", str(recipe),
         "--runs", str(tmp_path / "runs"), "--limit", "40", "--out", str(out),
         "--models", f"paired={paired}", "--fluency", f"bbe={tmp_path / 'bbe_lm.keras'}"],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = result["rows"]
    assert result["protocol"]["verses"] == 40 and set(rows) == {"reference", "copy", "nearest", "paired", "tiny_tc"}
    for direction in ("a2b", "b2a"):
        copy = rows["copy"][direction]
        assert copy["self_bleu"] == pytest.approx(100.0) and copy["pinc"] == 0.0 and copy["copied"] == 1.0
        assert copy["style_accuracy"] < 0.2 < 0.8 < rows["nearest"][direction]["style_accuracy"]
        assert rows["nearest"][direction]["copied"] == 0.0
        assert rows["reference"][direction]["bleu"] == pytest.approx(100.0)
        # The shipped supervised exports, one per direction, write the target style.
        assert rows["paired"][direction]["style_accuracy"] > 0.8
    # Fluency under the BBE model: BBE verses have fewer words outside its
    # vocabulary than the YLT verses copied; no YLT model, no column.
    assert rows["reference"]["a2b"]["fluency"]["unknown_rate"] < rows["copy"]["a2b"]["fluency"]["unknown_rate"]
    assert rows["copy"]["b2a"]["fluency"] is None and rows["reference"]["b2a"]["fluency"] is None
    from zoo import text as zoo_text

    ylt = zoo_text.read_lines(source.format(split="test", style="ylt"))[:40]
    short = sum(len(zoo_text.tokenize(x)) + 1 <= 32 for x in ylt)
    assert 0 < short < 40 and rows["copy"]["a2b"]["fitting"]["verses"] == short
    assert rows["tiny_tc"]["note"] == "0 steps; inputs cut to 8 tokens: 40 YLT / 40 BBE verses"
    assert "| tiny_tc |" in run.stdout


def test_style_transfer_ablation_branches_one_run_into_variants(tmp_path):
    """The ablation's variants continue the base run's checkpoint with
    their own setting: the branch resumes at the base's epoch (same
    weights), owns its work directory under the new recipe, and the base
    run is left as it was."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import style_transfer_ablation as ablation
    from zoo import files, recipes

    recipe = tmp_path / "tiny_lm.toml"
    recipe.write_text('model = "mle_lm"\n[data]\nsource = "random:0"\ntokens = "oracle"\nnum_sequences = 64\n'
                      "batch_size = 32\n[kwargs]\nembedding_dim = 4\nhidden_dim = 4\n[train]\nepochs = 2\n")
    base, target = str(tmp_path / "base"), str(tmp_path / "slow")
    ablation.train_stage(recipes.load(str(recipe), ["train.epochs=1"]), base)
    variant = recipes.load(str(recipe), ["optimizer.learning_rate=1e-5"])
    ablation.branch(base, target, variant)
    assert files.read_json(os.path.join(target, "recipe.json"))["optimizer"] == {"learning_rate": 1e-5}
    assert ablation.train_stage(variant, target) > 0
    summary = files.read_json(os.path.join(target, "summary.json"))
    assert summary["resumed_from_epoch"] == 1 and summary["generator_steps"] == 4
    assert files.read_json(os.path.join(base, "summary.json"))["generator_steps"] == 2
    ablation.branch(base, target, variant)  # an existing branch is kept (it resumes), not copied over
    assert files.read_json(os.path.join(target, "summary.json"))["generator_steps"] == 4
