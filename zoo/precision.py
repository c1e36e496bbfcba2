"""Mixed precision: compute in bfloat16 where the hardware does it natively,
keep float32 weights, and export float32.

A model's precision is fixed when its networks are built: every layer stores
its dtype policy in its config, so a saved ``.keras`` file or a checkpointed
run reloads with the precision it was trained in. Variables (and so
checkpoints and optimizer state) are float32 either way; losses are computed
in float32 (``zoo.losses`` casts the logits).

    model = zoo.get("dcgan", precision="mixed_bfloat16")   # or "auto"
    # recipes: [train] precision = "auto"

Exports (:mod:`zoo.export`) always serve a float32 copy of the generator: a
SavedModel or TFLite file runs on any CPU, and TFLite has no bfloat16 kernels.
"""

import contextlib
import json

import keras

from zoo import cpu

#: The values ``precision`` accepts.
CHOICES = ("float32", "mixed_bfloat16", "auto")
_CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def native_bfloat16_cpu(cpuinfo="/proc/cpuinfo"):
    """Whether this CPU has bfloat16 instructions (AVX512-BF16 or AMX-BF16),
    with which oneDNN runs bfloat16 convolutions and matmuls faster than
    float32. Without them bfloat16 is emulated and slower."""
    return any(flag in cpu.cpu_flags(cpuinfo) for flag in _CPU_BF16_FLAGS)


def resolve(precision):
    """``"float32"`` or ``"mixed_bfloat16"`` for a ``precision`` setting.

    ``"auto"`` picks ``mixed_bfloat16`` on a CPU-only machine whose CPU has
    native bfloat16 (DCGAN-MNIST: 10 epochs in 7 instead of 9.4 minutes on
    the project's 2-core CPU, see README "Mixed precision") and ``float32``
    otherwise: on a CPU without it bfloat16 is emulated, and on GPUs it has
    not been measured for the zoo.
    """
    if precision is None:
        return "float32"
    if precision not in CHOICES:
        raise ValueError(f"precision must be one of {CHOICES}, got {precision!r}.")
    if precision != "auto":
        return precision
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return "float32"
    return "mixed_bfloat16" if native_bfloat16_cpu() else "float32"


@contextlib.contextmanager
def policy(precision):
    """Layers created inside get ``precision``'s dtype policy (resolved); the
    global policy is restored afterwards, even on an error."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(resolve(precision))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def of(model):
    """The dtype policy name the model's networks compute in
    (``"float32"``, ``"mixed_bfloat16"``, ...). Raises if they disagree."""
    names = set()
    for attr in model.network_names():
        for layer in getattr(model, attr)._flatten_layers(include_self=False):
            if layer.weights:  # input layers and reshapes never matter
                names.add(layer.dtype_policy.name)
    if len(names) > 1:
        raise ValueError(f"{type(model).__name__}'s layers mix dtype policies {sorted(names)}.")
    return names.pop() if names else "float32"


def _to_float32(config):
    """``config`` with every serialized dtype policy replaced by float32."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and isinstance(config.get("config"), dict):
            return dict(config, config=dict(config["config"], name="float32"))
        return {k: _to_float32(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_to_float32(v) for v in config]
    return config


def float32_copy(model):
    """``model`` itself if it computes in float32; otherwise a float32 model
    of the same class with the same variables (weights, seed and pool
    state), uncompiled: for export, and for float32 sampling of a bfloat16
    run."""
    if of(model) == "float32":
        return model
    config = _to_float32(json.loads(json.dumps(model.get_config())))  # a fresh, plain copy
    with policy("float32"):
        clone = type(model).from_config(config)
    source, target = model.weights, clone.weights
    if len(source) != len(target):
        raise RuntimeError(f"float32 copy has {len(target)} weights, the model {len(source)}.")
    for s, t in zip(source, target):
        if tuple(s.shape) != tuple(t.shape):
            raise RuntimeError(f"float32 copy: weight {t.path} has shape {t.shape}, the model's {s.path} {s.shape}.")
        t.assign(s)
    return clone
