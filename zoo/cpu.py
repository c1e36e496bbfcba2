"""oneDNN on every x86 CPU, and what the CPU is (for speed figures).

TensorFlow's Linux x86 wheels carry oneDNN (Intel's convolution, matmul and
batch-norm kernels) but switch it on by default only on CPUs with AVX-512
VNNI / BF16 or AMX. On others (AMD EPYC with AVX2 here) convolutions run in
Eigen code built for a baseline x86-64 (no AVX2/FMA), and DCGAN-MNIST
trains at 387-414 images/s instead of 648-679 with oneDNN on (2 cores of an
AMD EPYC, AVX2, float32; ``benchmarks/RESULTS.md``). ``import zoo`` sets
``TF_ENABLE_ONEDNN_OPTS=1`` unless the user set the variable (``0`` keeps
it off). TensorFlow reads the variable once, when it loads: if TensorFlow
was imported before ``zoo``, the setting cannot take effect and
``onednn_enabled()`` says so.

This module imports nothing heavy: ``zoo/__init__.py`` calls
``prefer_onednn()`` before TensorFlow is imported.
"""

import os
import platform
import sys
import warnings

#: The variable TensorFlow reads at load time.
ONEDNN_VARIABLE = "TF_ENABLE_ONEDNN_OPTS"


def x86():
    return platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")


def prefer_onednn(environ=None):
    """Sets ``TF_ENABLE_ONEDNN_OPTS=1`` on x86 unless the variable is set.

    Returns what it did: ``"set"``, ``"user"`` (the user's value kept),
    ``"late"`` (TensorFlow already loaded: too late to change) or
    ``"not x86"``.
    """
    environ = os.environ if environ is None else environ
    if ONEDNN_VARIABLE in environ:
        return "user"
    if not x86():
        return "not x86"
    if "tensorflow" in sys.modules:
        return "late"
    environ[ONEDNN_VARIABLE] = "1"
    return "set"


def onednn_enabled():
    """Whether TensorFlow's oneDNN kernels are on in this process."""
    from tensorflow.python.util import _pywrap_util_port

    return bool(_pywrap_util_port.IsMklEnabled())


def warn_if_late(action):
    """One warning when TensorFlow was imported before ``zoo`` and so runs
    without oneDNN on an x86 CPU (the user did not choose that)."""
    if action == "late" and not onednn_enabled():
        warnings.warn(
            "TensorFlow was imported before zoo, without oneDNN: on CPUs without AVX-512 VNNI/BF16 or AMX, "
            "training runs about 1.6x slower (DCGAN-MNIST). Set TF_ENABLE_ONEDNN_OPTS=1 before importing "
            "TensorFlow (or import zoo first); TF_ENABLE_ONEDNN_OPTS=0 silences this.",
            RuntimeWarning,
            stacklevel=3,
        )


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU's flags (``/proc/cpuinfo``), empty where it cannot be read."""
    try:
        with open(cpuinfo) as f:
            return next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return []


def cpu_model(cpuinfo="/proc/cpuinfo"):
    """The CPU's model name (``/proc/cpuinfo``), else ``platform.processor()``."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe(cpuinfo="/proc/cpuinfo"):
    """One line naming the CPU and the flags that matter for speed figures,
    e.g. ``"AMD EPYC, 2 cores, AVX2 (no AVX-512, no BF16, no AMX)"``."""
    flags = set(cpu_flags(cpuinfo))
    has = []
    if "avx2" in flags:
        has.append("AVX2")
    if "avx512f" in flags:
        has.append("AVX-512")
    if flags & {"avx512_bf16", "amx_bf16"}:
        has.append("BF16")
    if flags & {"amx_tile", "amx_bf16"}:
        has.append("AMX")
    lacks = [name for name in ("AVX-512", "BF16", "AMX") if name not in has]
    cores = os.cpu_count()
    text = f"{cpu_model(cpuinfo)}, {cores} core{'s' if cores != 1 else ''}, {', '.join(has) or 'no AVX2'}"
    return text + (f" (no {', no '.join(lacks)})" if lacks else "")
