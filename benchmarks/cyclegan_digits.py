"""CycleGAN on MNIST <-> USPS, measured: does each translation keep its digit?

Loads a trained ``cyclegan`` (a ``.keras`` file or a training work
directory, e.g. ``runs/cyclegan_mnist_usps``) and the two test splits
(MNIST test: 10,000 images, USPS test: 2,007, both at 28x28), and measures:

* label preservation, MNIST -> USPS: the shipped USPS classifier reads the
  MNIST label in G(mnist); USPS -> MNIST: the MNIST classifier in F(usps);
* the same classifiers on the *untranslated* inputs (the domain-gap
  baseline: what doing nothing scores) and on translations paired with
  shuffled labels (what a translator that ignores its input scores, ~10%);
* cycle reconstruction error: mean |F(G(a)) - a| and |G(F(b)) - b| over
  pixels in [-1, 1];
* target style: the shipped ``digit_styles`` domain classifier (MNIST
  heavy-ink / MNIST light-ink / USPS, 99.6% on real test images) reads
  G(mnist) as USPS and F(usps) as one of the MNIST styles, vs the same on
  the untranslated inputs (did the translation change the style at all?).

Writes ``benchmarks/results/cyclegan_digits.json`` and a PNG (10 digits of
each test set: a | G(a) | F(G(a)) | b | F(b) | G(F(b))) in ``docs/``.

    python benchmarks/cyclegan_digits.py --usps /path/to/usps
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import keras  # noqa: E402

import zoo  # noqa: E402,F401  (registers the model classes)
from zoo import data as zoo_data  # noqa: E402
from zoo import images as zoo_images  # noqa: E402
from zoo.eval import classifiers, conditional, translation  # noqa: E402
from zoo.files import write_json  # noqa: E402


def one_per_class(images, labels, k=10):
    """The first image of each class 0..k-1."""
    return np.stack([images[np.flatnonzero(labels == c)[0]] for c in range(k)])


def subset(images, labels, limit, seed=0):
    if limit is None:
        return images, labels
    keep = np.random.default_rng(seed).permutation(len(images))[:limit]
    return images[keep], labels[keep]


def direction_report(model, direction, images, labels, classifier_name):
    translate = lambda x: model.generate(image=x, direction=direction)  # noqa: E731
    back = lambda x: model.generate(image=x, direction="b2a" if direction == "a2b" else "a2b")  # noqa: E731
    classifier = classifiers.load(classifier_name)
    report = translation.label_preservation(translate, images, labels, classifier)
    translated = np.concatenate([translate(images[i : i + 500]) for i in range(0, len(images), 500)])
    shuffled = np.random.default_rng(0).permutation(labels)
    report["shuffled_label_accuracy"] = conditional.accuracy(classifier, translated, shuffled)["accuracy"]
    report["cycle_l1"] = translation.cycle_error(translate, back, images)
    report["classifier"] = classifier.protocol()
    # digit_styles ids: mnist_thick 0, mnist_thin 1, usps 2.
    style = classifiers.load("digit_styles")
    in_usps = lambda x: style(x)[1].argmax(-1) == 2  # noqa: E731
    wanted = in_usps if direction == "a2b" else (lambda x: ~in_usps(x))
    report["target_style"] = float(wanted(translated).mean())
    report["untranslated_target_style"] = float(wanted(images).mean())
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join("runs", "cyclegan_mnist_usps"), help=".keras file or work dir")
    parser.add_argument("--usps", required=True, help="the USPS folder (<root>/{train,test}/<digit>/*.png)")
    parser.add_argument("--limit", type=int, help="use this many test images of each domain (default: all)")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"))
    parser.add_argument("--output", default=os.path.join(HERE, "results", "cyclegan_digits.json"))
    args = parser.parse_args(argv)

    path = os.path.join(args.model, "model.keras") if os.path.isdir(args.model) else args.model
    model = keras.saving.load_model(path)
    if model.registry_name != "cyclegan":
        raise SystemExit(f"{path} is a {model.registry_name} model; this benchmark measures a cyclegan.")
    size = model.shape_a[:2]
    mnist_all = zoo_data.arrays("mnist", split="test", image_size=size, channels=1, with_labels=True)
    usps_all = zoo_data.arrays(args.usps, split="test", image_size=size, channels=1, with_labels=True)
    mnist, usps = (subset(*arrays, args.limit) for arrays in (mnist_all, usps_all))
    results = {
        "mnist_to_usps": direction_report(model, "a2b", *mnist, "usps"),
        "usps_to_mnist": direction_report(model, "b2a", *usps, "mnist"),
    }
    report = {
        "model": path,
        "generator_steps": model.steps_trained,
        "test_images": {"mnist": len(mnist[0]), "usps": len(usps[0])},
        "results": results,
    }
    write_json(args.output, report)

    a, b = one_per_class(*mnist_all), one_per_class(*usps_all)
    columns = [a, *model.reconstruct(a, "a2b"), b, *model.reconstruct(b, "b2a")]
    grid = zoo_images.save_grid(zoo_images.side_by_side(*columns), os.path.join(args.docs, "cyclegan_mnist_usps.png"),
                                columns=len(columns), scale=2)
    for name, r in results.items():
        print(f"{name}: label preservation {r['accuracy']:.1%} (untranslated {r['untranslated_accuracy']:.1%}, "
              f"shuffled labels {r['shuffled_label_accuracy']:.1%}), cycle L1 {r['cycle_l1']:.3f}, "
              f"target style {r['target_style']:.1%} (untranslated {r['untranslated_target_style']:.1%}), n={r['n']}")
    print(f"Wrote {args.output} and {grid}")


if __name__ == "__main__":
    main()
