"""Training on several hosts with ``MultiWorkerMirroredStrategy``.

Keras 3's ``fit`` fails under this strategy today (PITFALLS 7; upstream
keras-team/keras#20585, tensorflow/tensorflow#72388). This module is the
thin replacement behind ``zoo.train.train`` (the one training driver): a
loop that calls each variant's *own* ``train_step`` through ``strategy.run``
(no second copy of any algorithm) and the same Keras callbacks as ``fit``,
and feeds every worker its rows of each global batch. The driver gives the
chief the callbacks that write (samples, TensorBoard, evaluation, the final
model); every worker takes part in the collective checkpoint.

Run one process per host with the same command and a ``TF_CONFIG`` naming
the cluster and this process's index (or inside a SLURM job, where the
cluster is read from the SLURM environment)::

    TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]},
                "task": {"type": "worker", "index": 0}}' \\
        gan-zoo train dcgan_mnist --strategy multi_worker --workdir /shared/run
"""

import os

import keras
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


def fit(model, dataset, *, epochs, steps_per_epoch, initial_epoch=0, callbacks=(), verbose=1):
    """Trains ``model`` (built and compiled under a multi-worker strategy's
    scope) on a dataset of global batches, as ``model.fit`` would, calling
    the Keras ``callbacks`` at the same points (train, epoch and batch
    begin/end; the epoch logs they add reach the history and later callbacks).

    ``dataset`` must hold ``(epochs - initial_epoch) * steps_per_epoch``
    batches (``zoo.data.load(..., epochs=, first_epoch=)``). Returns a
    history dict ``{metric: [value per epoch]}`` read across all workers.
    """
    strategy = model.distribute_strategy
    iterator = iter(worker_slices(dataset, strategy))
    step = _step_function(model, strategy)
    callbacks = keras.callbacks.CallbackList(list(callbacks), model=model)
    history = {}
    callbacks.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        for tracker in model.metrics:
            tracker.reset_state()
        callbacks.on_epoch_begin(epoch)
        for batch in range(steps_per_epoch):
            callbacks.on_train_batch_begin(batch)
            step(iterator)
            callbacks.on_train_batch_end(batch)
        # Trackers are summed across replicas when read in cross-replica
        # context: the logged losses are global-batch means.
        logs = {t.name: float(t.result()) for t in model.metrics}
        callbacks.on_epoch_end(epoch, logs)
        for k, v in logs.items():
            history.setdefault(k, []).append(float(v))
        if verbose:
            line = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            print(f"[worker {distribute.worker_index()}] epoch {epoch + 1}/{epochs} - {line}", flush=True)
    callbacks.on_train_end()
    return history


def is_chief(strategy):
    """True for the process that writes a run's outputs: worker 0 of a
    multi-worker cluster, or the only process of any other strategy."""
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is None or resolver.task_id in (None, 0)


def worker_count(strategy):
    return len(strategy.cluster_resolver.cluster_spec().as_dict().get("worker", []))


def checkpoint_dir(workdir, strategy):
    """The chief writes the real checkpoint; other workers must take part in
    the save (it is collective) but write to a private folder."""
    directory = os.path.join(workdir, "checkpoints")
    if is_chief(strategy):
        return directory
    return os.path.join(workdir, f".worker-{strategy.cluster_resolver.task_id}-checkpoints")
