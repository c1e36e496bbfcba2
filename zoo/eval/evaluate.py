"""One evaluation protocol for every number the project publishes.

``evaluate(generate, "mnist")`` draws ``n`` samples, extracts features with
the requested extractors (the dataset's domain classifier, InceptionV3) and
reports, per extractor, FID, KID +- standard error, the classifier /
Inception score +- std over 10 splits and precision/recall (k=3) against
the reference split; then the mode report (classifier class histogram) and
the memorization report (nearest training images, flips included, against
held-out real images). The report records the protocol next to the numbers:
sample counts, seeds, reference split, extractor files and weights.

Example:
    >>> import keras, zoo
    >>> from zoo.eval import evaluate
    >>> model = keras.saving.load_model("runs/dcgan_mnist/model.keras")
    >>> report = evaluate.evaluate(lambda n, seed: model.generate(n, seed=seed), "mnist")
    >>> report["classifier"]["fid"]
"""

import os
import time

import numpy as np

from zoo import data as zoo_data
from zoo.eval import classifiers, frechet, metrics, reference, reports
from zoo.files import write_json

EXTRACTORS = ("classifier", "inception")


def make_extractor(kind, dataset=None, inception_weights="imagenet"):
    """``"classifier"`` (the dataset's domain classifier) or ``"inception"``."""
    if kind == "classifier":
        if dataset not in classifiers.DATASETS:
            raise ValueError(
                f"no domain classifier for {dataset!r} (have {sorted(classifiers.DATASETS)}); "
                "use extractors=('inception',)."
            )
        return classifiers.load(dataset)
    if kind == "inception":
        from zoo.eval.inception import InceptionV3

        return InceptionV3(weights=inception_weights)
    raise ValueError(f"unknown extractor {kind!r}; expected one of {EXTRACTORS}.")


def feature_metrics(extractor, real, fake_features, fake_logits, *, kid_subset=1000, k=3):
    """FID, KID, score, precision/recall of generated features against a
    ``reference.features`` dict."""
    kid, kid_se = metrics.kid(real["features"], fake_features, subset_size=kid_subset)
    score, score_std = metrics.classifier_score(fake_logits, splits=10)
    precision, recall = metrics.precision_recall(real["features"], fake_features, k=k)
    mu, sigma = frechet.feature_statistics(fake_features)
    return {
        "fid": frechet.frechet_distance(real["mu"], real["sigma"], mu, sigma),
        "kid": kid,
        "kid_std_error": kid_se,
        "score": score,
        "score_std": score_std,
        "precision": precision,
        "recall": recall,
    }


def real_sampler(source, split="train"):
    """``generate(n, seed)`` that returns real images: the real-vs-real
    baseline every table row should be read against."""
    return lambda n, seed: zoo_data.arrays(source, split=split, limit=n, seed=seed)


def evaluate(
    generate,
    dataset,
    *,
    source=None,
    n=10_000,
    extractors=("classifier",),
    inception_weights="imagenet",
    reference_split="test",
    train_split="train",
    reference_n=None,
    kid_subset=1000,
    k=3,
    memorization=True,
    memorization_train=None,
    seed=0,
    output=None,
    cache=True,
):
    """Evaluates a generator against a real dataset.

    Args:
        generate: ``(n, seed) -> [n, H, W, C]`` float images in [-1, 1].
        dataset: ``"mnist"``, ``"fashion_mnist"``, ``"usps"`` (these have a
            domain classifier), or any TFDS name / image folder (Inception
            only).
        source: the data folder for folder datasets (``usps``).
        n: generated samples.
        extractors: any of ``"classifier"``, ``"inception"``.
        inception_weights: ``"imagenet"``, a weights file, or None (random:
            plumbing only).
        reference_split / reference_n: the real images metrics compare with
            (all of the split by default).
        memorization / memorization_train: make the memorization report
            against the ``train_split`` (all of it by default).
        output: ``report.json`` path; PNGs are written beside it.
    Returns the report dict (also written to ``output``).
    """
    src = classifiers.resolve_source(dataset, source)
    timings = {}
    start = time.perf_counter()
    fake = np.asarray(generate(n, seed), np.float32)
    timings["generate"] = time.perf_counter() - start
    if fake.ndim != 4 or len(fake) != n:
        raise ValueError(f"generate({n}, seed) must return [n, H, W, C] images, got shape {fake.shape}.")
    # At least two KID subsets, so that it has a standard error.
    kid_subset = int(min(kid_subset, n // 2))
    stem = os.path.splitext(output)[0] if output else None
    report = {
        "dataset": dataset,
        "source": src,
        "protocol": {
            "generated": n,
            "seed": seed,
            "image_shape": list(fake.shape[1:]),
            "reference_split": reference_split,
            "reference_n": reference_n,
            "kid_subset_size": kid_subset,
            "score_splits": 10,
            "precision_recall_k": k,
            "extractors": {},
        },
        "files": {},
    }
    classifier_out = None
    for kind in extractors:
        extractor = make_extractor(kind, dataset, inception_weights)
        t = time.perf_counter()
        real = reference.features(extractor, src, reference_split, n=reference_n, cache=cache)
        timings[f"{kind}_reference"] = time.perf_counter() - t
        t = time.perf_counter()
        fake_features, fake_logits = extractor(fake)
        report[kind] = feature_metrics(extractor, real, fake_features, fake_logits, kid_subset=kid_subset, k=k)
        timings[f"{kind}_metrics"] = time.perf_counter() - t
        report["protocol"]["extractors"][kind] = dict(extractor.protocol(), reference_images=len(real["features"]))
        if kind == "classifier":
            classifier_out = (extractor, real, fake_logits)
    if classifier_out is not None:
        extractor, real, fake_logits = classifier_out
        report["modes"] = reports.mode_report(fake_logits, real["labels"], extractor.num_classes)
        if stem:
            report["files"]["classes_png"] = reports.class_grid(fake, fake_logits, stem + "_classes.png")
    if memorization:
        t = time.perf_counter()
        report["memorization"] = _memorization(
            fake, src, train_split, reference_split, memorization_train, seed,
            classifier_out[0] if classifier_out else None, stem, report["files"],
        )
        timings["memorization"] = time.perf_counter() - t
    report["seconds"] = {key: round(value, 1) for key, value in timings.items()}
    if output:
        write_json(output, report)
    return report


def summary(report):
    """The report's headline numbers as a few lines of text."""
    lines = [f"{report['dataset']}: {report['protocol']['generated']} samples vs {report['protocol']['reference_split']} split"]
    for kind in EXTRACTORS:
        if kind in report:
            m = report[kind]
            label = report["protocol"]["extractors"][kind]["extractor"]
            lines.append(
                f"  [{label}] FID {m['fid']:.3f}  KID {m['kid']:.4f} +- {m['kid_std_error']:.4f}  "
                f"score {m['score']:.2f} +- {m['score_std']:.2f}  precision {m['precision']:.3f}  "
                f"recall {m['recall']:.3f}"
            )
    if "modes" in report:
        m = report["modes"]
        lines.append(
            f"  modes: {m['classes_covered']}/{m['num_classes']} classes covered, "
            f"KL(gen||data) {m['kl_generated_to_data']:.3f}, largest class {m['max_class_share']:.1%}"
        )
    for space in ("pixel", "feature"):
        m = report.get("memorization", {}).get(space)
        if m:
            lines.append(
                f"  memorization ({space}): {m['fraction_closer_than_percentile']:.2%} closer than the "
                f"real test images' 1st percentile ({m['real_test_percentile_distance']:.3f}); "
                f"median NN distance {m['generated_median']:.3f} (real test {m['real_test_median']:.3f})"
            )
    return "\n".join(lines)


def _memorization(fake, src, train_split, test_split, limit, seed, classifier, stem, files):
    size, channels = fake.shape[1:3], fake.shape[3]
    load = dict(image_size=size, channels=channels, seed=seed)
    train = zoo_data.arrays(src, split=train_split, limit=limit, **load)
    test = zoo_data.arrays(src, split=test_split, **load)
    test = test[np.random.default_rng(seed).permutation(len(test))[: len(fake)]]
    embed = (lambda images: classifier(images)[0]) if classifier is not None else None
    report, details = reports.memorization_report(fake, train, test, features=embed)
    report["real_test_images"] = int(len(test))
    report["feature_space"] = classifier.name if classifier is not None else None
    if stem:
        for space, detail in details.items():
            files[f"memorization_{space}_png"] = reports.closest_pairs_grid(
                fake, train, detail, f"{stem}_nearest_{space}.png"
            )
    return report
