"""Keras callbacks used by ``zoo.train``: checkpoint each epoch, sample grid
each epoch, throughput."""

import os
import time

import keras
import numpy as np
import tensorflow as tf

from zoo import images as zoo_images


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the full training state at the end of every epoch.

    Uses ``tf.train.Checkpoint`` + ``CheckpointManager`` on the model's
    ``checkpoint_objects()`` (networks, optimizer slots, seed state, extras)
    plus the number of finished epochs. TF writes the data files first and
    then atomically replaces the ``checkpoint`` index, so a crash mid-save
    leaves the previous checkpoint as the latest.
    """

    def __init__(self, model, directory, max_to_keep=3):
        super().__init__()
        self.epochs_done = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")
        self.checkpoint = tf.train.Checkpoint(epochs_done=self.epochs_done, **model.checkpoint_objects())
        self.manager = tf.train.CheckpointManager(self.checkpoint, directory, max_to_keep=max_to_keep)

    def restore(self):
        """Restores the latest checkpoint; returns the number of finished epochs."""
        latest = self.manager.latest_checkpoint
        if latest is None:
            return 0
        self.checkpoint.restore(latest).assert_existing_objects_matched()
        return int(self.epochs_done.numpy())

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done.assign(epoch + 1)
        self.manager.save(checkpoint_number=epoch + 1)


class SampleGrid(keras.callbacks.Callback):
    """A PNG grid of fixed latents each epoch (and a TensorBoard image)."""

    def __init__(self, directory, n=64, seed=1234, every=1, log_dir=None):
        super().__init__()
        self.directory, self.n, self.seed, self.every = directory, n, seed, every
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None

    def write(self, epoch):
        images = self.model.generate(self.n, seed=self.seed)
        path = zoo_images.save_grid(images, os.path.join(self.directory, f"epoch_{epoch:03d}.png"))
        if self.writer is not None:
            with self.writer.as_default():
                mosaic = zoo_images.grid(images)[None]
                tf.summary.image("samples", mosaic, step=epoch)
        return path

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.write(epoch + 1)


class Throughput(keras.callbacks.Callback):
    """Images/s per epoch (first batch excluded: it includes tracing)."""

    def __init__(self, batch_size):
        super().__init__()
        self.batch_size = batch_size
        self.per_epoch = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t0, self._steps = None, 0

    def on_train_batch_end(self, batch, logs=None):
        if self._t0 is None:
            self._t0, self._first = time.perf_counter(), batch
        self._last = batch

    def on_epoch_end(self, epoch, logs=None):
        steps = self._last - self._first
        if self._t0 is not None and steps > 0:
            rate = steps * self.batch_size / (time.perf_counter() - self._t0)
            self.per_epoch.append(rate)
            if logs is not None:
                logs["images_per_s"] = rate

    @property
    def median(self):
        return float(np.median(self.per_epoch)) if self.per_epoch else None
