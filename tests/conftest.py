"""Test session setup.

The CPU is split into two logical devices before TensorFlow runs anything,
so every test can compare one replica with two (``MirroredStrategy``) on a
machine without GPUs. ``TFDS_DATA_DIR`` defaults to ``../shared/tensorflow_datasets``
when that folder exists (the offline data of CI).
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_shared_tfds = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "tensorflow_datasets"))
if os.path.isdir(_shared_tfds):
    os.environ.setdefault("TFDS_DATA_DIR", _shared_tfds)

sys.path.insert(0, os.path.dirname(__file__))

# Evaluation caches (trained classifiers, reference statistics) go to a
# fresh folder: tests never read a developer's stale cache nor write to it.
import tempfile  # noqa: E402

os.environ["GAN_ZOO_CACHE"] = tempfile.mkdtemp(prefix="gan_zoo_test_cache_")

from zoo import distribute  # noqa: E402

distribute.split_cpu(2)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

RECIPE = """
model = "dcgan"
[data]
source = "{folder}"
batch_size = 8
image_size = 28
channels = 1
[kwargs]
latent_dim = 8
g_filters = 4
d_filters = 4
[train]
epochs = {epochs}
seed = 3
"""


@pytest.fixture(scope="session")
def tiny_recipe(tmp_path_factory):
    """A DCGAN recipe on 160 random 28x28 PNGs, batch 8: 20 steps per epoch."""
    root = tmp_path_factory.mktemp("train")
    folder = root / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(160):  # 20 steps per epoch
        Image.fromarray(rng.integers(0, 255, (28, 28), dtype=np.uint8)).save(folder / f"{i:03d}.png")
    path = root / "tiny.toml"
    path.write_text(RECIPE.format(folder=folder, epochs=6))
    return str(path)


#: Tests that took 40 s or more in a full `pytest -n 2` run (2026-12-07, the
#: 2-core AVX2 EPYC), longest first. They run first: with `pytest -n 2` a long test
#: started last leaves the other worker idle at the end (longest-first
#: scheduling). A name missing here only costs balance; a stale one is ignored.
RUN_FIRST = (
    "test_benchmarks_smoke.py::test_suite_smoke",
    "test_text_cyclegan.py::test_reconstruction_teaches_copying_and_pairs_teach_a_mapping",
    "test_benchmarks_smoke.py::test_likelihood_models_smoke",
    "test_shared_checks.py::test_checkpoint_resume[text_cyclegan]",
    "test_shared_checks.py::test_export_and_tflite[text_cyclegan]",
    "test_shared_checks.py::test_one_vs_two_replicas[text_cyclegan]",
    "test_multi_worker.py::test_cli_multi_worker_resumes_and_matches_single_process",
    "test_benchmarks_smoke.py::test_anime_faces_smoke",
    "test_benchmarks_smoke.py::test_style_transfer_smoke",
    "test_mle_lm.py::test_mle_lm_learns_the_oracle",
    "test_benchmarks_smoke.py::test_sequence_text_smoke",
    "test_benchmarks_smoke.py::test_evaluate_recipes_smoke",
    "test_evaluate.py::test_evaluate_trained_dcgan_against_real_baseline",
    "test_multi_worker.py::test_cli_multi_worker_pix2pix_writes_what_fit_writes",
    "test_metrics.py::test_fid_grows_with_disturbance_inception_random_weights",
    "test_learns_mnist.py::test_the_criterion_fails_when_the_generator_is_frozen",
    "test_benchmarks_smoke.py::test_sequence_oracle_smoke",
    "test_benchmarks_smoke.py::test_pix2pix_ablation_smoke",
    "test_train.py::test_resume_after_sigkill_matches_uninterrupted_run",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(RUN_FIRST)}

    def key(item):
        name = item.nodeid.rsplit("/", 1)[-1]
        return rank.get(name, len(RUN_FIRST))

    items.sort(key=key)  # stable: the rest keep their collection order
