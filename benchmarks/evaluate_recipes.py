"""Evaluates the trained MNIST and Fashion-MNIST recipes of every variant
with one protocol (``zoo.eval.evaluate``) and writes the README's table.

For each dataset: a real-vs-real baseline (10,000 training images against
the test split), then every ``runs/<recipe>/model.keras`` whose recipe
trains on that dataset. Reports and PNGs go to ``benchmarks/results/eval/``,
the table to ``benchmarks/results/evaluation.md``.

    python benchmarks/evaluate_recipes.py               # everything (~1 min per model)
    python benchmarks/evaluate_recipes.py -n 2000 --recipes dcgan_mnist
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

DATASETS = ("mnist", "fashion_mnist")


def rows_for(dataset, runs, n, out_dir, recipes_filter, memorization_train=None):
    import keras

    import zoo  # noqa: F401
    from zoo import recipes
    from zoo.eval import evaluate

    rows = []
    baseline = evaluate.evaluate(
        evaluate.real_sampler(dataset, "train"), dataset, n=n, memorization=False,
        output=os.path.join(out_dir, f"real_{dataset}.json"),
    )
    rows.append(("real (train split)", "-", baseline))
    for name in recipes.names():
        recipe = recipes.load(name)
        if recipe["data"]["source"] != dataset or (recipes_filter and name not in recipes_filter):
            continue
        path = os.path.join(runs, name, "model.keras")
        if not os.path.exists(path):
            print(f"skip {name}: no {path} (train it with `gan-zoo train {name}`)", flush=True)
            continue
        model = keras.saving.load_model(path)
        with open(os.path.join(runs, name, "summary.json")) as f:
            trained = json.load(f)
        start = time.perf_counter()
        report = evaluate.evaluate(
            lambda k, seed: model.generate(k, seed=seed), dataset, n=n,
            memorization_train=memorization_train, output=os.path.join(out_dir, f"{name}.json"),
        )
        report["trained"] = {key: trained.get(key) for key in ("epochs", "generator_steps")}
        print(f"{name} ({time.perf_counter() - start:.0f} s)\n{evaluate.summary(report)}", flush=True)
        rows.append((name, f"{trained['epochs']} ep / {trained['generator_steps']} G steps", report))
    return rows


METRIC_HEADER = ("cFID", "cKID", "class score", "precision", "recall", "classes", "KL(gen\\|\\|data)",
                 "copies (pixel / feature)")


def metric_cells(report):
    """The cells of ``METRIC_HEADER`` for one ``zoo.eval.evaluate`` report."""
    c, m = report["classifier"], report["modes"]
    mem = report.get("memorization")
    copies = (
        f"{mem['pixel']['fraction_closer_than_percentile']:.1%} / {mem['feature']['fraction_closer_than_percentile']:.1%}"
        if mem else "n/a"
    )
    return [f"{c['fid']:.2f}", f"{c['kid']:.3f} +- {c['kid_std_error']:.3f}", f"{c['score']:.2f}",
            f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{m['classes_covered']}/{m['num_classes']}",
            f"{m['kl_generated_to_data']:.3f}", copies]


def table(rows):
    lines = [
        "| recipe | trained | " + " | ".join(METRIC_HEADER) + " |",
        "| --- | --- | " + " | ".join("---:" for _ in METRIC_HEADER) + " |",
    ]
    for name, trained, r in rows:
        lines.append(f"| {name} | {trained} | " + " | ".join(metric_cells(r)) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--runs", default=os.path.join(os.path.dirname(HERE), "runs"))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--recipes", nargs="*")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--memorization-train", type=int, help="training images searched (default all)")
    args = parser.parse_args(argv)
    out_dir = os.path.join(args.out, "eval")
    os.makedirs(out_dir, exist_ok=True)
    sections = []
    for dataset in args.datasets:
        rows = rows_for(dataset, args.runs, args.n, out_dir, args.recipes, args.memorization_train)
        protocol = rows[0][2]["protocol"]["extractors"]["classifier"]
        sections.append(
            f"### {dataset}\n\n{args.n} samples per row against the {protocol['reference_images']} test images; "
            f"features of the {protocol['extractor']} domain classifier (test accuracy "
            f"{protocol['test_accuracy']:.2%}, sha256 {protocol['sha256'][:12]}).\n\n{table(rows)}\n"
        )
    text = "\n".join(sections)
    with open(os.path.join(args.out, "evaluation.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
