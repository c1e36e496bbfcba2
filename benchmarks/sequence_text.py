"""A sequence model trained on real sentences (the BBE verses): NLL-test on
the held-out splits and sample sentences at several temperatures.

For each trained ``runs/<recipe>/``: the model's mean nats per token (its
own tokens, up to and including the end; ``zoo.sequences``) on every verse
of the dev and test splits (encoded with the model's vocabulary, truncated
to its length as in training), at each temperature; and ``--samples``
sentences per temperature with a fixed seed. BLEU / self-BLEU (the Texygen
protocol) are not computed: no maintained BLEU package (sacreBLEU, NLTK) is
installed here, and a hand-written one is not a reference.

    python benchmarks/sequence_text.py                         # runs/mle_lm_bbe
    python benchmarks/sequence_text.py --recipes mle_lm_bbe --samples 5
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

RECIPES = ("mle_lm_bbe",)
TEMPERATURES = (0.7, 1.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs"))
    parser.add_argument("--temperatures", nargs="*", type=float, default=list(TEMPERATURES))
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "sequence_text.json"))
    args = parser.parse_args(argv)

    from likelihood_models import cpu
    from zoo import data as zoo_data
    from zoo import files, recipes as zoo_recipes, text as zoo_text

    rows = {}
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
        row["samples"] = {str(t): model.sample_text(args.samples, seed=args.seed, temperature=t)
                          for t in args.temperatures}
        rows[recipe["name"]] = row
        print(f"{recipe['name']}: NLL-test {row['test']['nll']} nats/token on {row['test']['verses']} verses")
        for t, lines in row["samples"].items():
            print(f"  temperature {t}:")
            for line in lines:
                print(f"    {line}")
    result = {
        "protocol": ("NLL: mean over verses of each verse's mean nats per token (its words up to and including "
                     "the end; verses truncated to the model's length carry no end), all verses of the split, "
                     "encoded with the model's vocabulary (rarer words: <unk>); samples: seed "
                     f"{args.seed}, the first {args.samples}"),
        "machine": cpu(),
        "rows": rows,
    }
    files.write_json(args.out, result)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
