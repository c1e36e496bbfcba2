"""Conditional generation figures for the README: conditional accuracy of the
trained cgan / acgan / text2image recipes, and grids (rows = classes or
captions, columns = latents).

For each run folder given (``runs/<recipe>`` with ``model.keras``):

* class-conditional: ``--per-class`` samples of every class, read by the
  dataset's shipped classifier; accuracy overall and per class;
* text-conditional: ``--per-caption`` samples of every *training* and every
  *held-out* phrasing of the caption set; accuracy of each group and per
  caption;
* the classifier FID of 10k class-balanced samples (zoo.eval protocol);
* a grid PNG in ``docs/<recipe>_grid.png``.

Results go to ``benchmarks/results/conditional.json`` and a markdown table
``benchmarks/results/conditional.md``.

    python benchmarks/conditional.py runs/cgan_mnist runs/cgan_no_mismatch_mnist \\
        runs/acgan_mnist runs/text2image_fashion_mnist
"""

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import keras  # noqa: E402

import zoo  # noqa: E402,F401
from zoo import data as zoo_data  # noqa: E402
from zoo import images as zoo_images  # noqa: E402
from zoo.eval import classifiers, conditional, frechet, reference  # noqa: E402
from zoo.files import write_json  # noqa: E402


def grid_rows(model, rows, columns, seed):
    """One row per condition, the same ``columns`` latents in every row."""
    latent = np.tile(model.latents(columns, seed), (len(rows), 1))
    key = "text" if model.condition_of(zoo.conditions.Text) is not None else "labels"
    values = np.repeat(np.array(rows), columns)
    return model.generate(latent=latent, **{key: values})


def classifier_fid(model, dataset, n, seed):
    extractor = classifiers.load(dataset)
    ref = reference.features(extractor, classifiers.resolve_source(dataset), "test")
    features, _ = extractor(model.generate(n, seed=seed))
    return frechet.frechet_distance(ref["mu"], ref["sigma"], *frechet.feature_statistics(features))


def evaluate_run(workdir, per_class, per_caption, seed, docs):
    recipe = json.load(open(os.path.join(workdir, "recipe.json")))
    summary = json.load(open(os.path.join(workdir, "summary.json")))
    name = os.path.basename(os.path.normpath(workdir))
    model = keras.saving.load_model(os.path.join(workdir, "model.keras"))
    dataset = recipe["data"]["source"]
    start = time.perf_counter()
    result = {
        "run": name, "model": recipe["model"], "dataset": dataset,
        "generator_steps": summary.get("generator_steps"),
        "train_wall_seconds": summary.get("wall_seconds_this_run"),
        "images_per_s_median": summary.get("images_per_s_median"),
        "classifier_test_accuracy": classifiers.load(dataset).info["test_accuracy"],
    }
    if model.condition_of(zoo.conditions.Text) is not None:
        spec = zoo_data.load_captions(recipe["data"]["captions"])
        for group in ("train", "heldout"):
            r = conditional.caption_accuracy(model, dataset, spec[group], n_per_caption=per_caption, seed=seed)
            result[f"{group}_phrasings"] = r
        rows = [phrasings[0] for phrasings in spec["heldout"]]
        result["grid_rows"] = rows
    else:
        result["labels"] = conditional.label_accuracy(model, dataset, n_per_class=per_class, seed=seed)
        rows = list(range(model.num_classes))
    result["fid_classifier_10k"] = classifier_fid(model, dataset, 10_000, seed)
    path = os.path.join(docs, f"{name}_grid.png")
    zoo_images.save_grid(grid_rows(model, rows, 10, seed), path, columns=10, scale=2)
    result["grid"] = os.path.relpath(path, os.path.dirname(HERE))
    result["eval_seconds"] = round(time.perf_counter() - start, 1)
    result["history_cond_acc"] = summary.get("history", {}).get("cond_acc")
    return result


def markdown(results):
    lines = [
        "| run | condition | conditional accuracy | worst class | classifier FID (10k) | G steps | train wall |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        wall = f"{r['train_wall_seconds'] / 60:.1f} min" if r.get("train_wall_seconds") else "n/a"
        if "labels" in r:
            acc = r["labels"]
            lines.append(
                f"| `{r['run']}` | class label | {100 * acc['accuracy']:.1f}% ({acc['n']} samples) | "
                f"{100 * min(acc['per_class']):.1f}% | {r['fid_classifier_10k']:.1f} | {r['generator_steps']} | {wall} |"
            )
        else:
            for group in ("train", "heldout"):
                acc = r[f"{group}_phrasings"]
                lines.append(
                    f"| `{r['run']}` | {group} phrasings ({len(acc['per_caption'])}) | "
                    f"{100 * acc['accuracy']:.1f}% ({acc['n']} samples) | {100 * min(x for x in acc['per_class'] if x is not None):.1f}% | "
                    f"{r['fid_classifier_10k']:.1f} | {r['generator_steps']} | {wall} |"
                )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="training work directories")
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--per-caption", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--docs", default=os.path.join(os.path.dirname(HERE), "docs"))
    parser.add_argument("--output", default=os.path.join(HERE, "results", "conditional.json"))
    args = parser.parse_args(argv)
    results = []
    for run in args.runs:
        r = evaluate_run(run, args.per_class, args.per_caption, args.seed, args.docs)
        results.append(r)
        print(json.dumps({k: v for k, v in r.items() if k not in ("train_phrasings", "heldout_phrasings")}, default=str)[:600])
    write_json(args.output, results)
    table = markdown(results)
    with open(args.output[: -len(".json")] + ".md", "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
