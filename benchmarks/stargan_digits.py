"""StarGAN among digit styles, measured: is each translation in its target
style, and is it still the same digit?

Loads a trained ``stargan`` (a ``.keras`` file or a training work directory,
e.g. ``runs/stargan_digit_styles``) and the test split of the digit-styles
folder (``zoo.digit_styles.write``: 2,007 test images per domain), and
for every (source, target) pair of different domains measures, on the
source's test images translated to the target:

* domain accuracy: the shipped ``digit_styles`` classifier (99.6% on real
  test images) reads the *target* style;
* content preservation: the target domain's digit classifier (MNIST for
  ``mnist_*``, USPS for ``usps``) reads the input's digit;
* the same two on the *untranslated* inputs (what doing nothing scores) and
  the round-trip error mean |G(G(x, target), source) - x| (pixels in [-1, 1]).

Writes ``benchmarks/results/stargan_digits.json`` and a PNG in ``docs/``
(rows: digits 0-9; per source domain a block of columns: the input, then
its translation to each domain).

    python benchmarks/stargan_digits.py --data data/digit_styles
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
from zoo import digit_styles  # noqa: E402
from zoo import images as zoo_images  # noqa: E402
from zoo.eval import classifiers, conditional  # noqa: E402
from zoo.files import write_json  # noqa: E402


def digit_classifier(domain):
    return "usps" if domain.startswith("usps") else "mnist"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join("runs", "stargan_digit_styles"), help=".keras file or work dir")
    parser.add_argument("--data", required=True, help="the folder written by zoo.digit_styles.write")
    parser.add_argument("--limit", type=int, help="test images per domain (default: all)")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"))
    parser.add_argument("--output", default=os.path.join(HERE, "results", "stargan_digits.json"))
    args = parser.parse_args(argv)

    path = os.path.join(args.model, "model.keras") if os.path.isdir(args.model) else args.model
    model = keras.saving.load_model(path)
    if model.registry_name != "stargan":
        raise SystemExit(f"{path} is a {model.registry_name} model; this benchmark measures a stargan.")
    paths, _, names = zoo_data.list_images(args.data, "test")
    if model.domain_names and list(model.domain_names) != list(names):
        raise SystemExit(f"The model's domains {model.domain_names} differ from the folder's {names}.")
    images, domains = zoo_data.arrays(args.data, split="test", image_size=model.image_shape[:2], channels=1,
                                      with_labels=True)
    digits = np.array([digit_styles.digit_of(p) for p in paths])
    style = classifiers.load("digit_styles")
    pairs, columns = {}, []
    for s, source in enumerate(names):
        members = np.flatnonzero(domains == s)
        # Files are sorted by digit: a random subset keeps every class.
        picked = members if args.limit is None else np.random.default_rng(0).permutation(members)[: args.limit]
        x, y = images[picked], digits[picked]
        row = [images[[members[digits[members] == d][0] for d in range(10)]]]
        for t, target in enumerate(names):
            row.append(model.generate(image=row[0], domain=t))
            if t == s:
                continue
            translated = model.generate(image=x, domain=t)
            back = model.generate(image=translated, domain=s)
            content = classifiers.load(digit_classifier(target))
            pairs[f"{source}->{target}"] = {
                "n": int(len(x)),
                "domain_accuracy": conditional.accuracy(style, translated, np.full(len(x), t))["accuracy"],
                "content_accuracy": conditional.accuracy(content, translated, y)["accuracy"],
                "untranslated_domain_accuracy": conditional.accuracy(style, x, np.full(len(x), t))["accuracy"],
                "untranslated_content_accuracy": conditional.accuracy(content, x, y)["accuracy"],
                "round_trip_l1": float(np.abs(back - x).mean()),
            }
        columns += row
    mean = {k: float(np.mean([p[k] for p in pairs.values()])) for k in next(iter(pairs.values())) if k != "n"}
    report = {
        "model": path,
        "generator_steps": model.steps_trained,
        "domains": list(names),
        "style_classifier": style.protocol(),
        "pairs": pairs,
        "mean": mean,
    }
    write_json(args.output, report)
    grid = zoo_images.save_grid(zoo_images.side_by_side(*columns), os.path.join(args.docs, "stargan_digit_styles.png"),
                                columns=len(columns), scale=2)
    for name, p in pairs.items():
        print(f"{name:<26} domain {p['domain_accuracy']:.1%} (untranslated {p['untranslated_domain_accuracy']:.1%})  "
              f"digit {p['content_accuracy']:.1%} (untranslated {p['untranslated_content_accuracy']:.1%})  "
              f"round trip L1 {p['round_trip_l1']:.3f}")
    print(f"mean: domain {mean['domain_accuracy']:.1%}, digit {mean['content_accuracy']:.1%}")
    print(f"Wrote {args.output} and {grid}")


if __name__ == "__main__":
    main()
