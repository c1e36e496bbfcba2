"""What the truncation trick buys an image GAN: quality against diversity.

``model.generate(n, seed=, truncation=t)`` redraws every latent component
beyond ``t`` standard deviations (Brock et al. 2019;
``zoo.conditions.truncate``). This scores one trained run at each
threshold with ``zoo.eval.evaluate`` (``-n`` samples, latent seed
``--seed``, against the test split, features of the shipped classifier):
cFID, precision (samples that look like real ones) and recall (real ones
the samples cover), class score, classes covered and the largest class's
share of the samples. Every row starts from the same latents; a component
inside the threshold is kept, so rows differ only where the truncation
redraws.

    python benchmarks/training_options.py --variants ema5="train.epochs=5"   # the run scored in the README
    python benchmarks/truncation.py runs/options_dcgan_mnist_ema5/model.keras
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

#: ``None``: no truncation (the first row, what ``generate`` gives by default).
THRESHOLDS = (None, 2.0, 1.5, 1.0, 0.5)


def threshold(text):
    """``none`` or a positive number of standard deviations."""
    return None if text.lower() == "none" else float(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a trained image GAN's model.keras (its run's recipe.json names the dataset)")
    parser.add_argument("--thresholds", type=threshold, nargs="+", default=list(THRESHOLDS),
                        help="truncations in standard deviations; 'none' for none")
    parser.add_argument("-n", type=int, default=10_000, help="samples scored per row")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "truncation.json"))
    args = parser.parse_args(argv)

    from likelihood_models import cpu
    from sampling import load_run, truncated_sampler
    from zoo import files
    from zoo.eval import evaluate

    model, dataset = load_run(args.model)
    rows = []
    for t in args.thresholds:
        start = time.perf_counter()
        report = evaluate.evaluate(truncated_sampler(model, t), dataset, n=args.n, memorization=False,
                                   seed=args.seed)
        c, modes = report["classifier"], report.get("modes", {})
        rows.append({"truncation": t, "cfid": c["fid"], "precision": c["precision"], "recall": c["recall"],
                     "class_score": c["score"], "classes_covered": modes.get("classes_covered"),
                     "largest_class_share": modes.get("max_class_share"), "seconds": time.perf_counter() - start})
        print(f"truncation {'none' if t is None else t:>4}  cFID {c['fid']:7.2f}  precision {c['precision']:.3f}  "
              f"recall {c['recall']:.3f}  class score {c['score']:.2f}", flush=True)
    files.write_json(args.out, {
        "model": args.model, "machine": cpu(), "rows": rows,
        "protocol": (f"{args.n} samples of model.generate(n, seed={args.seed}, truncation=t) (the average with "
                     f"ema_decay) against the {dataset} test split, features of the shipped classifier "
                     f"(zoo.eval.evaluate)"),
    })


if __name__ == "__main__":
    main()
