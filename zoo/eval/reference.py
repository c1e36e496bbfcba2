"""Real-image features, cached per (dataset, split, count, extractor).

Extracting the reference split costs more than the metrics (10,000
InceptionV3 passes take ~5 minutes on 2 CPU cores), and every evaluation of
every model on a dataset needs the same numbers, so they are computed once
and kept under ``<cache>/reference/`` as ``.npz`` (features, logits, labels,
mean and covariance). The file name carries the extractor's id (which
includes the classifier's SHA-256 or the Inception weights' id), so a
different network never reads another's statistics.
"""

import hashlib
import os

import numpy as np

from zoo import data as zoo_data
from zoo import files
from zoo.eval import classifiers, frechet


def dataset_key(source):
    """A file-name-safe key: the TFDS name, or folder name + path hash."""
    if os.path.isdir(source):
        path = os.path.abspath(source)
        return f"{os.path.basename(path.rstrip(os.sep))}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"
    return source


def features(extractor, source, split="test", n=None, seed=0, cache=True):
    """Features of ``n`` real images (all when None) of ``source``'s
    ``split``: a dict with ``features``, ``logits``, ``labels`` (or None),
    ``mu``, ``sigma``, and ``path`` (the cache file, or None)."""
    name = f"{dataset_key(source)}_{split}_{n or 'all'}_s{seed}_{extractor.id}.npz"
    path = os.path.join(classifiers.cache_dir(), "reference", name)
    if cache and os.path.exists(path):
        with np.load(path) as stored:
            out = {k: stored[k] for k in stored.files}
        out["labels"] = out["labels"] if out["labels"].size else None
        out["path"] = path
        return out
    try:
        images, labels = zoo_data.arrays(source, split=split, with_labels=True, limit=n, seed=seed)
    except ValueError:
        images, labels = zoo_data.arrays(source, split=split, limit=n, seed=seed), None
    feats, logits = extractor(images)
    mu, sigma = frechet.feature_statistics(feats)
    out = {"features": feats, "logits": logits, "labels": labels, "mu": mu, "sigma": sigma}
    if cache:
        stored = dict(out, labels=labels if labels is not None else np.zeros(0, np.int32))
        with files.atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **stored)
    out["path"] = path if cache else None
    return out
