"""GAN model zoo for TensorFlow / Keras 3.

    import zoo
    model = zoo.get("dcgan")
    model.fit(zoo.data.load("mnist", batch_size=128), epochs=5)
    images = model.generate(16)
"""

import os

# TF's import-time oneDNN/CUDA chatter is not the user's business (PITFALLS 12).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from zoo import _quiet, cpu  # noqa: E402

# oneDNN kernels on every x86 CPU, not only those TF turns them on for
# (1.6-1.7x faster training on AVX2 CPUs; zoo/cpu.py). Before TF loads.
_onednn = cpu.prefer_onednn()

with _quiet.native_stderr():
    import tensorflow  # noqa: F401
    import tensorflow_datasets  # noqa: F401
_quiet.probe_gpus()
cpu.warn_if_late(_onednn)

from zoo import conditions, data, losses, precision, schedules  # noqa: E402
from zoo.base import AdversarialModel, GenerativeModel  # noqa: E402
from zoo.registry import get, get_class, names, register  # noqa: E402
from zoo import models  # noqa: E402,F401  (registers the variants)

__version__ = "0.1.0"

#: Submodules the README calls as ``zoo.<name>`` after a bare ``import zoo``,
#: imported on first use (``zoo.export`` pulls in the TFLite converter path,
#: ``zoo.eval`` the evaluation stack: not every script needs them).
_LAZY_SUBMODULES = ("base", "callbacks", "digit_styles", "distribute", "eval", "export", "files", "images", "layers",
                    "multi_worker", "recipes", "registry", "train")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"zoo.{name}")
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")

__all__ = ["AdversarialModel", "GenerativeModel", "conditions", "data", "get", "get_class", "losses", "names", "precision", "register", "schedules"]
