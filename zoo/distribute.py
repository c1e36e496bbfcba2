"""tf.distribute strategies for training zoo models."""

import json
import os

import tensorflow as tf

STRATEGIES = ("default", "one_device", "mirrored", "multi_worker")


def split_cpu(n):
    """Splits the first CPU into ``n`` logical devices (call before TF runs
    anything). Lets MirroredStrategy be exercised on a machine without GPUs."""
    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(
        cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
    )


def make_strategy(name="default", devices=None):
    """Returns a ``tf.distribute.Strategy``.

    Args:
        name: ``default`` (no distribution), ``one_device``, ``mirrored``
            (all local GPUs, or ``devices``), ``multi_worker`` (reads
            ``TF_CONFIG``; see ``zoo.multi_worker``).
        devices: for ``mirrored``/``one_device``: a list of device names, or
            an int N meaning the first N GPUs, or N logical CPUs when the
            machine has no GPU.
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}; expected one of {STRATEGIES}.")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ and "SLURM_JOB_ID" not in os.environ:
            raise ValueError(
                "strategy 'multi_worker' needs TF_CONFIG (or a SLURM job) describing the "
                "cluster; see the README section 'Several hosts'."
            )
        resolver = None
        if "TF_CONFIG" not in os.environ:
            resolver = tf.distribute.cluster_resolver.SlurmClusterResolver()
        return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    devices = _device_names(devices)
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(devices[0] if devices else "/cpu:0")
    return tf.distribute.MirroredStrategy(devices or None)


def _device_names(devices):
    if devices is None or isinstance(devices, (list, tuple)):
        return list(devices) if devices else None
    n = int(devices)
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if n > len(gpus):
            raise ValueError(f"Asked for {n} GPUs, found {len(gpus)}.")
        return [f"/gpu:{i}" for i in range(n)]
    try:
        split_cpu(n)  # only possible before TF has initialised its devices
    except RuntimeError:
        pass
    logical = tf.config.list_logical_devices("CPU")
    if len(logical) < n:
        raise ValueError(
            f"Asked for {n} devices; this machine has no GPU and TF was already "
            f"initialised with {len(logical)} CPU device(s), so it cannot be split now."
        )
    return [f"/cpu:{i}" for i in range(n)]


def worker_index():
    """This worker's task index from TF_CONFIG (0 when not multi-worker)."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}"))
    return int(config.get("task", {}).get("index", 0))
