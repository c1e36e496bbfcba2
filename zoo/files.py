"""Files the zoo writes and reads: atomic JSON, and ``.keras`` models given as
a file or a training work directory, with errors that say what was found.

A leaf module (nothing from the zoo at module level; ``load_model`` imports
the package when called, to register the model classes), so the training
driver, the callbacks, the evaluation and the CLI can all use it without
importing each other.
"""

import contextlib
import hashlib
import json
import os
import zipfile


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary name beside ``path`` to write to; on success it is
    renamed onto ``path`` (atomic on POSIX: readers see the old file or the
    new one, never half of one), on error it is removed. The temporary name
    keeps ``path``'s extension (``model.save`` and ``np.savez`` go by it).
    Creates the parent folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}{os.path.splitext(path)[1]}"
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def sha256(path):
    """The SHA-256 hex digest of a file's bytes (what reports cite a
    shipped weights file by)."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_json(path, obj):
    """Writes JSON atomically (never half-written)."""
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(obj, f, indent=2, default=str)


def read_json(path):
    """The JSON at ``path``, or None if there is no such file."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def keras_file(path):
    """A training work directory stands for its ``model.keras``; anything
    else is returned as given."""
    path = os.fspath(path)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "model.keras")):
        return os.path.join(path, "model.keras")
    return path


def check_keras_file(path):
    """Raises a clear error unless ``path`` is a readable ``.keras`` archive."""
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No model at {path!r}: expected a .keras file, a training work directory "
            "(holding model.keras) or an exported SavedModel folder."
        )
    if os.path.isdir(path):
        raise FileNotFoundError(
            f"{path!r} is a folder without model.keras or saved_model.pb: expected a training work "
            "directory of a finished run, a .keras file or an exported SavedModel folder."
        )
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(16)
        raise ValueError(
            f"{path!r} is not a .keras model (a zip archive written by model.save); "
            f"its first bytes are {head!r}."
        )


def load_model(path, *, expect=None):
    """Loads a zoo model from a ``.keras`` file or a work directory.

    ``expect``: a registry name or a tuple of them the model must be (e.g. a
    benchmark of CycleGAN translations refuses a DCGAN file by name).
    """
    import keras

    import zoo  # noqa: F401  (registers the model classes for deserialization)

    path = keras_file(path)
    check_keras_file(path)
    model = keras.saving.load_model(path)
    if expect is not None:
        wanted = (expect,) if isinstance(expect, str) else tuple(expect)
        found = getattr(model, "registry_name", type(model).__name__)
        if found not in wanted:
            raise ValueError(f"{path} is a {found} model; expected {' or '.join(wanted)}.")
    return model
