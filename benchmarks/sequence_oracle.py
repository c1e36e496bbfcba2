"""SeqGAN's synthetic benchmark: sequence models trained on 10,000 samples
of the paper's oracle LSTM, scored by the oracle.

For each recipe and seed: trains (or resumes) ``runs/<recipe>_seed<k>``
with ``train.seed=k``, then measures at each sampling temperature

* NLL-oracle: the oracle's mean negative log-likelihood (nats per token) of
  ``-n`` sequences sampled from the model (quality: lower is closer to the
  oracle's own samples, about 5.73);
* NLL-test: the model's (at that temperature) on ``-n`` held-out sequences
  of the oracle's test split (``zoo.data.ORACLE_SPLIT_SEEDS``; diversity:
  a model that drops modes of the oracle scores them badly).

An untrained model of the same recipe is the "random generator" row. The
published rows (Yu et al. 2017, Table 1; Nie et al. 2019) are printed
beside ours. Results go to ``benchmarks/results/sequence_oracle.json``.

    python benchmarks/sequence_oracle.py                                  # mle_lm_oracle, seeds 0 1 2 (~15 min each)
    python benchmarks/sequence_oracle.py --recipes mle_lm_oracle --seeds 0 --epochs 2 -n 500   # a quick look
    python benchmarks/sequence_oracle.py --recipes seqgan_oracle --seeds 0 --set kwargs.d_steps=15 \
        --runs runs/attempt_d15 --out benchmarks/results/sequence_oracle_seqgan_d15.json --curve   # a variant
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

RECIPES = ("mle_lm_oracle",)  # seqgan_oracle: --recipes seqgan_oracle --seeds 0 (it needs runs/mle_lm_oracle)
TEMPERATURES = (0.5, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5)
#: NLL-oracle at length 20, as published.
PUBLISHED = {
    "random generator (Yu et al. 2017)": 10.310,
    "MLE (Yu et al. 2017)": 9.038,
    "SeqGAN (Yu et al. 2017)": 8.736,
    "LeakGAN (Nie et al. 2019, Table 1)": 7.038,
    "RelGAN (Nie et al. 2019, Table 1)": 6.680,
}


def score(model, oracle, test, n, temperatures, seed):
    """``{temperature: {"nll_oracle", "nll_test"}}`` of one model."""
    out = {}
    for t in temperatures:
        samples = model.generate(n, seed=seed, temperature=t)
        out[str(t)] = {"nll_oracle": float(oracle.nll(samples).mean()),
                       "nll_test": float(model.nll(test, temperature=t).mean())}
    return out


def discriminator_report(model, train, test, n, seed):
    """What a GAN's trained D rewards: its mean probability of "real" on
    ``n`` of the training sequences, ``n`` held-out oracle sequences and
    ``n`` fresh samples of G, and its accuracy on held-out vs samples
    (threshold 0.5; 0.5 = chance). A D that scores the training sequences
    far above held-out ones of the same oracle has learnt the training set,
    not the oracle. ``None`` for a model without a D (``real_probability``)."""
    if not hasattr(model, "real_probability"):
        return None
    import numpy as np

    n = min(n, len(train), len(test))
    fake = model.generate(n, seed=seed, temperature=1.0)
    p = {name: np.asarray(model.real_probability(rows)).astype("float64")
         for name, rows in (("train", train[:n]), ("test", test[:n]), ("samples", fake))}
    accuracy = ((p["test"] > 0.5).mean() + (p["samples"] <= 0.5).mean()) / 2
    return {"p_real_train": float(p["train"].mean()), "p_real_test": float(p["test"].mean()),
            "p_real_samples": float(p["samples"].mean()), "accuracy_test_vs_samples": float(accuracy),
            "n": int(n)}


def checkpoint_curve(recipe, workdir, oracle, n, seed):
    """``{epoch: NLL-oracle}`` at T = 1 (``n`` samples, noise ``seed``) of
    the generator at each checkpoint the run kept (its last few epochs):
    how steady the end of a training is, for a GAN whose score oscillates."""
    from zoo import callbacks, distribute
    from zoo import train as zoo_train

    model = zoo_train.build_model(recipe, distribute.make_strategy("default"))
    saved = callbacks.EpochCheckpoint(model, os.path.join(workdir, "checkpoints"))
    curve = {}
    for path in saved.manager.checkpoints:
        saved.checkpoint.restore(path).expect_partial()
        curve[str(int(saved.epochs_done.numpy()))] = float(oracle.nll(model.generate(n, seed=seed)).mean())
    return curve


def train_seed(recipe_name, seed, runs, epochs, verbose, extra=()):
    """``(model, summary, recipe)`` of ``runs/<recipe>_seed<seed>``, trained
    first if unfinished; ``extra``: further recipe overrides."""
    from zoo import files
    from zoo import recipes as zoo_recipes
    from zoo import train as zoo_train

    overrides = [f"train.seed={seed}"] + ([f"train.epochs={epochs}"] if epochs else []) + list(extra)
    recipe = zoo_recipes.load(recipe_name, overrides)
    workdir = os.path.join(runs, f"{recipe['name']}_seed{seed}")
    try:
        zoo_train.train(recipe, workdir, verbose=verbose)
    except zoo_train.RunFinished:
        pass
    return files.load_model(os.path.join(workdir, "model.keras")), files.read_json(os.path.join(workdir, "summary.json")), recipe


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("-n", type=int, default=10_000, help="sampled and held-out sequences per measure (paper: 10,000)")
    parser.add_argument("--epochs", type=int, help="override train.epochs (quick looks; default: the recipe's)")
    parser.add_argument("--temperatures", nargs="*", type=float, default=list(TEMPERATURES))
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs"))
    parser.add_argument("--out", default=os.path.join(HERE, "results", "sequence_oracle.json"))
    parser.add_argument("--set", nargs="*", default=[], metavar="SECTION.KEY=VALUE",
                        help="recipe overrides of every trained run (e.g. kwargs.d_steps=15); give --runs and --out "
                             "elsewhere too, so that the README's runs and results stay")
    parser.add_argument("--verbose", type=int, default=2)
    parser.add_argument("--curve", action="store_true",
                        help="also score (NLL-oracle, T = 1) every checkpoint each run kept")
    args = parser.parse_args(argv)

    import numpy as np

    from likelihood_models import cpu
    from zoo import data as zoo_data
    from zoo import distribute, files, recipes as zoo_recipes, train as zoo_train

    rows = {}
    for name in args.recipes:
        recipe = zoo_recipes.load(name)
        name = recipe["name"]  # a recipe given by path is named after its file
        data = recipe["data"]
        oracle = zoo_data.oracle_of(data["source"], length=data.get("length", 20))
        test, _ = zoo_data.token_arrays(data["source"], "oracle", split="test", length=data.get("length", 20),
                                        num_sequences=args.n)
        train_rows = zoo_train.training_arrays(data)  # what D saw as real
        untrained = zoo_train.build_model(recipe, distribute.make_strategy("default"))
        rows[f"{name} untrained"] = {"seeds": {"0": score(untrained, oracle, test, args.n, [1.0], seed=1000)}}
        seeds = {}
        for seed in args.seeds:
            start = time.perf_counter()
            model, summary, used = train_seed(recipe["path"], seed, args.runs, args.epochs, args.verbose, args.set)
            scores = score(model, oracle, test, args.n, args.temperatures, seed=1000 + seed)
            seeds[str(seed)] = dict(
                scores, discriminator=discriminator_report(model, train_rows, test, min(args.n, 2000), 2000 + seed),
                steps=summary["generator_steps"], epochs=used["train"]["epochs"],
                train_seconds_last_run=summary["wall_seconds_this_run"],
                sequences_per_s=summary.get("images_per_s_median"), score_seconds=time.perf_counter() - start,
            )
            if args.curve:
                seeds[str(seed)]["checkpoint_nll_oracle"] = checkpoint_curve(
                    used, os.path.join(args.runs, f"{used['name']}_seed{seed}"), oracle, args.n, seed=1000 + seed)
                print(f"  NLL-oracle at the kept checkpoints (epoch: value): {seeds[str(seed)]['checkpoint_nll_oracle']}",
                      flush=True)
            t1 = scores["1.0"]
            print(f"{name} seed {seed}: NLL-oracle {t1['nll_oracle']:.3f}, NLL-test {t1['nll_test']:.3f} "
                  f"({summary['generator_steps']} steps)", flush=True)
            d = seeds[str(seed)]["discriminator"]
            if d:
                print(f"  D's mean P(real): training sequences {d['p_real_train']:.3f}, held-out oracle sequences "
                      f"{d['p_real_test']:.3f}, G's samples {d['p_real_samples']:.3f}; held-out vs samples "
                      f"accuracy {d['accuracy_test_vs_samples']:.3f} ({d['n']} each)", flush=True)
        rows[name] = {"seeds": seeds, **({"overrides": args.set} if args.set else {})}
        for t in args.temperatures:
            values = {k: [s[str(t)][k] for s in seeds.values()] for k in ("nll_oracle", "nll_test")}
            rows[name][str(t)] = {k: {"mean": float(np.mean(v)), "std": float(np.std(v))} for k, v in values.items()}

    result = {
        "protocol": (f"NLL-oracle: the oracle's mean nats/token of {args.n} sequences sampled from each model "
                     f"(noise seed 1000 + training seed); NLL-test: the model's mean nats/token of {args.n} "
                     "sequences of the oracle's test split (sampled with seed "
                     f"{zoo_data.ORACLE_SPLIT_SEEDS['test']}); training data: the oracle's train split "
                     f"(seed {zoo_data.ORACLE_SPLIT_SEEDS['train']}); training seeds {args.seeds}; GANs' discriminator: "
                     f"its mean P(real) on {min(args.n, 2000)} training sequences, as many held-out ones and "
                     "as many samples (noise seed 2000 + training seed)"),
        "machine": cpu(),
        "published_nll_oracle": PUBLISHED,
        "rows": rows,
    }
    if os.path.exists(args.out):  # rows of other recipes measured earlier stay
        earlier = files.read_json(args.out)
        result["rows"] = {**{k: v for k, v in earlier.get("rows", {}).items() if k not in rows}, **rows}
        rows = result["rows"]
    files.write_json(args.out, result)
    print("\n| model | NLL-oracle (T = 1) | NLL-test (T = 1) |\n|---|---|---|")
    for label, value in PUBLISHED.items():
        print(f"| {label} | {value:.3f} | |")
    for name, row in rows.items():
        if "1.0" in row:
            o, t = row["1.0"]["nll_oracle"], row["1.0"]["nll_test"]
            print(f"| {name} (ours, {len(row['seeds'])} seeds) | {o['mean']:.3f} ± {o['std']:.3f} | "
                  f"{t['mean']:.3f} ± {t['std']:.3f} |")
        else:
            s = row["seeds"]["0"]["1.0"]
            print(f"| {name} (ours) | {s['nll_oracle']:.3f} | {s['nll_test']:.3f} |")
    print(f"\nWrote {args.out}")


if __name__ == "__main__":
    main()
