"""Training on several hosts with ``MultiWorkerMirroredStrategy``.

Keras 3's ``fit`` fails under this strategy today (PITFALLS 7; upstream
keras-team/keras#20585, tensorflow/tensorflow#72388). This module is the
thin replacement: a loop that calls each variant's *own* ``train_step``
through ``strategy.run`` (no second copy of any algorithm), feeds every
worker its rows of each global batch, checkpoints each epoch, and writes
samples and the final model from the chief only.

Run one process per host with the same command and a ``TF_CONFIG`` naming
the cluster and this process's index (or inside a SLURM job, where the
cluster is read from the SLURM environment)::

    TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]},
                "task": {"type": "worker", "index": 0}}' \\
        gan-zoo train dcgan_mnist --strategy multi_worker --workdir /shared/run
"""

import os
import shutil
import time

import tensorflow as tf

from zoo import distribute


def worker_slices(dataset, strategy):
    """Distributes a dataset of *global* batches: each replica gets its
    contiguous rows (replica r of R: rows ``[r*B/R, (r+1)*B/R)``), so the
    global batch, and hence the update, is the same as on one device.

    Every worker reads the whole (deterministic, identically shuffled)
    pipeline and keeps its rows; that costs input bandwidth, never
    correctness.
    """
    replicas = strategy.num_replicas_in_sync
    batch = dataset.element_spec
    global_batch = tf.nest.flatten(batch)[0].shape[0]
    if global_batch is None or global_batch % replicas:
        raise ValueError(
            f"The global batch size ({global_batch}) must be fixed and divisible by the "
            f"number of replicas ({replicas})."
        )
    per_replica = global_batch // replicas

    def dataset_fn(context):
        local = context.num_replicas_in_sync // context.num_input_pipelines
        start = context.input_pipeline_id * local * per_replica
        rows = local * per_replica
        ds = dataset.map(lambda *x: tf.nest.map_structure(lambda t: t[start : start + rows], x if len(x) > 1 else x[0]))
        # Local replicas take consecutive per-replica batches of this slice.
        return ds.unbatch().batch(per_replica, drop_remainder=True).prefetch(tf.data.AUTOTUNE)

    return strategy.distribute_datasets_from_function(dataset_fn)


def _step_function(model, strategy):
    @tf.function
    def step(iterator):
        strategy.run(model.train_step, args=(next(iterator),))

    return step


def fit(model, dataset, *, epochs, steps_per_epoch, initial_epoch=0, on_epoch_end=None, verbose=1):
    """Trains ``model`` (built and compiled under a multi-worker strategy's
    scope) on a dataset of global batches, like ``model.fit`` would.

    ``dataset`` must hold ``(epochs - initial_epoch) * steps_per_epoch``
    batches (``zoo.data.load(..., epochs=, first_epoch=)``). Returns a
    history dict ``{metric: [value per epoch]}`` read across all workers.
    """
    strategy = model.distribute_strategy
    iterator = iter(worker_slices(dataset, strategy))
    step = _step_function(model, strategy)
    history = {}
    for epoch in range(initial_epoch, epochs):
        for tracker in model.metrics:
            tracker.reset_state()
        start = time.perf_counter()
        for _ in range(steps_per_epoch):
            step(iterator)
        # Trackers are summed across replicas when read in cross-replica
        # context: the logged losses are global-batch means.
        logs = {t.name: float(t.result()) for t in model.metrics}
        logs["images_per_s"] = steps_per_epoch * tf.nest.flatten(dataset.element_spec)[0].shape[0] / (
            time.perf_counter() - start
        )
        for k, v in logs.items():
            history.setdefault(k, []).append(v)
        if verbose:
            line = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            print(f"[worker {distribute.worker_index()}] epoch {epoch + 1}/{epochs} - {line}", flush=True)
        if on_epoch_end is not None:
            on_epoch_end(epoch, logs)
    return history


def _is_chief(strategy):
    resolver = strategy.cluster_resolver
    return resolver is None or resolver.task_id == 0


def _checkpoint_dir(workdir, strategy):
    """The chief writes the real checkpoint; other workers must take part in
    the save (it is collective) but write to a private folder."""
    directory = os.path.join(workdir, "checkpoints")
    if _is_chief(strategy):
        return directory
    return os.path.join(workdir, f".worker-{strategy.cluster_resolver.task_id}-checkpoints")


def train(recipe, workdir, *, verbose=1, samples=64):
    """``zoo.train.train`` for ``--strategy multi_worker``: same outputs in
    ``workdir`` (shared by all workers), written by the chief."""
    from zoo import callbacks as zoo_callbacks
    from zoo import data as zoo_data
    from zoo import images as zoo_images
    from zoo import train as zoo_train

    strategy = distribute.make_strategy("multi_worker")
    chief = _is_chief(strategy)
    zoo_train.check_workdir(workdir, recipe)
    model = zoo_train.build_model(recipe, strategy)
    train_cfg = recipe.get("train", {})
    epochs = int(train_cfg.get("epochs", 1))
    ckpt_dir = _checkpoint_dir(workdir, strategy)
    checkpoint = zoo_callbacks.EpochCheckpoint(model, ckpt_dir)
    # Every worker restores the chief's checkpoint (shared file system).
    restore_from = zoo_callbacks.EpochCheckpoint(model, os.path.join(workdir, "checkpoints"))
    first_epoch = restore_from.restore()
    zoo_train.epochs_to_run(workdir, first_epoch, epochs)
    if first_epoch and verbose and chief:
        print(f"Resuming {recipe['name']} from epoch {first_epoch} in {workdir}")
    dataset = zoo_data.load(
        **recipe["data"],
        seed=int(train_cfg.get("seed", 0)),
        epochs=epochs,
        first_epoch=first_epoch,
        steps_per_epoch=train_cfg.get("steps_per_epoch"),
    )
    if chief:
        zoo_train.claim_workdir(workdir, recipe)

    def on_epoch_end(epoch, logs):
        checkpoint.on_epoch_end(epoch, logs)
        if chief:
            images = model.generate(samples, seed=1234)
            zoo_images.save_grid(images, os.path.join(workdir, "samples", f"epoch_{epoch + 1:03d}.png"))

    start = time.perf_counter()
    history = fit(
        model, dataset, epochs=epochs, steps_per_epoch=dataset.steps_per_epoch,
        initial_epoch=first_epoch, on_epoch_end=on_epoch_end, verbose=verbose,
    )
    summary = zoo_train.run_summary(
        recipe, model, first_epoch, dataset.steps_per_epoch, time.perf_counter() - start,
        history, "multi_worker", strategy.num_replicas_in_sync,
    )
    summary["workers"] = len(strategy.cluster_resolver.cluster_spec().as_dict().get("worker", []))
    if chief:
        zoo_train.save_outputs(model, workdir, summary)
    else:
        shutil.rmtree(ckpt_dir, ignore_errors=True)
    return model, summary
