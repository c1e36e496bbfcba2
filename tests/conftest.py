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
if os.environ.get('ZOO_TEST_NO_GRAPPLER'):
    import tensorflow as _tf
    _tf.config.optimizer.set_experimental_options({'disable_meta_optimizer': True})

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


