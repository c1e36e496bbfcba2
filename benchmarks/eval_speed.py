"""Evaluation speed: the Frechet distance at 2048-d (ours, tensorflow-gan's,
and ``scipy.linalg.sqrtm``) and feature extraction (images/s) of InceptionV3
and of the shipped domain classifier (the cFID/cKID extractor of the MNIST,
Fashion-MNIST and digit recipes).

    python benchmarks/eval_speed.py [--dim 2048] [--samples 10000] [--images 200] [--classifier-images 10000]

The Frechet inputs are two random Gaussian feature sets with full-rank,
different covariances; all three results are printed with their relative
differences. InceptionV3 runs with random weights (speed does not depend on
them; this machine cannot download the ImageNet weights). The classifier
row times ``zoo.eval.classifiers.load("mnist")`` on 28x28 images, as an
evaluation calls it (batches of 1,000). Prints a table and one JSON line
per row.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def frechet_rows(dim, samples):
    import scipy.linalg
    import tensorflow as tf

    from zoo import _tfgan
    from zoo.eval import frechet

    rng = np.random.default_rng(0)
    a = rng.standard_normal((samples, dim)) @ rng.standard_normal((dim, dim)) / np.sqrt(dim)
    b = rng.standard_normal((samples, dim)) @ rng.standard_normal((dim, dim)) / np.sqrt(dim) + 0.1
    (mu1, s1), (mu2, s2) = frechet.feature_statistics(a), frechet.feature_statistics(b)
    ours, t_ours = timed(lambda: frechet.frechet_distance(mu1, s1, mu2, s2))

    def scipy_reference():
        covmean = scipy.linalg.sqrtm(s1 @ s2)
        return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)

    reference, t_scipy = timed(scipy_reference)
    metrics = _tfgan.classifier_metrics()
    tfgan, t_tfgan = timed(lambda: float(metrics.frechet_classifier_distance_from_activations(
        tf.constant(a, tf.float64), tf.constant(b, tf.float64))))
    rows = []
    for name, value, seconds in (("zoo.eval.frechet (eigh, float64)", ours, t_ours),
                                 ("scipy.linalg.sqrtm (float64)", reference, t_scipy),
                                 ("tensorflow-gan (from activations, float64)", tfgan, t_tfgan)):
        rows.append({"benchmark": "frechet", "method": name, "dim": dim, "seconds": seconds,
                     "value": value, "relative_difference_to_scipy": abs(value - reference) / reference})
    return rows


def inception_rows(images, batch=50):
    import keras
    import tensorflow as tf

    model = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg")
    x = tf.random.uniform((batch, 299, 299, 3), -1, 1)
    features = tf.function(lambda t: model(t, training=False))
    features(x)  # trace
    start = time.perf_counter()
    for _ in range(max(1, images // batch)):
        features(x).numpy()
    seconds = time.perf_counter() - start
    return [{"benchmark": "features", "extractor": "InceptionV3 pool3 (2048-d), 299x299",
             "batch": batch, "images_per_s": max(1, images // batch) * batch / seconds}]


def classifier_rows(images, name="mnist"):
    from zoo.eval import classifiers

    classifier = classifiers.load(name)
    x = np.random.default_rng(0).uniform(-1, 1, (images, 28, 28, 1)).astype("float32")
    classifier(x[:1000])  # trace
    start = time.perf_counter()
    classifier(x)
    seconds = time.perf_counter() - start
    return [{"benchmark": "features", "extractor": f"domain classifier {name} ({classifier.feature_dim}-d), 28x28",
             "batch": min(images, 1000), "images_per_s": images / seconds}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--images", type=int, default=200, help="InceptionV3 images to time (0 skips)")
    parser.add_argument("--classifier-images", type=int, default=10000, help="domain-classifier images (0 skips)")
    args = parser.parse_args()
    rows = frechet_rows(args.dim, args.samples)
    if args.images:
        rows += inception_rows(args.images)
    if args.classifier_images:
        rows += classifier_rows(args.classifier_images)
    for r in rows:
        if r["benchmark"] == "frechet":
            print(f"{r['method']:<45} {r['seconds']:8.2f} s  value {r['value']:.6f}  "
                  f"rel. diff to scipy {r['relative_difference_to_scipy']:.1e}")
        else:
            print(f"{r['extractor']:<45} {r['images_per_s']:8.1f} images/s (batch {r['batch']})")
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
