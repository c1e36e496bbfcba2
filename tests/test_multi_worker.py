"""Two worker processes on localhost (MultiWorkerMirroredStrategy via
TF_CONFIG) end with identical weights, equal to a single-process ``fit`` on
the same global batches (issue #3)."""

import json
import os
import socket
import subprocess
import sys

import numpy as np

from helpers import assert_weights_close, build, random_images
from zoo.models.dcgan import DCGAN

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4)
GLOBAL_BATCH, STEPS, EPOCHS = 8, 3, 2


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_match_single_process(tmp_path):
    model = build(DCGAN, TINY)
    init = tmp_path / "init.npz"
    np.savez(init, **{f"w{i}": w.numpy() for i, w in enumerate(model.weights)})
    data = tmp_path / "data.npz"
    batches = random_images(TINY["image_shape"], GLOBAL_BATCH * STEPS * EPOCHS, seed=3)
    np.savez(data, batches=batches.reshape(STEPS * EPOCHS, GLOBAL_BATCH, *TINY["image_shape"]))

    cluster = {"worker": [f"localhost:{p}" for p in free_ports(2)]}
    job = os.path.join(HERE, "multi_worker_job.py")
    procs = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        args = [sys.executable, job, "worker", str(init), str(data), str(tmp_path / f"worker{index}.npz")]
        procs.append(subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    single = subprocess.run(
        [sys.executable, job, "single", str(init), str(data), str(tmp_path / "single.npz")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    for index, (proc, output) in enumerate(zip(procs, outputs)):
        assert proc.returncode == 0, f"worker {index} failed:\n{output[-3000:]}"
    assert single.returncode == 0, single.stderr[-3000:]

    results = [np.load(tmp_path / f"worker{i}.npz") for i in range(2)]
    reference = np.load(tmp_path / "single.npz")
    assert int(results[0]["replicas"]) == 2 and int(reference["replicas"]) == 1
    n = len([k for k in reference.files if k.startswith("w")])
    weights = [[r[f"w{i}"] for i in range(n)] for r in results]
    ref_weights = [reference[f"w{i}"] for i in range(n)]
    initial = [np.load(init)[f"w{i}"] for i in range(n)]
    assert any(not np.allclose(a, b) for a, b in zip(initial, ref_weights)), "training changed nothing"
    assert_weights_close(weights[0], weights[1], atol=0, rtol=0, what="worker 0 vs worker 1")
    assert_weights_close(weights[0], ref_weights, what="2 workers vs 1 process")
    for name in ("log_d_loss", "log_g_loss"):
        np.testing.assert_allclose(results[0][name], reference[name], rtol=1e-4, atol=1e-5)


def run_workers(args):
    cluster = {"worker": [f"localhost:{p}" for p in free_ports(2)]}
    procs = []
    for index in range(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                   TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        procs.append(subprocess.Popen([sys.executable, "-m", "zoo.cli", *args], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    for index, (proc, output) in enumerate(zip(procs, outputs)):
        assert proc.returncode == 0, f"worker {index} failed:\n{output[-3000:]}"
    return outputs


def test_cli_multi_worker_resumes_and_matches_single_process(tmp_path, tiny_recipe):
    """`gan-zoo train --strategy multi_worker` on two local workers, 1 epoch,
    then resumed to 2 epochs: same weights as one process training 2 epochs."""
    import keras

    from helpers import weights_of

    workdir = str(tmp_path / "mw")
    common = ["train", tiny_recipe, "--workdir", workdir, "--strategy", "multi_worker", "--verbose", "1"]
    run_workers([*common, "train.epochs=1"])
    outputs = run_workers([*common, "train.epochs=2"])
    assert "Resuming" in outputs[0]
    summary = json.loads(open(os.path.join(workdir, "summary.json")).read())
    assert summary["replicas"] == 2 and summary["workers"] == 2 and summary["resumed_from_epoch"] == 1
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    single = subprocess.run(
        [sys.executable, "-m", "zoo.cli", "train", tiny_recipe, "train.epochs=2", "--workdir", str(tmp_path / "one"), "--verbose", "0"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert single.returncode == 0, single.stderr[-3000:]
    a = keras.saving.load_model(os.path.join(workdir, "model.keras"))
    b = keras.saving.load_model(tmp_path / "one" / "model.keras")
    assert int(a.g_optimizer.iterations.numpy()) == 40
    assert_weights_close(weights_of(a), weights_of(b), what="2 workers (resumed) vs 1 process")
    assert sorted(os.listdir(os.path.join(workdir, "samples"))) == ["epoch_001.png", "epoch_002.png"]


PIX2PIX_RECIPE = """
model = "pix2pix"
[data]
source = "{folder}"
pairs = "colorize"
batch_size = 4
image_size = 16
channels = 3
[kwargs]
source_shape = [16, 16, 1]
target_shape = [16, 16, 3]
filters = 4
d_layers = 2
[train]
epochs = 1
seed = 2
"""


def test_cli_multi_worker_pix2pix_writes_what_fit_writes(tmp_path):
    """The one training driver: an image-to-image model on two local
    workers gets the callbacks ``fit`` gets (sample grid of input | output |
    target rows, TensorBoard scalars and images) and ends with the weights
    of a single-process run."""
    import glob

    import keras
    from PIL import Image

    from helpers import weights_of

    folder = tmp_path / "faces"
    folder.mkdir()
    for i, image in enumerate(random_images((16, 16, 3), 16, seed=4)):
        Image.fromarray(((image + 1) * 127.5).astype(np.uint8)).save(folder / f"{i:02d}.png")
    recipe = tmp_path / "pix2pix_tiny.toml"
    recipe.write_text(PIX2PIX_RECIPE.format(folder=folder))
    workdir = tmp_path / "mw"
    run_workers(["train", str(recipe), "--workdir", str(workdir), "--strategy", "multi_worker", "--verbose", "0"])
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    single = subprocess.run(
        [sys.executable, "-m", "zoo.cli", "train", str(recipe), "--workdir", str(tmp_path / "one"), "--verbose", "0"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert single.returncode == 0, single.stderr[-3000:]
    for run in (workdir, tmp_path / "one"):
        grid = Image.open(run / "samples" / "epoch_001.png")
        assert grid.size == (3 * 16, 4 * 16), f"{run}: expected 4 rows of input | output | target, got {grid.size}"
        events = glob.glob(str(run / "logs" / "**" / "events.out.tfevents.*"), recursive=True)
        assert len(events) >= 2, f"{run}: TensorBoard wrote {events}"  # scalars (train/) and the sample image
    summary = json.loads((workdir / "summary.json").read_text())
    assert summary["replicas"] == 2 and summary["workers"] == 2 and summary["generator_steps"] == 4
    assert not glob.glob(str(workdir / ".worker-*")), "worker 1's private checkpoint folder was left behind"
    a = keras.saving.load_model(workdir / "model.keras")
    b = keras.saving.load_model(tmp_path / "one" / "model.keras")
    assert_weights_close(weights_of(a), weights_of(b), what="pix2pix: 2 workers vs 1 process")
