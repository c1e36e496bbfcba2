"""Sample-quality metrics on extracted features and logits.

- ``kid``: Kernel Inception Distance (Binkowski et al. 2018,
  arXiv:1801.01401), the unbiased MMD^2 estimate with the cubic polynomial
  kernel, averaged over disjoint subsets, with its standard error over those
  subsets. Numerics are tensorflow-gan's
  ``kernel_classifier_distance_and_std_from_activations`` in float64.
- ``classifier_score``: Inception Score (Salimans et al. 2016,
  arXiv:1606.03498) ``exp(E_x KL(p(y|x) || p(y)))``, from tensorflow-gan's
  ``classifier_score_from_logits``, as mean and std over splits.
- ``precision_recall``: improved precision and recall (Kynkaanniemi et al.
  2019, arXiv:1904.06991): the real manifold is the union of balls around
  each real feature reaching its k-th nearest real neighbour; precision is
  the fraction of generated samples inside it, recall the fraction of real
  samples inside the generated manifold.
- FID lives in ``zoo.eval.frechet``.
"""

import numpy as np

from zoo import _tfgan


def _check_pair(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"expected two [n, d] feature arrays with the same d, got {a.shape} and {b.shape}.")
    return a, b


def kid(real_features, fake_features, subset_size=1000, seed=0):
    """KID and its standard error: ``(mean, std_error)`` over disjoint
    subsets of at most ``subset_size`` samples each (both sets shuffled
    first with ``seed``: the estimator assumes random order)."""
    import tensorflow as tf

    real, fake = _check_pair(real_features, fake_features)
    if min(len(real), len(fake)) < 4:
        raise ValueError(f"KID needs at least 4 samples per set, got {len(real)} and {len(fake)}.")
    rng = np.random.default_rng(seed)
    real, fake = real[rng.permutation(len(real))], fake[rng.permutation(len(fake))]
    from tensorflow.python.util import deprecation

    cm = _tfgan.classifier_metrics()
    with deprecation.silence():  # tfgan's map_fn(back_prop=False) warns on every call
        value, std_error = cm.kernel_classifier_distance_and_std_from_activations(
            tf.constant(real), tf.constant(fake), max_block_size=int(subset_size)
        )
    return float(value), float(std_error)


def classifier_score(logits, splits=10):
    """Inception / classifier score of ``[n, classes]`` logits:
    ``(mean, std)`` over ``splits`` equal parts (std 0 when ``splits=1``)."""
    import tensorflow as tf

    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2:
        raise ValueError(f"expected logits [n, classes], got shape {logits.shape}.")
    if len(logits) < splits:
        raise ValueError(f"{len(logits)} samples cannot form {splits} splits.")
    cm = _tfgan.classifier_metrics()
    scores = [
        float(cm.classifier_score_from_logits(tf.constant(part)))
        for part in np.array_split(logits, splits)
    ]
    return float(np.mean(scores)), float(np.std(scores))


# === Extraction ===


def features_and_logits(network, images, batch_size, prepare=None):
    """Runs a two-output Keras ``network`` (features, logits) over ``images``
    in batches; ``prepare`` maps each batch to the network's input first.
    Returns float64 numpy ``(features, logits)``."""
    features, logits = [], []
    for i in range(0, len(images), batch_size):
        batch = images[i : i + batch_size]
        f, lg = network(prepare(batch) if prepare else batch, training=False)
        features.append(np.asarray(f, np.float64))
        logits.append(np.asarray(lg, np.float64))
    return np.concatenate(features), np.concatenate(logits)


# === Nearest neighbours ===


def pairwise_sq_distances(a, b):
    """``[len(a), len(b)]`` squared Euclidean distances (float32 matmul,
    clipped at 0)."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def nearest(queries, references, k=1, chunk=2048, exclude_self=False):
    """Distances and indices of each query's ``k`` nearest references,
    sorted nearest first. ``exclude_self`` skips the reference with the
    query's own index (queries and references are then the same set)."""
    queries, references = _check_pair(queries, references)
    k_eff = k + 1 if exclude_self else k
    dists, idx = [], []
    for start in range(0, len(queries), chunk):
        d = pairwise_sq_distances(queries[start : start + chunk], references)
        if exclude_self:
            rows = np.arange(d.shape[0])
            d[rows, start + rows] = np.inf
        part = np.argpartition(d, k_eff - 1, axis=1)[:, :k_eff]
        part_d = np.take_along_axis(d, part, axis=1)
        order = np.argsort(part_d, axis=1)
        idx.append(np.take_along_axis(part, order, axis=1)[:, :k])
        dists.append(np.sqrt(np.take_along_axis(part_d, order, axis=1)[:, :k]))
    return np.concatenate(dists), np.concatenate(idx)


def _coverage(queries, centres, radii, chunk=2048):
    """Fraction of ``queries`` inside at least one ball (centre, radius)."""
    inside = 0
    radii_sq = np.asarray(radii, np.float32) ** 2
    for start in range(0, len(queries), chunk):
        d = pairwise_sq_distances(queries[start : start + chunk], centres)
        inside += int(np.any(d <= radii_sq[None, :], axis=1).sum())
    return inside / len(queries)


def precision_recall(real_features, fake_features, k=3):
    """``(precision, recall)`` on k-NN manifolds (Kynkaanniemi et al. 2019)."""
    real, fake = _check_pair(real_features, fake_features)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples per set.")
    real_radii = nearest(real, real, k=k, exclude_self=True)[0][:, -1]
    fake_radii = nearest(fake, fake, k=k, exclude_self=True)[0][:, -1]
    return _coverage(fake, real, real_radii), _coverage(real, fake, fake_radii)
