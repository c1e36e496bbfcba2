"""Mode collapse / dropping and memorization reports.

Mode report (the notes' "diversity" test): a domain classifier labels every
generated sample; the class histogram, the classes covered and the KL
divergence from the data's class distribution say whether the generator
collapsed onto a few classes or dropped some.

Memorization report (the notes' "does it just copy or flip training
images?"): each generated sample's nearest training image, in pixel space
and in feature space, with horizontally flipped training images included.
Distances alone mean little, so the same distances are measured for
held-out real test images, which are by construction not copies: a model
that does not copy should look like them. The headline number is the
fraction of generated samples closer to the training set than the 1st
percentile of the real test images (about 1% for a non-copying model).
"""

import numpy as np

from zoo import images as zoo_images
from zoo.eval import metrics

# A class counts as covered when it holds at least this share of the
# samples the data's class distribution would give it.
COVERED_FRACTION = 0.1


# === Mode collapse / dropping ===


def mode_report(logits, data_labels, num_classes):
    """Class histogram of generated samples vs the data's.

    Args:
        logits: ``[n, classes]`` classifier logits of generated samples.
        data_labels: labels of the real reference split (its distribution is
            the target).
    Returns a dict with ``histogram``, ``data_distribution``,
    ``classes_covered`` (of ``num_classes``), ``kl_generated_to_data`` =
    KL(p_generated || p_data) in nats (0 for a perfect match; ln 10 = 2.30
    when every sample falls in one of 10 equiprobable classes) and
    ``max_class_share``.
    """
    predicted = np.argmax(np.asarray(logits), axis=1)
    counts = np.bincount(predicted, minlength=num_classes)
    p_gen = counts / counts.sum()
    p_data = np.bincount(np.asarray(data_labels), minlength=num_classes) / len(data_labels)
    if np.any(p_data == 0):
        raise ValueError(f"the reference labels miss classes {np.flatnonzero(p_data == 0).tolist()}.")
    nonzero = p_gen > 0
    kl = float(np.sum(p_gen[nonzero] * np.log(p_gen[nonzero] / p_data[nonzero])))
    covered = counts >= COVERED_FRACTION * counts.sum() * p_data
    return {
        "histogram": counts.tolist(),
        "data_distribution": [round(float(p), 4) for p in p_data],
        "classes_covered": int(covered.sum()),
        "num_classes": int(num_classes),
        "kl_generated_to_data": kl,
        "max_class_share": float(p_gen.max()),
        "covered_rule": f"count >= {COVERED_FRACTION} x the data's share x n",
    }


def class_grid(images, logits, path, per_class=10):
    """PNG: one row per class, its ``per_class`` most confident samples
    (blank where the generator made fewer)."""
    images, logits = np.asarray(images), np.asarray(logits)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    predicted = probs.argmax(1)
    blank = -np.ones_like(images[0])
    rows = []
    for c in range(logits.shape[1]):
        members = np.flatnonzero(predicted == c)
        members = members[np.argsort(-probs[members, c])][:per_class]
        rows.extend([images[i] for i in members] + [blank] * (per_class - len(members)))
    return zoo_images.save_grid(np.stack(rows), path, columns=per_class, scale=2)


# === Memorization ===


def _flatten(x):
    x = np.asarray(x, np.float32)
    return x.reshape(len(x), -1)


def nearest_training(queries, train, train_flipped):
    """Nearest of the training set and its mirror images for each query:
    ``(distance, train_index, flipped)``."""
    d, i = metrics.nearest(queries, train, k=1)
    df, i_f = metrics.nearest(queries, train_flipped, k=1)
    flipped = df[:, 0] < d[:, 0]
    return np.where(flipped, df[:, 0], d[:, 0]), np.where(flipped, i_f[:, 0], i[:, 0]), flipped


def memorization_report(generated, train_images, real_test, features=None, percentile=1.0):
    """Nearest training images of generated samples vs of real test images.

    Args:
        generated: ``[n, H, W, C]`` generated images in [-1, 1].
        train_images: the training images the model saw.
        real_test: held-out real images, the non-copying baseline.
        features: optional ``images -> [n, d]`` features; the same report is
            then also made in that feature space.
        percentile: the baseline percentile that defines "suspiciously close".
    Returns ``(report, details)``: ``report`` is JSON-ready; ``details``
    holds per-sample distances, indices and flip flags per space.
    """
    train_flipped = train_images[:, :, ::-1, :]
    spaces = {"pixel": _flatten}
    if features is not None:
        spaces["feature"] = features
    report, details = {"percentile": percentile, "train_images": int(len(train_images))}, {}
    for space, embed in spaces.items():
        train_e, flipped_e = embed(train_images), embed(train_flipped)
        gen_d, gen_i, gen_flip = nearest_training(embed(generated), train_e, flipped_e)
        base_d = nearest_training(embed(real_test), train_e, flipped_e)[0]
        threshold = float(np.percentile(base_d, percentile))
        close = gen_d < threshold
        report[space] = {
            "generated_median": float(np.median(gen_d)),
            "real_test_median": float(np.median(base_d)),
            "real_test_percentile_distance": threshold,
            "fraction_closer_than_percentile": float(close.mean()),
            "closest_are_flipped": float(gen_flip[close].mean()) if close.any() else 0.0,
            "generated_quantiles": {q: float(np.percentile(gen_d, q)) for q in (1, 5, 50)},
            "real_test_quantiles": {q: float(np.percentile(base_d, q)) for q in (1, 5, 50)},
        }
        details[space] = {"distance": gen_d, "index": gen_i, "flipped": gen_flip, "close": close}
    return report, details


def closest_pairs_grid(generated, train_images, detail, path, pairs=16):
    """PNG of the ``pairs`` generated samples closest to a training image:
    each generated sample followed by its nearest training image (mirrored
    when the match was the flipped one)."""
    order = np.argsort(detail["distance"])[:pairs]
    tiles = []
    for i in order:
        match = train_images[detail["index"][i]]
        tiles += [generated[i], match[:, ::-1] if detail["flipped"][i] else match]
    return zoo_images.save_grid(np.stack(tiles), path, columns=8, scale=2)
