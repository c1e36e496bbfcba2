"""The notes' comparison: VAE, RealNVP and GLO beside the GANs, measured
with the same evaluation (``zoo.eval.evaluate``) as the GAN rows, plus the
likelihood where the model defines one, and the training cost.

For each trained ``runs/<recipe>/`` of ``RECIPES``: the test-split
likelihood (VAE: ELBO and the IWAE bound with ``--k`` samples on
dynamically binarized test digits; the Gaussian VAE and RealNVP: bits/dim
of uniformly dequantized test images), then samples scored by
``zoo.eval.evaluate`` (report in ``benchmarks/results/eval/<recipe>.json``,
like ``evaluate_recipes.py``), the training curve, and a sample grid in
``docs/``. The GAN rows of the table are read from the reports
``evaluate_recipes.py`` wrote with the same protocol.

    python benchmarks/likelihood_models.py                       # every trained run (~5 min each)
    python benchmarks/likelihood_models.py --recipes vae_mnist -n 2000 --k 20 --tight-n 100
"""

import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

RECIPES = ("vae_mnist", "realnvp_mnist", "glo_mnist", "vae_fashion_mnist", "glo_fashion_mnist")
#: The GAN rows beside them: reports of evaluate_recipes.py (same n, classifier, split).
GAN_ROWS = {"mnist": ("gan_mnist", "dcgan_mnist", "sngan_mnist"),
            "fashion_mnist": ("dcgan_fashion_mnist", "lsgan_fashion_mnist", "sngan_fashion_mnist")}


def cpu():
    """The CPU and the flags that decide its speed here."""
    from suite import machine
    from zoo.cpu import cpu_flags

    flags = set(cpu_flags())
    have = [name for name, flag in (("AVX2", "avx2"), ("AVX-512", "avx512f"), ("AVX512-BF16", "avx512_bf16"),
                                    ("AMX", "amx_tile")) if flag in flags]
    return {**machine(), "cpu_flags": have}


def likelihood(model, test, k, tight_k, tight_n, seed):
    """Test-split likelihood figures with their protocol, or ``None`` (GLO)."""
    name = model.registry_name
    if name == "vae":
        start = time.perf_counter()
        elbo = model.elbo(test, seed=seed)
        iwae = model.iwae(test, k=k, seed=seed)
        tight = model.iwae(test[:tight_n], k=tight_k, seed=seed)
        same = iwae[:tight_n]
        out = {
            "elbo": float(-elbo.mean()), f"iwae_k{k}": float(-iwae.mean()),
            f"iwae_k{tight_k}_first{tight_n}": float(-tight.mean()), f"iwae_k{k}_first{tight_n}": float(-same.mean()),
            "seconds": time.perf_counter() - start,
        }
        if model.likelihood == "bernoulli":
            out.update(unit="nats", headline=out[f"iwae_k{k}"], protocol=(
                f"-log p(x) in nats per test image ({len(test)}), IWAE bound with k = {k}; each test pixel "
                f"binarized once ~ Bernoulli(intensity) (dynamic binarization, seed {seed})"))
        else:
            dims = int(math.prod(model.image_shape))
            bits = {key: float(model.bits_per_dim(-value)) for key, value in out.items()
                    if key.startswith(("elbo", "iwae"))}
            out.update(unit="bits/dim", bits=bits, headline=bits[f"iwae_k{k}"], protocol=(
                f"bits/dim of the {len(test)} test images (IWAE bound, k = {k}, {dims} dims), uniformly "
                f"dequantized once ((level + u) / 256, seed {seed})"))
        return out
    if name == "realnvp":
        start = time.perf_counter()
        bits = model.bits_per_dim(test, seed=seed)
        return {"unit": "bits/dim", "headline": float(bits.mean()), "bits_std_error": float(bits.std() / len(bits) ** 0.5),
                "seconds": time.perf_counter() - start,
                "protocol": f"exact bits/dim of the {len(test)} test images, uniformly dequantized once "
                            f"((level + u) / 256, seed {seed})"}
    return None


def glo_generator_on_its_codes(model, dataset, n, output):
    """GLO's generator scored on ``n`` of its own training codes (G(z_i), not
    samples): how far the samples' gap is the Gaussian prior's, not G's."""
    import numpy as np

    from zoo.eval import evaluate

    report = evaluate.evaluate(
        lambda k, seed: model.reconstruct(np.random.default_rng(seed).choice(model.num_codes, k, replace=False)),
        dataset, n=n, memorization=False, output=output)
    metrics = report["classifier"]
    return {key: metrics[key] for key in ("fid", "precision", "recall")}


def curve(summary):
    """The per-epoch training loss a run logged: ``(name, values)``."""
    history = summary["history"]
    key = "bits_per_dim" if "bits_per_dim" in history else "loss"
    return key, history[key]


LOSS_UNITS = {"vae": "-ELBO, nats (train)", "glo": "Lap1 + MSE (train)", "realnvp": "bits/dim (train)"}


def plot_curves(runs, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(runs), figsize=(4 * len(runs), 3.2), squeeze=False)
    for ax, (name, model_name, summary) in zip(axes[0], runs):
        key, values = curve(summary)
        ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3)
        ax.set_title(f"{name}\n{summary['generator_steps']} steps, {summary['wall_seconds_this_run'] / 60:.0f} min")
        ax.set_xlabel("epoch")
        ax.set_ylabel(LOSS_UNITS.get(model_name, key))
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(rows):
    from evaluate_recipes import METRIC_HEADER, metric_cells

    header = ("model (recipe)", "trained", *METRIC_HEADER, "test likelihood", "training time")
    lines = ["| " + " | ".join(header) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in METRIC_HEADER) + " | ---: | --- |"]
    for row in rows:
        lik = row.get("likelihood")
        lik = f"{lik['headline']:.3f} {lik['unit']}" if lik else "none"
        lines.append(f"| {row['recipe']} | {row['trained']} | " + " | ".join(metric_cells(row["report"]))
                     + f" | {lik} | {row['time']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="generated samples per row (the GAN rows used 10000)")
    parser.add_argument("--k", type=int, default=100, help="IWAE samples per test image")
    parser.add_argument("--tight-k", type=int, default=1000, help="IWAE samples on the first --tight-n test images")
    parser.add_argument("--tight-n", type=int, default=1000)
    parser.add_argument("--test-n", type=int, help="score the likelihood on this many test images (default all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs"))
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"), help="where sample grids and curves go")
    parser.add_argument("--memorization-train", type=int, help="training images searched (default all)")
    args = parser.parse_args(argv)

    import keras

    import zoo  # noqa: F401
    from zoo import data, images, recipes
    from zoo.eval import evaluate

    eval_dir = os.path.join(args.out, "eval")
    os.makedirs(eval_dir, exist_ok=True)
    os.makedirs(args.docs, exist_ok=True)
    # Rows of earlier runs of this script stay (re-evaluate one recipe at a time).
    out_json = os.path.join(args.out, "likelihood_models.json")
    previous = {}
    if os.path.exists(out_json):
        with open(out_json) as f:
            previous = json.load(f).get("rows", {})
    results = {"machine": cpu(), "n": args.n, "rows": previous}
    trained_runs = []
    for name in args.recipes:
        recipe = recipes.load(name)
        path = os.path.join(args.runs, name, "model.keras")
        if not os.path.exists(path):
            print(f"skip {name}: no {path} (train it with `gan-zoo train {name}`)", flush=True)
            continue
        dataset = recipe["data"]["source"]
        model = keras.saving.load_model(path)
        with open(os.path.join(args.runs, name, "summary.json")) as f:
            summary = json.load(f)
        test = data.arrays(dataset, split="test")[: args.test_n]
        lik = likelihood(model, test, args.k, args.tight_k, args.tight_n, args.seed)
        report = evaluate.evaluate(lambda k, seed: model.generate(k, seed=seed), dataset, n=args.n,
                                   memorization_train=args.memorization_train,
                                   output=os.path.join(eval_dir, f"{name}.json"))
        images.save_grid(model.generate(64, seed=1234), os.path.join(args.docs, f"{name}_samples.png"), scale=2)
        generator_alone = None
        if model.registry_name == "glo":
            generator_alone = glo_generator_on_its_codes(model, dataset, args.n, os.path.join(eval_dir, f"{name}_codes.json"))
        minutes = summary["wall_seconds_this_run"] / 60
        results["rows"][name] = {
            "recipe": f"{model.registry_name} ({name})", "dataset": dataset, "likelihood": lik, "model": model.registry_name,
            "trained": f"{summary['epochs']} ep / {summary['generator_steps']} steps",
            "time": f"{minutes:.1f} min, {summary['images_per_s_median']:.0f} img/s (this CPU)",
            "summary": {k: summary[k] for k in ("epochs", "generator_steps", "wall_seconds_this_run",
                                                "images_per_s_median", "final_logs", "history")},
            "measured": results["machine"]["date"]}
        if generator_alone:
            results["rows"][name]["generator_on_codes"] = generator_alone
        print(f"{name}: likelihood {lik}\n{evaluate.summary(report)}", flush=True)
    by_dataset, sections = {}, []
    for name in RECIPES:
        row = results["rows"].get(name)
        stored = os.path.join(eval_dir, f"{name}.json")
        if row is None or not os.path.exists(stored):
            continue
        with open(stored) as f:
            by_dataset.setdefault(row["dataset"], []).append(dict(row, report=json.load(f)))
        trained_runs.append((name, row["model"], row["summary"]))
    for dataset, rows in by_dataset.items():
        gans = []
        for name in GAN_ROWS.get(dataset, ()):
            stored = os.path.join(eval_dir, f"{name}.json")
            if os.path.exists(stored):
                with open(stored) as f:
                    report = json.load(f)
                gans.append({"recipe": f"{name.split('_')[0]} ({name})", "report": report, "likelihood": None,
                             "trained": "see README", "time": "README (measured on the earlier AVX512-BF16 CPU)"})
        protocol = rows[0]["report"]["protocol"]["extractors"]["classifier"]
        liks = "; ".join(f"{r['recipe']}: {r['likelihood']['protocol']}" for r in rows if r["likelihood"])
        codes = "".join(
            f" {r['recipe']}'s generator on {args.n} of its own training codes (G(z_i), not samples): cFID "
            f"{r['generator_on_codes']['fid']:.2f}, precision {r['generator_on_codes']['precision']:.3f}, recall "
            f"{r['generator_on_codes']['recall']:.3f}." for r in rows if r.get("generator_on_codes"))
        sections.append(
            f"### {dataset}\n\n{args.n} samples per row against the {protocol['reference_images']} test images; "
            f"features of the {protocol['extractor']} domain classifier (sha256 {protocol['sha256'][:12]}); "
            f"copies: the share of samples closer to a training image than the 1st percentile of test-to-train "
            f"distances. Likelihood: {liks or 'none'}.{codes}\n\n{table(rows + gans)}\n")
    m = results["machine"]
    header = (f"Measured {m['date']} on {m['machine']} (flags: {', '.join(m['cpu_flags']) or 'none of AVX2/AVX-512/BF16/AMX'}); "
              f"{m['versions']}. Training times: the runs' `summary.json` (trained on this machine).\n\n")
    with open(os.path.join(args.out, "likelihood_models.md"), "w") as f:
        f.write(header + "\n".join(sections))
    with open(out_json, "w") as f:
        json.dump(results, f, indent=2, default=float)
    if trained_runs:
        plot_curves(trained_runs, os.path.join(args.docs, "likelihood_curves.png"))
    print(header + "\n".join(sections))


if __name__ == "__main__":
    main()
