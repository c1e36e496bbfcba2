"""Keras callbacks used by ``zoo.train``: checkpoint each epoch, sample grid
each epoch, throughput, FID/KID with the best model kept."""

import json
import os
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from zoo import conditions
from zoo import files
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
        if int(max_to_keep) < 2:
            raise ValueError(f"max_to_keep must be >= 2 (a damaged newest checkpoint falls back), got {max_to_keep}.")
        self.directory = directory
        self.epochs_done = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")
        self.checkpoint = tf.train.Checkpoint(epochs_done=self.epochs_done, **model.checkpoint_objects())
        self.manager = tf.train.CheckpointManager(self.checkpoint, directory, max_to_keep=max_to_keep)

    @staticmethod
    def has_checkpoints(directory):
        """Whether ``directory`` holds a checkpoint index (a finished epoch)."""
        return tf.train.get_checkpoint_state(directory) is not None

    def restore(self):
        """Restores the newest intact checkpoint; returns its number of
        finished epochs (0 when there is none).

        A checkpoint that cannot be read (a truncated file after a full disk
        or a crash outside TF's write order) is reported by name, its files
        are renamed ``damaged-<name>...`` (kept, never deleted) and the
        previous one is restored instead; if none can be read, the error
        names them all.
        """
        damaged = []  # (path, reason)
        for path in reversed(self.manager.checkpoints):
            try:
                self.checkpoint.restore(path).assert_existing_objects_matched()
            except Exception as e:  # IndexError, DataLossError, NotFoundError, AssertionError ...
                text = str(e).strip()
                reason = f"{type(e).__name__}: {text.splitlines()[0][:200] if text else ''}"
                damaged.append((path, reason))
                warnings.warn(f"Checkpoint {path} cannot be read ({reason}); trying the previous one.", stacklevel=2)
                continue
            for bad, _ in damaged:
                self._set_aside(bad)
            return int(self.epochs_done.numpy())
        if damaged:
            raise ValueError(
                f"No checkpoint in {self.directory} can be read: "
                f"{'; '.join(f'{path} ({reason})' for path, reason in damaged)}. "
                "Move the folder away (or delete it) to train from the start."
            )
        return 0

    @staticmethod
    def _set_aside(prefix):
        folder, name = os.path.split(prefix)
        for f in os.listdir(folder):
            if f.startswith(name + "."):
                os.replace(os.path.join(folder, f), os.path.join(folder, f"damaged-{f}"))

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done.assign(epoch + 1)
        self.manager.save(checkpoint_number=epoch + 1)


class SampleGrid(keras.callbacks.Callback):
    """A PNG grid each epoch (and a TensorBoard image): the model's
    ``sample_grid``, i.e. fixed-seed samples, or for translation models one
    row per example of the first training batch of ``dataset`` (pix2pix:
    input | output | target; CycleGAN: a | G(a) | F(G(a)) | b | F(b) |
    G(F(b)); StarGAN: input | its translation to each domain)."""

    def __init__(self, directory, n=64, seed=1234, every=1, log_dir=None, dataset=None):
        super().__init__()
        self.directory, self.n, self.seed, self.every = directory, n, seed, every
        self.dataset, self.batch = dataset, None
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None

    def fixed_batch(self):
        """The training batch previews show (models that need an input):
        taken once, from a fresh iterator, so every epoch shows the same rows."""
        if self.batch is None and self.dataset is not None and not self.model.can_sample():
            self.batch = tf.nest.map_structure(lambda t: t.numpy(), next(iter(self.dataset.take(1))))
        return self.batch

    def samples(self):
        return self.model.sample_grid(self.fixed_batch(), self.n, self.seed)

    def write(self, epoch):
        if "text" in getattr(self.model, "OUTPUTS", ()):
            return self.write_text(epoch)
        images, columns = self.samples()
        path = zoo_images.save_grid(images, os.path.join(self.directory, f"epoch_{epoch:03d}.png"), columns=columns)
        if self.writer is not None:
            with self.writer.as_default():
                mosaic = zoo_images.grid(images, columns)[None]
                tf.summary.image("samples", mosaic, step=epoch)
        return path

    def write_text(self, epoch):
        """A sequence model's fixed-seed sentences (at most 16), one per
        line; a translator's ``preview_lines`` of a fixed training batch."""
        if hasattr(self.model, "preview_lines"):
            lines = self.model.preview_lines(self.fixed_batch())
        else:
            lines = self.model.sample_text(min(self.n, 16), seed=self.seed)
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"epoch_{epoch:03d}.txt")
        with files.atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        if self.writer is not None:
            with self.writer.as_default():
                tf.summary.text("samples", tf.constant(lines), step=epoch)
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


class FrechetCallback(keras.callbacks.Callback):
    """FID and KID every ``every`` epochs during ``fit``; keeps the best model.

    DCGAN-style training is known to peak and then degrade, so the last
    epoch is not necessarily the one to ship. Every ``every`` epochs this
    draws ``n`` samples from fixed latents (``seed``), measures FID and KID
    against the cached reference split with ``zoo.eval``'s extractor, adds
    ``fid``/``kid`` to the epoch logs (History, and TensorBoard when this
    callback precedes ``keras.callbacks.TensorBoard``) and, when FID
    improves, writes the whole model to ``best_path`` (temporary name, then
    rename) and ``best.json`` beside it. A resumed run reads ``best.json`` and
    only replaces a better model.

    Args:
        dataset: ``"mnist"``/``"fashion_mnist"``/``"usps"`` for the domain
            classifier, or any TFDS name / folder (then ``extractor="inception"``).
        source: data folder for folder datasets.
        extractor: ``"classifier"`` or ``"inception"``.
        best_path: ``.keras`` path of the best model (None: do not keep).
    Example:
        >>> cb = FrechetCallback("mnist", every=2, n=2000, best_path="runs/x/best.keras")
        >>> model.fit(ds, epochs=20, callbacks=[cb, keras.callbacks.TensorBoard("logs")])
    """

    def __init__(self, dataset, *, source=None, every=1, n=2000, extractor="classifier",
                 inception_weights="imagenet", best_path=None, seed=1234, reference_split="test"):
        super().__init__()
        from zoo.eval import classifiers
        from zoo.eval import evaluate as zoo_evaluate
        from zoo.eval import reference

        if int(every) < 1:
            raise ValueError(f"every must be >= 1 epoch, got {every}.")
        self.every, self.n, self.seed, self.best_path = int(every), int(n), seed, best_path
        self.extractor = zoo_evaluate.make_extractor(extractor, dataset, inception_weights)
        self.reference = reference.features(
            self.extractor, classifiers.resolve_source(dataset, source), reference_split
        )
        self.best = None
        if best_path and os.path.exists(self._best_json()):
            with open(self._best_json()) as f:
                self.best = json.load(f)

    def _best_json(self):
        return os.path.join(os.path.dirname(os.path.abspath(self.best_path)), "best.json")

    def measure(self, model=None):
        """``{"fid", "kid", "kid_std_error"}`` of ``model`` (default: the one being fitted)."""
        from zoo.eval import frechet, metrics

        model = model or self.model
        features, _ = self.extractor(model.generate(self.n, seed=self.seed))
        kid, kid_se = metrics.kid(self.reference["features"], features)
        fid = frechet.frechet_distance(
            self.reference["mu"], self.reference["sigma"], *frechet.feature_statistics(features)
        )
        return {"fid": fid, "kid": kid, "kid_std_error": kid_se}

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        scores = self.measure()
        if logs is not None:
            logs.update(fid=scores["fid"], kid=scores["kid"])
        if self.best_path and (self.best is None or scores["fid"] < self.best["fid"]):
            with files.atomic_path(self.best_path) as tmp:
                self.model.save(tmp)
            self.best = dict(scores, epoch=epoch + 1, extractor=self.extractor.id, samples=self.n)
            files.write_json(self._best_json(), self.best)


class ConditionalAccuracy(keras.callbacks.Callback):
    """Every ``every`` epochs: the conditional accuracy of a conditional model
    logged as ``cond_acc`` (place it before ``keras.callbacks.TensorBoard`` to
    reach its logs). Class-conditional models: ``n_per_class`` samples per
    class (``zoo.eval.conditional.label_accuracy``); text-conditional ones:
    ``n_per_class`` samples per class spread over the *held-out* phrasings
    of the caption set ``captions`` (``caption_accuracy``). Latents fixed.

    Example:
        >>> cb = ConditionalAccuracy("mnist", every=1, n_per_class=100)
        >>> cb = ConditionalAccuracy("fashion_mnist", captions="fashion_mnist")
    """

    def __init__(self, dataset, *, every=1, n_per_class=100, captions=None, seed=4321):
        super().__init__()
        from zoo import data as zoo_data
        from zoo.eval import classifiers

        if int(every) < 1:
            raise ValueError(f"every must be >= 1 epoch, got {every}.")
        self.classifier = classifiers.load(dataset)
        self.every, self.n_per_class, self.seed = int(every), int(n_per_class), seed
        self.heldout = zoo_data.load_captions(captions)["heldout"] if captions else None

    def measure(self, model=None):
        from zoo.eval import conditional

        model = model or self.model
        if model.condition_of(conditions.Text):
            if self.heldout is None:
                raise ValueError("a text-conditional model needs ConditionalAccuracy(captions=...).")
            per_caption = max(1, self.n_per_class // max(len(c) for c in self.heldout))
            return conditional.caption_accuracy(
                model, self.classifier, self.heldout, n_per_caption=per_caption, seed=self.seed
            )
        return conditional.label_accuracy(model, self.classifier, n_per_class=self.n_per_class, seed=self.seed)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        if logs is not None:
            logs["cond_acc"] = self.measure()["accuracy"]
