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

from zoo import distribute  # noqa: E402

distribute.split_cpu(2)
