"""The training driver behind ``gan-zoo train``: a recipe in, a trained,
checkpointed model out. Re-running with the same work directory resumes from
the last finished epoch and ends with the same weights as an uninterrupted run.
"""

import json
import os
import shutil
import statistics
import time

import keras
import tensorflow as tf

from zoo import callbacks as zoo_callbacks
from zoo import conditions as zoo_conditions
from zoo import cpu
from zoo import data as zoo_data
from zoo import files
from zoo import distribute
from zoo import precision as zoo_precision
from zoo import recipes as zoo_recipes
from zoo import registry


def _identity(recipe):
    """The parts of a recipe that must match to resume a run (the number of
    epochs may grow: that only extends the run)."""
    identity = {k: recipe.get(k) for k in ("model", "data", "kwargs")}
    identity.update({k: v for k, v in recipe.items() if k.endswith("optimizer")})
    train = dict(recipe.get("train", {}))
    for key in ("epochs", "sample_every", "eval_every", "eval_samples"):
        train.pop(key, None)
    identity["train"] = train
    return identity


def build_model(recipe, strategy):
    train = recipe.get("train", {})
    kwargs = zoo_recipes.model_kwargs(recipe)
    kwargs.setdefault("seed", train.get("seed", 0))
    compile_kwargs = {k: train[k] for k in ("jit_compile", "steps_per_execution") if k in train}
    # Seeded initial weights: the same recipe starts from the same point, so
    # runs are reproducible and a resumed run matches an uninterrupted one.
    keras.utils.set_random_seed(int(train.get("seed", 0)))
    with strategy.scope(), zoo_precision.policy(train.get("precision", "float32")):
        cls = registry.get_class(recipe["model"])
        model = cls(**kwargs)
        model.compile(**{name: recipe.get(name) for name in cls.OPTIMIZERS}, **compile_kwargs)
    return model


class RunFinished(Exception):
    """The work directory's run already reached ``train.epochs``."""

    def __init__(self, workdir, epochs_done, epochs):
        super().__init__(
            f"{workdir} is already trained to epoch {epochs_done} (train.epochs={epochs}); "
            f"raise train.epochs to continue (e.g. train.epochs={epochs_done + 5}), "
            "or pass another --workdir to train anew."
        )
        self.workdir, self.epochs_done, self.epochs = workdir, epochs_done, epochs


def check_workdir(workdir, recipe):
    """Refuses a work directory whose checkpoints belong to another recipe.

    Read-only: nothing is written until the recipe, the data and the model
    are known to be good (``claim_workdir``), so a command that fails on a
    typo leaves nothing that blocks the corrected one. A ``recipe.json``
    without checkpoints (a run that never finished an epoch) is no run to
    protect: the new recipe replaces it.
    """
    path = os.path.join(workdir, "recipe.json")
    if not os.path.exists(path) or not zoo_callbacks.EpochCheckpoint.has_checkpoints(
        os.path.join(workdir, "checkpoints")
    ):
        return
    previous = files.read_json(path)
    identity = json.loads(json.dumps(_identity(recipe)))
    if previous != identity:
        changed = sorted(k for k in set(previous) | set(identity) if previous.get(k) != identity.get(k))
        raise ValueError(
            f"Work directory {workdir!r} holds checkpoints of a different recipe "
            f"({previous.get('model')} on {previous.get('data', {}).get('source')}; differs in {changed}). "
            f"To keep it, pass another --workdir; to start over, delete it (rm -r {workdir})."
        )


def claim_workdir(workdir, recipe):
    """Records the recipe that owns ``workdir`` (after ``check_workdir``)."""
    files.write_json(os.path.join(workdir, "recipe.json"), _identity(recipe))


def finished_epochs(workdir):
    """Epochs checkpointed in ``workdir`` (0 when none), read from the index."""
    state = tf.train.get_checkpoint_state(os.path.join(workdir, "checkpoints"))
    if state is None:
        return 0
    tail = os.path.basename(state.model_checkpoint_path).rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def epochs_to_run(workdir, first_epoch, epochs):
    """Raises ``RunFinished`` when nothing is left to train, and a clear
    error when the checkpoint is past the recipe's ``train.epochs``."""
    if first_epoch == epochs:
        raise RunFinished(workdir, first_epoch, epochs)
    if first_epoch > epochs:
        raise ValueError(
            f"{workdir} holds a run trained to epoch {first_epoch}, beyond train.epochs={epochs}; "
            f"raise train.epochs above {first_epoch} to continue it, or pass another --workdir."
        )


def train(recipe, workdir, *, strategy="default", devices=None, verbose=1, samples=64):
    """Trains ``recipe`` (a dict from ``zoo.recipes.load``, a name or a path)
    in ``workdir``; resumes if ``workdir`` holds a checkpoint of it.

    One driver for every strategy: Keras ``fit``, or for ``multi_worker``
    (one process per host, same command, ``TF_CONFIG``) the zoo's own loop
    (``zoo.multi_worker.fit``: Keras ``fit`` fails there, PITFALLS 7) with the
    same callbacks. Writes ``checkpoints/``, ``samples/epoch_NNN.png``,
    TensorBoard ``logs/``, ``model.keras`` and ``summary.json`` (with several
    workers: the chief does; all take part in the collective checkpoint).
    Returns ``(model, summary)``.
    """
    from zoo import multi_worker

    if not isinstance(recipe, dict):
        recipe = zoo_recipes.load(recipe)
    check_workdir(workdir, recipe)
    strat = distribute.make_strategy(strategy, devices)
    chief = multi_worker.is_chief(strat)
    model = build_model(recipe, strat)
    train_cfg = recipe.get("train", {})
    epochs = int(train_cfg.get("epochs", 1))
    seed = int(train_cfg.get("seed", 0))

    own_checkpoints = multi_worker.checkpoint_dir(workdir, strat)
    checkpoint = zoo_callbacks.EpochCheckpoint(model, own_checkpoints)
    # Every worker restores the chief's checkpoint (shared file system).
    first_epoch = zoo_callbacks.EpochCheckpoint(model, os.path.join(workdir, "checkpoints")).restore()
    if first_epoch == epochs and chief and not os.path.exists(os.path.join(workdir, "model.keras")):
        # Stopped between its last checkpoint and model.keras: write it now.
        with files.atomic_path(os.path.join(workdir, "model.keras")) as tmp:
            model.save(tmp)
    epochs_to_run(workdir, first_epoch, epochs)
    if first_epoch and verbose and chief:
        print(f"Resuming {recipe['name']} from epoch {first_epoch} in {workdir}")
    data_cfg = dict(recipe["data"])
    if first_epoch == 0:
        model.init_from_data(lambda: training_arrays(data_cfg))
    dataset = zoo_data.load(
        **data_cfg,
        seed=seed,
        epochs=epochs,
        first_epoch=first_epoch,
        steps_per_epoch=train_cfg.get("steps_per_epoch"),
    )
    if train_cfg.get("eval_every") and "text" in model.OUTPUTS:
        raise ValueError(
            f"train.eval_every measures generated images; {recipe['model']} generates token sequences: "
            "score it with benchmarks/sequence_oracle.py (NLL-oracle, NLL-test)."
        )
    if train_cfg.get("eval_every") and not model.can_sample():
        raise ValueError(
            f"train.eval_every measures generated samples against a dataset; {recipe['model']} "
            "translates images: evaluate it with benchmarks/pix2pix_ablation.py, cyclegan_digits.py or stargan_digits.py."
        )
    if chief:
        claim_workdir(workdir, recipe)
    throughput = zoo_callbacks.Throughput(data_cfg.get("batch_size", 128))
    callbacks = [checkpoint, throughput]
    if chief:
        # Evaluation first (a run stopped before its checkpoint re-measures
        # the epoch), TensorBoard last (it logs what the others added).
        callbacks = evaluation_callbacks(model, recipe, workdir) + callbacks + [
            zoo_callbacks.SampleGrid(
                os.path.join(workdir, "samples"), n=samples, every=train_cfg.get("sample_every", 1),
                log_dir=os.path.join(workdir, "logs"), dataset=dataset,
            ),
            keras.callbacks.TensorBoard(log_dir=os.path.join(workdir, "logs")),
        ]
    start = time.perf_counter()
    run = dict(epochs=epochs, initial_epoch=first_epoch, steps_per_epoch=dataset.steps_per_epoch,
               callbacks=callbacks, verbose=verbose)
    if strategy == "multi_worker":
        history = multi_worker.fit(model, dataset, **run)
    else:
        # shuffle=False: the dataset is shuffled per epoch, keyed on the seed.
        history = model.fit(dataset, shuffle=False, **run).history
    summary = run_summary(
        recipe, model, first_epoch, dataset.steps_per_epoch, time.perf_counter() - start,
        {k: [float(x) for x in v] for k, v in history.items()},
        strategy, strat.num_replicas_in_sync,
    )
    summary["images_per_s_median"] = throughput.median
    if strategy == "multi_worker":
        summary["workers"] = multi_worker.worker_count(strat)
    if chief:
        save_outputs(model, workdir, summary)
    else:
        shutil.rmtree(own_checkpoints, ignore_errors=True)
    return model, summary


def training_arrays(data_cfg):
    """The whole training split of a recipe's [data] as numpy, in the
    split's order: images in [-1, 1], or int32 token ids."""
    split = data_cfg.get("split", "train")
    if data_cfg.get("tokens") is not None:
        keys = ("length", "vocabulary_size", "longer", "num_sequences", "styles", "aligned")
        return zoo_data.token_arrays(data_cfg["source"], data_cfg["tokens"], split=split,
                                     **{k: data_cfg[k] for k in keys if k in data_cfg})[0]
    return zoo_data.arrays(data_cfg["source"], split=split, image_size=data_cfg.get("image_size"),
                           channels=data_cfg.get("channels"))


def evaluation_callbacks(model, recipe, workdir):
    """``train.eval_every``: classifier FID / KID with the best model kept,
    and the conditional accuracy of class- or text-conditional models."""
    train_cfg, data_cfg = recipe.get("train", {}), recipe["data"]
    if not train_cfg.get("eval_every"):
        return []
    callbacks = [zoo_callbacks.FrechetCallback(
        data_cfg["source"], every=train_cfg["eval_every"], n=train_cfg.get("eval_samples", 2000),
        extractor=_eval_extractor(data_cfg["source"]), best_path=os.path.join(workdir, "best.keras"),
    )]
    if model.condition_of(zoo_conditions.ClassLabels) or model.condition_of(zoo_conditions.Text):
        callbacks.insert(0, zoo_callbacks.ConditionalAccuracy(
            data_cfg["source"], every=train_cfg["eval_every"], captions=data_cfg.get("captions"),
            n_per_class=max(1, train_cfg.get("eval_samples", 2000) // getattr(model, "num_classes", 10)),
        ))
    return callbacks


def _eval_extractor(source):
    from zoo.eval import classifiers

    return "classifier" if source in classifiers.DATASETS else "inception"


def run_summary(recipe, model, first_epoch, steps_per_epoch, wall_seconds, history, strategy, replicas):
    """What ``summary.json`` records about a run."""
    rates = history.get("images_per_s") or []
    return {
        "recipe": recipe["name"],
        "model": recipe["model"],
        "epochs": int(recipe.get("train", {}).get("epochs", 1)),
        "resumed_from_epoch": first_epoch,
        "steps_per_epoch": steps_per_epoch,
        "generator_steps": model.steps_trained,
        "wall_seconds_this_run": round(wall_seconds, 1),
        "images_per_s_median": float(statistics.median(rates)) if rates else None,
        "final_logs": {k: v[-1] for k, v in history.items() if v},
        "history": history,  # per epoch of this run
        "strategy": strategy,
        "replicas": replicas,
        "precision": zoo_precision.of(model),
        # Speed figures hold for one CPU: name it (flags that matter, oneDNN).
        "cpu": f"{cpu.describe()}, oneDNN {'on' if cpu.onednn_enabled() else 'off'}",
    }


def save_outputs(model, workdir, summary):
    """``model.keras`` (written to a temporary name, then renamed) and
    ``summary.json``."""
    with files.atomic_path(os.path.join(workdir, "model.keras")) as tmp:
        model.save(tmp)
    files.write_json(os.path.join(workdir, "summary.json"), summary)
