"""Keeps TensorFlow's load-time notices off the user's terminal."""

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def native_stderr():
    """Hides what native libraries print on stderr inside the block.

    TensorFlow's oneDNN and CUDA-stub notices are printed while its shared
    libraries load, before ``TF_CPP_MIN_LOG_LEVEL`` is read (PITFALLS 12).
    The text is shown after all if the block raises.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded, some notebooks)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def gpu_requested():
    """Whether the environment asks for a GPU (``CUDA_VISIBLE_DEVICES`` names one)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    return visible is not None and visible.strip() not in ("", "-1")


def probe_gpus():
    """Lists the GPUs once, with CUDA's start-up failure hidden on CPU-only
    machines: TensorFlow's CUDA build prints ``failed call to cuInit`` at the
    first device query of every process (issue 17). Shown as usual when a GPU
    was asked for. Only lists physical devices: logical device configuration
    (``zoo.distribute.split_cpu``) stays possible."""
    import tensorflow as tf

    if gpu_requested():
        return tf.config.list_physical_devices("GPU")
    with native_stderr():
        return tf.config.list_physical_devices("GPU")
