"""A sequence model trained on real sentences (the BBE verses): NLL-test,
BLEU / self-BLEU (the Texygen protocol) and sample sentences at several
temperatures.

For each trained ``runs/<recipe>/``: the model's mean nats per token (its
own tokens, up to and including the end; ``zoo.sequences``) on every verse
of the dev and test splits (encoded with the model's vocabulary, truncated
to its length as in training), at each temperature; BLEU-2..5 of
``--bleu-samples`` sampled sentences, each against all 1,835 test verses
(their first ``length`` tokens, the words as written: a sampled ``<unk>``
matches nothing), and self-BLEU-2..5 of the same samples
(``zoo.eval.bleu``: NLTK's sentence BLEU, smoothing method1); and
``--samples`` sentences per temperature. The first row is real text: the
first ``--bleu-samples`` dev verses scored the same way, what a model that
writes like the held-out verses would reach.

    python benchmarks/sequence_text.py                 # runs/mle_lm_bbe, runs/gumbel_gan_bbe
    python benchmarks/sequence_text.py --recipes mle_lm_bbe --samples 5
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

RECIPES = ("mle_lm_bbe", "gumbel_gan_bbe")
ORDERS = (2, 3, 4, 5)
TEMPERATURES = (0.7, 1.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs"))
    parser.add_argument("--temperatures", nargs="*", type=float, default=list(TEMPERATURES))
    parser.add_argument("--samples", type=int, default=8, help="sentences printed per temperature")
    parser.add_argument("--bleu-samples", type=int, default=1000, help="sentences scored by BLEU / self-BLEU")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "sequence_text.json"))
    args = parser.parse_args(argv)

    from likelihood_models import cpu
    from zoo import data as zoo_data
    from zoo import files, recipes as zoo_recipes, text as zoo_text
    from zoo.eval import bleu

    def scores(hypotheses, references):
        return {"bleu": bleu.bleu(hypotheses, references, ORDERS), "self_bleu": bleu.self_bleu(hypotheses, ORDERS)}

    rows, real = {}, {}
    for name in args.recipes:
        recipe = zoo_recipes.load(name)
        model = files.load_model(os.path.join(args.runs, recipe["name"], "model.keras"))
        summary = files.read_json(os.path.join(args.runs, recipe["name"], "summary.json"))
        d = recipe["data"]
        vocabulary = zoo_text.Vocabulary(model.vocabulary)
        row = {"steps": summary["generator_steps"], "train_seconds_last_run": summary["wall_seconds_this_run"],
               "sequences_per_s": summary.get("images_per_s_median"), "final_train_loss": summary["final_logs"].get("loss")}
        for split in ("dev", "test"):
            lines = zoo_text.read_lines(zoo_data.text_path(d["source"], split))
            ids, _ = vocabulary.encode(lines, model.length, longer=d.get("longer", "truncate"))
            unknown = float((ids == vocabulary.UNKNOWN).sum() / (ids != vocabulary.PAD).sum())
            row[split] = {"verses": len(ids), "unknown_token_share": unknown,
                          "nll": {str(t): float(model.nll(ids, temperature=t).mean()) for t in args.temperatures}}
        references = [zoo_text.tokenize(line)[:model.length]
                      for line in zoo_text.read_lines(zoo_data.text_path(d["source"], "test"))]
        if model.length not in real:  # real text at this length: the dev verses against the test verses
            dev = zoo_text.read_lines(zoo_data.text_path(d["source"], "dev"))[:args.bleu_samples]
            real[model.length] = {"verses": len(dev),
                                  **scores([zoo_text.tokenize(line)[:model.length] for line in dev], references)}
        row["bleu"] = {}
        for t in args.temperatures:
            start = time.perf_counter()
            sampled = vocabulary.token_lists(model.generate(args.bleu_samples, seed=args.seed, temperature=t))
            row["bleu"][str(t)] = {**scores(sampled, references), "seconds": time.perf_counter() - start}
        row["samples"] = {str(t): model.sample_text(args.samples, seed=args.seed, temperature=t)
                          for t in args.temperatures}
        rows[recipe["name"]] = row
        print(f"{recipe['name']}: NLL-test {row['test']['nll']} nats/token on {row['test']['verses']} verses")
        for t, lines in row["samples"].items():
            print(f"  temperature {t}:")
            for line in lines:
                print(f"    {line}")
    print(table(rows, real))
    result = {
        "protocol": ("NLL: mean over verses of each verse's mean nats per token (its words up to and including "
                     "the end; verses truncated to the model's length carry no end), all verses of the split, "
                     "encoded with the model's vocabulary (rarer words: <unk>); BLEU-n: NLTK sentence BLEU "
                     "(uniform weights over 1..n-grams, smoothing method1) of each of "
                     f"{args.bleu_samples} samples (seed {args.seed}) against all test verses (first length "
                     "tokens), averaged; self-BLEU-n: each of those samples against the others; real: the first "
                     f"{args.bleu_samples} dev verses in place of samples; printed samples: the first "
                     f"{args.samples} of seed {args.seed}"),
        "machine": cpu(),
        "real_dev_verses": {str(length): row for length, row in real.items()},
        "rows": rows,
    }
    files.write_json(args.out, result)
    print(f"Wrote {args.out}")


def table(rows, real):
    """The README's markdown table: one row per model and temperature."""
    head = " | ".join(f"BLEU-{n}" for n in ORDERS) + " | " + " | ".join(f"self-BLEU-{n}" for n in ORDERS)
    lines = [f"| model | T | NLL-test | {head} |", "|" + " --- |" * (3 + 2 * len(ORDERS))]

    def cells(s):
        return " | ".join(f"{s['bleu'][f'bleu{n}']:.3f}" for n in ORDERS) + " | " + " | ".join(
            f"{s['self_bleu'][f'bleu{n}']:.3f}" for n in ORDERS)

    for length, s in real.items():
        lines.append(f"| real dev verses ({s['verses']}, first {length} tokens) | - | - | {cells(s)} |")
    for name, row in rows.items():
        for t, s in row["bleu"].items():
            lines.append(f"| {name} | {t} | {row['test']['nll'][t]:.3f} | {cells(s)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
