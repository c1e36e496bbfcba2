"""The notes' anime-face story, measured: what a recipe's samples look like
and how far they are from real faces after 1,000, 2,000, 5,000 ... updates.

Splits the face folder (sorted file names: the last ``--test`` files are
held out, never trained on), trains ``--recipe`` (default
``sngan_anime_faces``, whose "epoch" is 250 updates) in stages up to each
``--milestones`` epoch (resuming; a finished stage is not retrained) and
keeps a copy of each stage's checkpoint in ``<workdir>/milestones/``. Then
for each milestone it generates ``--samples`` faces (the generator the
exports use: the EMA when the recipe has one) and measures, with no
ImageNet weights anywhere:

* the classifier two-sample test (``zoo.eval.two_sample``): a small CNN
  trained from scratch, 5-fold cross-validated, tells the samples from as
  many held-out real faces; held-out accuracy, 50% = indistinguishable to
  it;
* FID, KID (subsets of 500) and precision / recall (k = 3) on the
  features of the shipped faces encoder (``zoo.eval.encoders``: an
  autoencoder trained on the training faces only, 256-d bottleneck);
* the same for as many real training faces in place of samples (the
  scale: what a perfect generator would score);
* for the last milestone, the memorization report
  (``zoo.eval.reports.memorization_report``): each sample's nearest
  training face in pixel space, mirrors included, against the same
  distance for held-out real faces.

Writes ``docs/<recipe>_progression.png`` (two rows of the fixed-latent
sample grid per milestone, top to bottom), ``docs/<recipe>_closest.png``
(the samples closest to a training face, each beside it) and
``benchmarks/results/anime_faces.json`` (merged by recipe).

    python benchmarks/anime_faces.py --source /path/to/anime_faces
    python benchmarks/anime_faces.py --source ... --recipe dcgan_anime_faces --milestones 8
"""

import argparse
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import zoo  # noqa: E402,F401  (first: it turns oneDNN on before TensorFlow loads)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from pix2pix_ablation import split_folder  # noqa: E402
from zoo import data as zoo_data  # noqa: E402
from zoo import distribute, files, recipes, train  # noqa: E402
from zoo.eval import encoders, frechet, metrics, reports, two_sample  # noqa: E402


def milestone_prefix(workdir, epoch):
    return os.path.join(workdir, "milestones", f"ckpt-{epoch}")


def keep_milestone(workdir, epoch):
    """Copies the run's checkpoint of ``epoch`` to ``milestones/`` (the run
    keeps only its last 3)."""
    source = os.path.join(workdir, "checkpoints", f"ckpt-{epoch}")
    target = milestone_prefix(workdir, epoch)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    for suffix in (".data-00000-of-00001", ".index"):
        if not os.path.exists(target + suffix):
            with files.atomic_path(target + suffix) as tmp:
                shutil.copyfile(source + suffix, tmp)


def train_to(recipe_name, overrides, workdir, epoch):
    """Trains (or resumes) the recipe up to ``epoch``; returns the stage's
    wall seconds (0 when it was already there)."""
    if os.path.exists(milestone_prefix(workdir, epoch) + ".index"):
        return 0.0
    recipe = recipes.load(recipe_name, overrides + [f"train.epochs={epoch}"])
    start = time.perf_counter()
    try:
        train.train(recipe, workdir, verbose=2)
    except train.RunFinished:
        pass
    keep_milestone(workdir, epoch)
    return time.perf_counter() - start


def restore(recipe_name, overrides, workdir, epoch):
    """The model as it was after ``epoch`` (from ``milestones/``)."""
    recipe = recipes.load(recipe_name, overrides)
    model = train.build_model(recipe, distribute.make_strategy("default"))
    state = tf.train.Checkpoint(epochs_done=tf.Variable(0, dtype=tf.int64), **model.checkpoint_objects())
    state.restore(milestone_prefix(workdir, epoch)).assert_existing_objects_matched()
    return model, int(state.epochs_done.numpy())


def encoder_metrics(encoder, real_features, fake):
    """FID, KID and precision / recall of ``fake`` against the held-out
    faces' features, in the encoder's feature space."""
    fake_features = encoder.features(fake)
    kid, kid_se = metrics.kid(real_features, fake_features, subset_size=min(500, len(fake)))
    precision, recall = metrics.precision_recall(real_features, fake_features, k=3)
    return {"fid": frechet.frechet_distance_from_features(real_features, fake_features), "kid": kid,
            "kid_std_error": kid_se, "precision": precision, "recall": recall}


def progression_png(workdir, milestones, steps_per_epoch, path, rows=2):
    """Top ``rows`` rows of each milestone's sample grid (fixed latents),
    stacked top to bottom, with the update count written on the left."""
    from PIL import Image, ImageDraw

    strips = []
    for epoch in milestones:
        grid = Image.open(os.path.join(workdir, "samples", f"epoch_{epoch:03d}.png")).convert("RGB")
        tile = grid.height // 8
        strip = grid.crop((0, 0, grid.width, rows * tile))
        label = Image.new("RGB", (72, strip.height), "white")
        ImageDraw.Draw(label).text((4, strip.height // 2 - 6), f"{epoch * steps_per_epoch:,}", fill="black")
        row = Image.new("RGB", (label.width + strip.width, strip.height))
        row.paste(label, (0, 0))
        row.paste(strip, (label.width, 0))
        strips.append(row)
    out = Image.new("RGB", (strips[0].width, sum(s.height for s in strips)), "white")
    y = 0
    for strip in strips:
        out.paste(strip, (0, y))
        y += strip.height
    with files.atomic_path(path) as tmp:
        out.save(tmp, format="PNG")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="the anime-face folder")
    parser.add_argument("--recipe", default="sngan_anime_faces")
    parser.add_argument("--milestones", type=int, nargs="+", default=[4, 8, 20],
                        help="epochs to measure at (sngan_anime_faces: 250 updates each)")
    parser.add_argument("--test", type=int, default=1000, help="held-out faces (the last in file order)")
    parser.add_argument("--samples", type=int, default=1000, help="generated faces per measurement (<= --test)")
    parser.add_argument("--encoder", default="anime_faces_encoder", help="shipped encoder name or .keras path")
    parser.add_argument("--override", nargs="*", default=[], help="recipe overrides (smoke tests)")
    parser.add_argument("--workroot", default=os.path.join("runs", "anime_faces"))
    parser.add_argument("--workdir", help="the run's folder (default <workroot>/<recipe>)")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"))
    parser.add_argument("--output", default=os.path.join(HERE, "results", "anime_faces.json"))
    args = parser.parse_args(argv)
    if args.samples > args.test:
        parser.error(f"--samples ({args.samples}) must be <= --test ({args.test}): the test compares equal sets.")

    data_root = os.path.join(args.workroot, "data")
    n_train, n_test = split_folder(args.source, data_root, args.test)
    overrides = [f"data.source={os.path.abspath(os.path.join(data_root, 'train'))}"] + args.override
    workdir = args.workdir or os.path.join(args.workroot, args.recipe)
    recipe = recipes.load(args.recipe, overrides)
    size, steps_per_epoch = recipe["data"]["image_size"], recipe["train"].get("steps_per_epoch")
    held_out = zoo_data.arrays(data_root, split="test", image_size=size, channels=3)[: args.samples]

    encoder = encoders.load(args.encoder)
    real_features = encoder.features(held_out)
    train_faces = zoo_data.arrays(data_root, split="train", image_size=size, channels=3)
    # The scale of every figure: training faces (as many as the samples) in place of samples.
    real_subset = train_faces[np.random.default_rng(0).choice(len(train_faces), args.samples, replace=False)]
    baseline = {"two_sample": two_sample.two_sample_accuracy(held_out, real_subset, seed=0),
                "encoder": encoder_metrics(encoder, real_features, real_subset)}
    print(f"real training faces: two-sample accuracy {baseline['two_sample']['accuracy']:.3f}; encoder FID "
          f"{baseline['encoder']['fid']:.2f}, KID {baseline['encoder']['kid']:.4f}, precision "
          f"{baseline['encoder']['precision']:.3f}, recall {baseline['encoder']['recall']:.3f}", flush=True)
    rows = []
    for epoch in sorted(args.milestones):
        stage_seconds = train_to(args.recipe, overrides, workdir, epoch)
        model, done = restore(args.recipe, overrides, workdir, epoch)
        fake = model.generate(args.samples, seed=7)
        result = two_sample.two_sample_accuracy(held_out, fake, seed=0)
        updates = model.steps_trained
        encoded = encoder_metrics(encoder, real_features, fake)
        rows.append({"epoch": done, "generator_steps": updates, "stage_train_seconds": round(stage_seconds, 1),
                     "two_sample": result, "encoder": encoded})
        print(f"epoch {done} ({updates} G updates): two-sample accuracy {result['accuracy']:.3f} "
              f"+- {result['std_error']:.3f} (samples called real {result['fake_judged_real']:.2f}); encoder FID "
              f"{encoded['fid']:.2f}, KID {encoded['kid']:.4f}, precision {encoded['precision']:.3f}, "
              f"recall {encoded['recall']:.3f}", flush=True)

    memo, details = reports.memorization_report(fake, train_faces, held_out)
    closest = reports.closest_pairs_grid(fake, train_faces, details["pixel"],
                                         os.path.join(args.docs, f"{args.recipe}_closest.png"))
    progression = progression_png(workdir, sorted(args.milestones), steps_per_epoch or 1,
                                  os.path.join(args.docs, f"{args.recipe}_progression.png"))
    summary_path = os.path.join(workdir, "summary.json")
    summary = files.read_json(summary_path) if os.path.exists(summary_path) else {}
    report = {
        "recipe": args.recipe, "overrides": args.override, "train_images": n_train, "test_images": n_test,
        "samples": args.samples, "real_training_faces": baseline, "milestones": rows,
        "encoder": {"path": os.path.relpath(encoder.path, ROOT), "sha256": encoder.info.get("sha256"),
                    "test_mse": encoder.info.get("test_mse")}, "memorization": memo,
        "cpu": zoo.cpu.describe(), "run_summary": {k: summary.get(k) for k in (
            "wall_seconds_this_run", "images_per_s_median", "generator_steps", "cpu")},
        "progression_png": os.path.relpath(progression, ROOT), "closest_png": os.path.relpath(closest, ROOT),
    }
    results = files.read_json(args.output) if os.path.exists(args.output) else {}
    results[args.recipe] = report
    files.write_json(args.output, results)
    pixel = memo["pixel"]
    print(f"memorization (pixels, mirrors included): median nearest-training distance {pixel['generated_median']:.2f} "
          f"(held-out real faces {pixel['real_test_median']:.2f}); "
          f"{pixel['fraction_closer_than_percentile']:.3f} of samples closer than the held-out faces' 1st percentile")
    return report


if __name__ == "__main__":
    main()
