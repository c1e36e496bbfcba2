"""Unpaired text style transfer YLT <-> BBE, scored on the whole test split
(1,835 aligned verses), both directions: style accuracy (the shipped
``style_ylt_bbe`` classifier, ``zoo.eval.style``), sacreBLEU against the
reference verse of the target style and against the source (self-BLEU),
PINC, the share of outputs that copy their input, and fluency: the
perplexity of the outputs under a language model of the target style
(``mle_lm_{ylt,bbe}_fluency``, trained on that style's training verses;
``zoo.eval.style.fluency``).

Rows: the real target verse (``reference``: the fluency of real text),
the two baselines, then every trained ``runs/<recipe>/model.keras`` given
(or a pair of exports, ``LABEL=.../name_{direction}``):

* ``copy``: the input itself (YLT -> BBE: 15.05 sacreBLEU cased, the
  dataset's note; ours is lower-cased, as our models write);
* ``nearest``: a dictionary-free retrieval baseline: the training sentence
  of the target style (the half unpaired training reads) with the highest
  TF-IDF cosine to the input (word tokens of ``zoo.text.tokenize``);
* ``text_cyclegan_ylt_bbe`` (unpaired) and ``text_cyclegan_paired_ylt_bbe``
  (supervised upper bound on the aligned training verses): greedy
  translations of the full verses (the models read and write at most
  ``length`` tokens: longer verses are cut, which costs BLEU against the
  full reference; the table says how many).

BLEU: sacreBLEU 2.x ``corpus_bleu``, 13a tokenizer, lower-cased, one
reference. The published supervised rows (Moses 24.01, seq2seq 24.94 YLT ->
BBE, Carlson et al. 2018) used multi-bleu.perl on their own tokenization
(cased): comparable in kind, not to the decimal.

    python benchmarks/style_transfer.py
    python benchmarks/style_transfer.py --recipes text_cyclegan_ylt_bbe --limit 300   # a quick look
    python benchmarks/style_transfer.py --recipes --models pretrained=runs/pretrained/model.keras
    python benchmarks/style_transfer.py --recipes --models paired=saved_models/text_cyclegan_paired_ylt_bbe_{direction}
"""

import argparse
import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

RECIPES = ("text_cyclegan_ylt_bbe", "text_cyclegan_paired_ylt_bbe")
SOURCE = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "bible_style", "ylt_bbe", "{split}.{style}.txt")
STYLES = ("ylt", "bbe")
FLUENCY_RECIPE = "mle_lm_{}_fluency"


def nearest_neighbour(queries, pool):
    """For each query, the ``pool`` sentence of highest TF-IDF cosine."""
    import numpy as np
    from scipy import sparse

    from zoo import text as zoo_text

    index = {}
    docs = [[index.setdefault(w, len(index)) for w in zoo_text.tokenize(s)] for s in pool]
    query_docs = [[index[w] for w in zoo_text.tokenize(s) if w in index] for s in queries]

    def matrix(rows):
        data, cols, ptr = [], [], [0]
        for row in rows:
            ids, counts = np.unique(row, return_counts=True) if row else (np.zeros(0, int), np.zeros(0))
            cols.extend(ids.tolist())
            data.extend(counts.tolist())
            ptr.append(len(cols))
        return sparse.csr_matrix((np.asarray(data, float), cols, ptr), shape=(len(rows), len(index)))

    pool_m, query_m = matrix(docs), matrix(query_docs)
    idf = np.log((1 + len(pool)) / (1 + np.asarray((pool_m > 0).sum(axis=0)).ravel())) + 1.0

    def normalized(m):
        m = m.multiply(idf).tocsr()
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        return sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ m

    scores = normalized(query_m) @ normalized(pool_m).T
    best = np.asarray(scores.argmax(axis=1)).ravel()
    return [pool[i] for i in best]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs"))
    parser.add_argument("--models", nargs="*", default=[], metavar="LABEL=PATH",
                        help="more rows: a .keras file or work directory each, under a label")
    parser.add_argument("--source", default=SOURCE)
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None, help="score the first N verses only")
    parser.add_argument("--examples", type=int, default=3, help="example translations printed per row")
    parser.add_argument("--fit-length", type=int, default=32,
                        help="also score the verses whose source has fewer tokens than this (none is cut)")
    parser.add_argument("--fluency", nargs="*", default=[f"{s}={os.path.join(ROOT, 'runs', FLUENCY_RECIPE.format(s))}"
                                                          for s in STYLES], metavar="STYLE=PATH",
                        help="each style's language model (an mle_lm .keras or work directory): fluency of "
                             "the outputs under the target style's; a missing one is skipped with a note")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "style_transfer.json"))
    args = parser.parse_args(argv)

    from zoo import data as zoo_data
    from zoo import export, files, recipes as zoo_recipes, text as zoo_text
    from zoo.eval import style

    judge = style.load("style_ylt_bbe")
    judges, fluency_paths = {}, []
    for item in args.fluency:
        name, _, path = item.partition("=")
        if name not in STYLES or not path:
            raise SystemExit(f"--fluency takes STYLE=PATH with STYLE one of {STYLES}, got {item!r}.")
        if not os.path.exists(path):
            print(f"no fluency column for {name}: no {path} (train it with "
                  f"`gan-zoo train {FLUENCY_RECIPE.format(name)}`)", file=sys.stderr)
            continue
        path = files.keras_file(path)
        judges[name] = files.load_model(path)
        fluency_paths.append(os.path.relpath(path, ROOT))
    sides = dict(zip(STYLES, zoo_data.style_lines(args.source, list(STYLES), args.split)))
    if args.limit:
        sides = {k: v[: args.limit] for k, v in sides.items()}
    train = dict(zip(STYLES, zoo_data.style_lines(args.source, list(STYLES), "train")))
    directions = {"a2b": ("ylt", "bbe"), "b2a": ("bbe", "ylt")}

    def score(name, translate, note=""):
        row = {"note": note}
        for direction, (source, target) in directions.items():
            start = time.time()
            outputs = translate(direction, sides[source])
            fits = [i for i, x in enumerate(sides[source]) if len(zoo_text.tokenize(x)) + 1 <= args.fit_length]
            subset = style.content_scores(*([side[i] for i in fits] for side in (sides[source], outputs, sides[target])))
            row[direction] = {**style.transfer_scores(judge, sides[source], outputs, sides[target], target),
                              "fluency": style.fluency(judges[target], outputs) if target in judges else None,
                              "fitting": {"verses": len(fits), "bleu": subset["bleu"]},
                              "seconds": round(time.time() - start, 1),
                              "examples": [[s, o, r] for s, o, r in
                                           list(zip(sides[source], outputs, sides[target]))[: args.examples]]}
        rows[name] = row

    rows = {}
    score("reference", lambda direction, sources: list(sides[directions[direction][1]]),
          "the real verse of the target style (what a perfect transfer writes)")
    score("copy", lambda direction, sources: list(sources), "the input itself")
    score("nearest", lambda direction, sources: nearest_neighbour(sources, train[directions[direction][1]]),
          "TF-IDF nearest training sentence of the target style")
    trained = []
    for name in args.recipes:
        recipe = zoo_recipes.load(name)
        path = os.path.join(args.runs, recipe["name"], "model.keras")
        if not os.path.exists(path):
            print(f"skipped {recipe['name']}: no {path} (train it with `gan-zoo train {name}`)", file=sys.stderr)
            continue
        trained.append((recipe["name"], path))
    for item in args.models:
        label, _, path = item.partition("=")
        if not path:
            raise SystemExit(f"--models takes LABEL=PATH, got {item!r}.")
        if "{direction}" in path:  # one export per direction (gan-zoo export's <name>_a2b / _b2a)
            exports = {d: export.text_translator(path.format(direction=d)) for d in directions}
            score(label, lambda direction, sources, exports=exports: exports[direction](sources)[0],
                  f"the exports {os.path.relpath(path, ROOT)}")
            continue
        trained.append((label, files.keras_file(path)))
    for label, path in trained:
        model = files.load_model(path)
        summary_path = os.path.join(os.path.dirname(path), "summary.json")
        summary = files.read_json(summary_path) if os.path.exists(summary_path) else {
            "generator_steps": int(model.g_optimizer.iterations.numpy())}
        cut = {s: sum(len(zoo_text.tokenize(x)) + 1 > model.length for x in sides[s]) for s in STYLES}

        def translate(direction, sources, model=model):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the cut verses are counted in the note
                return model.translate(sources, direction=direction)

        score(label, translate,
              f"{summary.get('generator_steps', '?')} steps; "
              f"inputs cut to {model.length} tokens: {cut['ylt']} YLT / {cut['bbe']} BBE verses")

    verses = len(sides["ylt"])
    files.write_json(args.out, {"protocol": {
        "split": args.split, "verses": verses, "bleu": "sacreBLEU corpus_bleu, 13a, lowercase, 1 reference",
        "style_classifier": {k: judge.info.get(k) for k in ("test_accuracy", "sha256")},
        "fluency": {name: {"language_model": path, "vocabulary": len(lm.vocabulary), "length": lm.length}
                    for (name, lm), path in zip(judges.items(), fluency_paths)},
    }, "rows": rows})
    fit_a, fit_b = (next(iter(rows.values()))[d]["fitting"]["verses"] for d in ("a2b", "b2a"))

    def perplexity(cell):
        return f"{cell['fluency']['perplexity']:.1f}" if cell.get("fluency") else "-"

    print(f"| system | YLT->BBE BLEU | (on {fit_a} short) | style acc | perplexity (BBE LM) | self-BLEU | PINC | "
          f"BBE->YLT BLEU | (on {fit_b} short) | style acc | perplexity (YLT LM) | note |  ({verses} {args.split} "
          f"verses; short: under {args.fit_length} tokens)")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        a, b = row["a2b"], row["b2a"]
        print(f"| {name} | {a['bleu']:.2f} | {a['fitting']['bleu']:.2f} | {a['style_accuracy']:.3f} | "
              f"{perplexity(a)} | {a['self_bleu']:.2f} | {a['pinc']:.3f} | {b['bleu']:.2f} | "
              f"{b['fitting']['bleu']:.2f} | {b['style_accuracy']:.3f} | {perplexity(b)} | {row['note']} |")
    for name, row in rows.items():
        for source, output, reference in row["a2b"]["examples"]:
            print(f"\n[{name}] YLT: {source}\n  -> {output}\n  BBE: {reference}")


if __name__ == "__main__":
    main()
