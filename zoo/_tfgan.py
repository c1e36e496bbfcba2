"""The one place that imports tensorflow-gan.

``import tensorflow_gan`` fails on TF >= 2.16 because its package ``__init__``
pulls in the removed Estimator API. The modules we use (losses and classifier
metrics) are TF2-clean, so we register the two package modules as plain
namespace modules whose ``__path__`` is their folder; their ``__init__`` never
runs and the submodules import normally.
"""

import importlib
import importlib.util
import sys
import types


def _register_namespace(name, parent_path=None):
    if name in sys.modules:
        return sys.modules[name]
    if parent_path is None:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(
                f"tensorflow-gan is not installed (looked for package '{name}'); "
                "install it with `pip install tensorflow-gan`."
            )
        path = list(spec.submodule_search_locations)
    else:
        import os

        path = [os.path.join(parent_path[0], name.rsplit(".", 1)[1])]
    module = types.ModuleType(name)
    module.__path__ = path
    sys.modules[name] = module
    return module


_root = _register_namespace("tensorflow_gan")
_register_namespace("tensorflow_gan.python", _root.__path__)

losses_impl = importlib.import_module("tensorflow_gan.python.losses.losses_impl")


def classifier_metrics():
    """tensorflow-gan's classifier metrics (imports tensorflow-probability).

    ``tensorflow_gan.python.eval``'s ``__init__`` imports tensorflow-hub,
    which needs ``pkg_resources`` (gone from recent setuptools): registered as
    a namespace too, so only ``classifier_metrics`` and ``eval_utils`` load.
    """
    _register_namespace("tensorflow_gan.python.eval", sys.modules["tensorflow_gan.python"].__path__)
    return importlib.import_module("tensorflow_gan.python.eval.classifier_metrics")
