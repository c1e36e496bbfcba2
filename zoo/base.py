"""The one shared base for adversarial models.

It owns only the error-prone plumbing (see docs/STYLE.md): loss trackers,
network (de)serialization, compile config, losses averaged over the *global*
batch, optimizers built before ``fit``, replica-aware latent sampling, a
``call()`` that runs the generator, ``generate()`` and the serving signature.
The standard GAN alternation lives in ``train_step`` below; variants override
``_discriminator_step`` / ``_generator_step`` (or ``train_step``) where their
algorithm differs.
"""

import copy

import numpy as np
import tensorflow as tf
import keras

from zoo import losses as zoo_losses
from zoo.layers import whole_number
from zoo.registry import constructor_args


def _optimizer_from(spec, default):
    """``None`` -> the default; a dict -> the default with those config keys
    overridden; an optimizer instance or name -> as Keras reads it."""
    if spec is None or isinstance(spec, dict):
        class_name, config = default
        config = dict(config)
        overrides = dict(spec or {})
        class_name = overrides.pop("class_name", class_name)
        config.update(overrides)
        try:
            return keras.optimizers.get({"class_name": class_name, "config": config})
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"Could not build optimizer {class_name!r} from {config}: {e}"
            ) from e
    return keras.optimizers.get(spec)


class AdversarialModel(keras.Model):
    """Base class: a generator and a discriminator trained by alternation.

    Subclasses build their networks, then call ``super().__init__`` with them.
    Every constructor argument must be stored as an attribute of the same name:
    ``get_config`` reads them back, so the constructor kwargs *are* the config.

    Args:
        generator: ``keras.Model`` mapping latents ``[batch, latent_dim]`` to
            images in [-1, 1].
        discriminator: ``keras.Model`` mapping images to logits ``[batch, ...]``.
        latent_dim: size of the latent vector z.
        adversarial_loss: a loss family of ``zoo.losses.FAMILIES``.
        d_steps: discriminator updates per generator update (same real batch,
            fresh latents for each).
        seed: seeds the ``keras.random.SeedGenerator`` that draws training latents.
    """

    #: Attribute names of the networks: (de)serialized as Keras objects.
    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    #: Names of the loss trackers logged by ``fit``.
    LOSS_NAMES = ("d_loss", "g_loss")
    #: (class_name, config) of the paper's optimizers for G and D.
    DEFAULT_G_OPTIMIZER = ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5})
    DEFAULT_D_OPTIMIZER = ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5})

    def __init__(
        self,
        *,
        generator,
        discriminator,
        latent_dim,
        adversarial_loss="non_saturating",
        d_steps=1,
        seed=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        d_steps = whole_number("d_steps", d_steps, minimum=1)
        # A generator without latent input (image-to-image models) passes 0;
        # one with a 0-d latent would draw the same sample every time.
        latent_dim = whole_number("latent_dim", latent_dim, minimum=0 if self.IMAGE_TO_IMAGE else 1)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.adversarial_loss = adversarial_loss
        self.g_loss_fn, self.d_loss_fn = zoo_losses.get(adversarial_loss)
        self.d_steps = d_steps
        self.seed = int(seed)
        # All state is created here, never in compile() (PITFALLS 5).
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="latent_seed")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in self.LOSS_NAMES}
        self.g_optimizer = None
        self.d_optimizer = None
        # The networks are built functional models, so the wrapper is built
        # too; fit() must not build it symbolically on an image batch
        # (PITFALLS 4).
        self.built = True

    # === Config ===

    @classmethod
    def network_names(cls):
        return cls.GENERATORS + cls.DISCRIMINATORS

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        for arg in constructor_args(type(self)):
            value = getattr(self, arg)
            if arg in self.network_names():
                value = keras.saving.serialize_keras_object(value)
            elif isinstance(value, (tuple, list)):
                value = list(value)  # plain list: Keras wraps list attributes for tracking
            config[arg] = value
        return config

    @classmethod
    def from_config(cls, config):
        # Keras's deserializer consumes nested dicts: work on a copy.
        config = copy.deepcopy(config)
        for arg in cls.network_names():
            if isinstance(config.get(arg), dict):
                config[arg] = keras.saving.deserialize_keras_object(config[arg])
        return cls(**config)

    # === Compile ===

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Compiles with the paper's optimizers unless others are given.

        ``g_optimizer`` / ``d_optimizer`` may be optimizer instances, names, or
        dicts of config overrides for the default ones (e.g.
        ``{"learning_rate": 1e-4}``). Other kwargs (``jit_compile``,
        ``steps_per_execution``, ``run_eagerly``) go to ``keras.Model.compile``.
        """
        g_optimizer = _optimizer_from(g_optimizer, self.DEFAULT_G_OPTIMIZER)
        d_optimizer = _optimizer_from(d_optimizer, self.DEFAULT_D_OPTIMIZER)
        # model.optimizer is the generator's, so optimizer.iterations counts
        # generator steps (what TensorBoard and schedules see).
        super().compile(optimizer=g_optimizer, **kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self._compile_kwargs = dict(kwargs)
        # Slot variables must exist before the distributed step runs
        # (PITFALLS 2): build them now, under the caller's strategy scope.
        self.g_optimizer.build(self.generator_variables)
        self.d_optimizer.build(self.discriminator_variables)

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("g_optimizer", "d_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras's fit() under a strategy first MEAN-reduces one distributed
        # data batch across replicas, only to build unbuilt layers
        # symbolically. Ours are built in __init__ and compile(), and the
        # reduction fails on string inputs (text2image's captions): skip it
        # when there is nothing to build (a TextVectorization's inner
        # StringLookup reports unbuilt forever, though it has no weights).
        if all(getattr(self, n).built for n in self.network_names()) and (
            self.optimizer is None or self.optimizer.built
        ):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    # === Variables and trackers ===

    def _variables_of(self, names):
        return [v for n in names for v in getattr(self, n).trainable_variables]

    @property
    def generator_variables(self):
        return self._variables_of(self.GENERATORS)

    @property
    def discriminator_variables(self):
        return self._variables_of(self.DISCRIMINATORS)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _track(self, name, per_example_loss):
        # Feed the unscaled per-example values: the tracker's (total, count)
        # are summed over replicas on read, giving the global-batch mean.
        self.trackers[name].update_state(per_example_loss)

    def _logs(self):
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # === Distribution-correct pieces ===

    @staticmethod
    def global_mean(per_example_loss):
        """Mean over the *global* batch: gradients summed across replicas then
        equal the single-device gradient (PITFALLS 3)."""
        return tf.nn.compute_average_loss(tf.cast(per_example_loss, tf.float32))

    @staticmethod
    def regularization(networks):
        losses = [l for n in networks for l in n.losses]
        if not losses:
            return 0.0
        return tf.nn.scale_regularization_loss(tf.add_n(losses))

    @staticmethod
    def replica_slice(global_values, local_batch):
        """This replica's rows of a tensor drawn for the whole global batch."""
        ctx = tf.distribute.get_replica_context()
        replica = 0 if ctx is None else ctx.replica_id_in_sync_group
        start = replica * local_batch
        return global_values[start : start + local_batch]

    @staticmethod
    def gather_global(local_values):
        """The whole global batch of a per-replica tensor, in replica order
        (the order of the global batch fit() split): the same on every replica."""
        ctx = tf.distribute.get_replica_context()
        if ctx is None or ctx.num_replicas_in_sync == 1:
            return local_values
        return ctx.all_gather(local_values, axis=0)

    @staticmethod
    def num_replicas():
        ctx = tf.distribute.get_replica_context()
        return 1 if ctx is None else ctx.num_replicas_in_sync

    def draw(self, local_batch, shape, distribution="normal"):
        """Random values for this replica's share of the global batch.

        Drawn for the whole global batch from the (replica-synchronised) seed
        generator with stateless ops, then sliced, so replica k gets other
        values than replica j (PITFALLS 13) and the global batch's values do
        not depend on the number of replicas.

        Args:
            local_batch: this replica's batch size.
            shape: per-example shape, e.g. ``[latent_dim]`` or ``[1, 1, 1]``.
            distribution: ``"normal"`` (standard) or ``"uniform"`` ([0, 1)).
        """
        seed = self.seed_generator.next()
        full = tf.concat([[local_batch * self.num_replicas()], tf.constant(shape, tf.int32)], 0)
        if distribution == "normal":
            values = tf.random.stateless_normal(full, seed=seed)
        elif distribution == "uniform":
            values = tf.random.stateless_uniform(full, seed=seed)
        else:
            raise ValueError(f"distribution must be 'normal' or 'uniform', got {distribution!r}.")
        return self.replica_slice(values, local_batch)

    def sample_latents(self, local_batch):
        """Training latents z ~ N(0, I) for this replica's share of the batch."""
        return self.draw(local_batch, [self.latent_dim])

    # === Training ===

    @staticmethod
    def unpack(data):
        """Returns (images, labels-or-None) from a batch."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x, y

    def unpack_labelled(self, data):
        """``(images, int32 labels)`` of a class-conditional batch, or an
        error that says how to load labelled data."""
        real, labels = self.unpack(data)
        if labels is None:
            raise ValueError(
                f"{self.registry_name} trains on (images, labels) batches; load the data with "
                "zoo.data.load(..., with_labels=True)."
            )
        return real, tf.cast(labels, tf.int32)

    def train_step(self, data):
        real, _ = self.unpack(data)
        batch = tf.shape(real)[0]
        # 1. Discriminator: d_steps updates on this real batch, fresh fakes each.
        for _ in range(self.d_steps):
            self._discriminator_step(real, batch)
        # 2. Generator: one update through the (now fixed) discriminator.
        self._generator_step(batch)
        return self._logs()

    def _discriminator_step(self, real, batch):
        fake = self.generator(self.sample_latents(batch), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            per_example = self.d_loss_fn(real_logits, fake_logits)
            loss = self.global_mean(per_example) + self.regularization([self.discriminator])
        grads = tape.gradient(loss, self.discriminator_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator_variables))
        self._track("d_loss", per_example)
        return real_logits, fake_logits

    def _generator_step(self, batch):
        latents = self.sample_latents(batch)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(latents, training=True), training=True)
            per_example = self.g_loss_fn(fake_logits)
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        grads = tape.gradient(loss, self.generator_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator_variables))
        self._track("g_loss", per_example)

    # === Conditional steps: shared by cgan and text2image ===

    def _matching_aware_discriminator_step(self, real, condition, wrong, batch):
        """One D update of GAN-CLS (Reed et al. 2016) for a D judging
        (image, condition) pairs: real/right positive; fake/right and, with
        ``self.mismatched_negatives``, real/wrong negatives (1/2 each).
        ``condition`` / ``wrong``: what G and D take as the condition
        (labels, token ids) for the right and a wrong class; ``wrong`` may
        be a callable, called after the fakes' latents are drawn (the draw
        order of cgan's published runs). Logs ``d_loss``
        and sigmoid(D) on each kind of pair (``d_real``, ``d_fake``,
        ``d_mismatched``: the real/wrong pairs are scored in both settings,
        so the ablation shows whether D reads the condition at all)."""
        fake = self.generator([self.sample_latents(batch), condition], training=True)
        wrong = wrong() if callable(wrong) else wrong
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([real, condition], training=True)
            fake_logits = self.discriminator([fake, condition], training=True)
            wrong_logits = self.discriminator([real, wrong], training=True)
            per_example = self.d_loss_fn(real_logits, fake_logits)
            if self.mismatched_negatives:
                # L(real, right) + (L(fake, right) + L(real, wrong)) / 2.
                per_example = 0.5 * (per_example + self.d_loss_fn(real_logits, wrong_logits))
            loss = self.global_mean(per_example) + self.regularization([self.discriminator])
        grads = tape.gradient(loss, self.discriminator_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator_variables))
        self._track("d_loss", per_example)
        self._track("d_real", tf.sigmoid(real_logits))
        self._track("d_fake", tf.sigmoid(fake_logits))
        self._track("d_mismatched", tf.sigmoid(wrong_logits))

    def _conditional_generator_step(self, condition, batch):
        """One G update through a D judging (image, condition) pairs."""
        latents = self.sample_latents(batch)
        with tf.GradientTape() as tape:
            fake = self.generator([latents, condition], training=True)
            per_example = self.g_loss_fn(self.discriminator([fake, condition], training=True))
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        grads = tape.gradient(loss, self.generator_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator_variables))
        self._track("g_loss", per_example)

    def extra_state(self):
        """Training state outside the networks and optimizers, by name: the
        latent seed. Variants with more (e.g. an image pool) extend it. It is
        saved in training checkpoints and in ``.keras`` files, so training
        resumed from either draws the same latents as an uninterrupted run."""
        return {"latent_seed": self.seed_generator.state}

    def checkpoint_objects(self):
        """What a training checkpoint holds: every network and optimizer
        (tracked through the model) and ``extra_state()``, which
        ``tf.train.Checkpoint`` does not reach through the model."""
        return {"model": self, **self.extra_state()}

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for name, variable in self.extra_state().items():
            store[name] = keras.ops.convert_to_numpy(variable)

    def load_own_variables(self, store):
        extra = self.extra_state()
        for name, variable in extra.items():
            if name in store.keys():  # files written before a variant added state lack it
                variable.assign(np.asarray(store[name]))
        super().load_own_variables({k: store[k] for k in store.keys() if k not in extra})

    # === Conditioning ===

    #: What G is conditioned on besides z: ``None``, or ``"labels"`` (int class
    #: ids in ``[0, num_classes)``, the model has ``num_classes``). Models with
    #: another condition (e.g. text) override the methods of this section.
    CONDITION = None
    #: True for image-to-image models (``generate(image=...)``, ``preview_columns``).
    IMAGE_TO_IMAGE = False

    def condition_signature(self):
        """Specs of the serving inputs besides ``latent``."""
        if self.CONDITION == "labels":
            return {"labels": tf.TensorSpec([None], tf.int32, name="labels")}
        return {}

    def check_condition(self, n, condition):
        """Validates the conditions given to ``generate`` for ``n`` samples
        (numpy in, numpy out; defaults filled in); a clear error otherwise."""
        condition = dict(condition)
        if self.CONDITION == "labels":
            labels = condition.pop("labels", None)
            if labels is None:  # one of each class in turn
                labels = np.arange(n) % self.num_classes
            condition["labels"] = check_labels(labels, n, self.num_classes)
        if condition.keys() != self.condition_signature().keys():
            unexpected = sorted(set(condition) - set(self.condition_signature()))
            raise TypeError(
                f"{type(self).__name__} takes conditions {sorted(self.condition_signature()) or 'none'}; "
                f"got unexpected {unexpected}."
            )
        return condition

    def generator_feed(self, latent, condition):
        """The generator's input for ``latent`` and checked ``condition``."""
        if self.CONDITION == "labels":
            return [latent, condition["labels"]]
        return latent

    def serving_guards(self, condition):
        """Assertions run by the exported model on its condition inputs, so a
        bad request fails with a message instead of garbage (TF's gather
        returns zeros for out-of-range ids on GPU)."""
        if self.CONDITION != "labels":
            return []
        labels = condition["labels"]
        message = f"labels must be class ids in [0, {self.num_classes})"
        return [
            tf.debugging.assert_non_negative(labels, message=message),
            tf.debugging.assert_less(labels, tf.constant(self.num_classes, labels.dtype), message=message),
        ]

    # === Inference ===

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def latents(self, n, seed=0):
        """``n`` standard-normal latents, reproducible for a given ``seed``."""
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")

    def generate(self, n=None, *, latent=None, seed=0, batch_size=256, **condition):
        """Generates images as float32 numpy in [-1, 1], shape [n, H, W, C].

        Give either ``n`` (latents drawn with ``seed``) or ``latent``;
        conditional models also take their condition (``labels=`` an int or
        ``[n]`` ints for class-conditional ones; default: classes in turn).
        """
        if latent is None:
            if n is None:
                raise ValueError("generate() needs n or latent=.")
            latent = self.latents(whole_number("n", n, minimum=1), seed)
        latent = np.asarray(latent, dtype="float32")
        if latent.ndim != 2 or latent.shape[1] != self.latent_dim or len(latent) == 0:
            raise ValueError(
                f"latent must have shape [n, {self.latent_dim}], got {latent.shape}."
            )
        condition = self.check_condition(len(latent), condition)
        chunks = []
        for i in range(0, len(latent), batch_size):
            part = {k: v[i : i + batch_size] for k, v in condition.items()}
            feed = self.generator_feed(latent[i : i + batch_size], part)
            chunks.append(keras.ops.convert_to_numpy(self.generator(feed, training=False)))
        return np.concatenate(chunks, axis=0)

    # === Serving ===

    def serving_signature(self):
        """Named input specs of the exported generator (PITFALLS 9)."""
        return {
            "latent": tf.TensorSpec([None, self.latent_dim], tf.float32, name="latent"),
            **self.condition_signature(),
        }

    def serving_example(self, n=2, seed=0):
        """Inputs for the serving signature (numpy, by name): what a client
        sends."""
        return {"latent": self.latents(n, seed), **self.check_condition(n, {})}

    def serve(self, inputs):
        """Maps the named serving inputs to the named outputs."""
        condition = {k: inputs[k] for k in self.condition_signature()}
        # Every generator input passes through the guards: a label gathered
        # before its range check would fail with a bare GatherV2 error.
        with tf.control_dependencies(self.serving_guards(condition)):
            latent = tf.identity(inputs["latent"])
            condition = {k: tf.identity(v) for k, v in condition.items()}
        feed = self.generator_feed(latent, condition)
        images = tf.cast(self.generator(feed, training=False), tf.float32)
        return images_outputs(images)

    def serving_endpoints(self):
        """``{name_suffix: (serve_fn, signature)}``: one exported model per
        entry. One generator -> ``{"": ...}``; two-direction models return
        e.g. ``{"_a2b": ..., "_b2a": ...}``."""
        return {"": (self.serve, self.serving_signature())}

    def endpoint_example(self, suffix, n=2, seed=0):
        """``serving_example`` for the endpoint ``suffix`` of ``serving_endpoints``."""
        return self.serving_example(n, seed)

    def tflite_inputs(self, inputs):
        """The TFLite model's inputs for a dict of serving inputs (the same
        unless ``tflite_endpoints`` differ from the serving ones)."""
        return inputs

    def export_resources(self):
        """Layers whose non-variable state (e.g. lookup tables) the serving
        function reads: tracked by the export so the SavedModel holds them."""
        return []

    def tflite_endpoints(self):
        """What ``export.tflite`` converts; the serving endpoints unless a
        model's serving inputs are beyond TFLite's built-in ops (strings)."""
        return self.serving_endpoints()


def check_labels(labels, n, num_classes):
    """``labels`` (an int or ``n`` ints) as int32 ``[n]`` in ``[0, num_classes)``,
    or a ValueError/TypeError that says what was expected and found."""
    array = np.asarray(labels)
    if array.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers (class ids), got dtype {array.dtype} ({labels!r:.60}).")
    if array.ndim == 0:
        array = np.full((n,), int(array))
    if array.shape != (n,):
        raise ValueError(f"labels must be one int or {n} ints (one per sample), got shape {array.shape}.")
    bad = array[(array < 0) | (array >= num_classes)]
    if bad.size:
        raise ValueError(f"labels must be class ids in [0, {num_classes}); got {sorted(set(bad.tolist()))[:5]}.")
    return array.astype("int32")


def check_images(image, shape, where=""):
    """``image`` as float32 ``[n, *shape]`` (a single image gets a batch
    axis), or a ValueError that says which shape was expected (``where``:
    e.g. " (domain B)") and which was found."""
    image = np.asarray(image, dtype="float32")
    if image.ndim == len(shape):
        image = image[None]
    if image.shape[1:] != tuple(shape):
        raise ValueError(f"image must have shape [n, {', '.join(map(str, shape))}]{where}, got {image.shape}.")
    return image


def images_outputs(images):
    """The export's outputs: ``images`` in [-1, 1] and ``images_uint8``."""
    images = tf.clip_by_value(images, -1.0, 1.0)
    uint8 = tf.cast(tf.round((images + 1.0) * 127.5), tf.uint8)
    return {"images": images, "images_uint8": uint8}
