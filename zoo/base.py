"""The two shared bases (see docs/STYLE.md).

``GenerativeModel`` owns what every generative model needs: constructor
kwargs as config (sub-models serialized), compile config with the paper's
optimizers built before ``fit``, losses averaged over the *global* batch,
the replica-aware seed generator and ``draw``, state saved with the model
(``extra_state``), trackers, and inference and serving built from the
model's condition objects (``zoo.conditions``): ``generate``, the serving
signature, ``serve``, the export and TFLite endpoints, sample grids.

``AdversarialModel`` adds what every GAN needs: a generator and a
discriminator, their two optimizers, the latent, and the standard D/G
alternation in ``train_step``; variants override ``_discriminator_step`` /
``_generator_step`` (or ``train_step``) where their algorithm differs.

A model with one optimizer and no discriminator (a VAE, a flow, an MLE
language model) subclasses ``GenerativeModel`` directly.
"""

import copy
import functools

import numpy as np
import tensorflow as tf
import keras

from zoo import augment as zoo_augment
from zoo import conditions as zoo_conditions
from zoo import images as zoo_images
from zoo import losses as zoo_losses
from zoo.layers import is_number, whole_number
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


class GenerativeModel(keras.Model):
    """Base class of every zoo model.

    Subclasses build their networks, call ``super().__init__``, and store
    every constructor argument as an attribute of the same name:
    ``get_config`` reads them back, so the constructor kwargs *are* the
    config. They declare:

    * ``NETWORKS``: attribute names of the sub-models ((de)serialized as
      Keras objects);
    * ``OPTIMIZERS`` / ``DEFAULT_OPTIMIZERS``: the compile arguments and the
      paper's optimizers, and ``optimizer_variables(name)`` for each;
    * ``LOSS_NAMES``: the trackers ``fit`` logs;
    * ``conditions()`` (or ``endpoints()`` for several generators): the
      generator's inputs as ``zoo.conditions`` objects;
    * ``train_step``, and ``example_batch`` (a tiny batch of the form
      ``fit`` takes, for the shared tests).

    Args:
        seed: seeds the ``keras.random.SeedGenerator`` of training draws.
    """

    NETWORKS = ()
    OPTIMIZERS = ("optimizer",)
    DEFAULT_OPTIMIZERS = {"optimizer": ("Adam", {"learning_rate": 1e-3})}
    LOSS_NAMES = ("loss",)
    #: ``generate``'s keyword choosing an endpoint, for models with several
    #: (CycleGAN: ``direction``): its value ``v`` picks ``endpoints()["_v"]``.
    ENDPOINT_ARG = None
    #: The export's outputs (``serving_outputs``), and those its TFLite
    #: model keeps (TFLite's built-in ops have no strings: a text model's
    #: TFLite form returns its tokens alone).
    OUTPUTS = ("images", "images_uint8")
    TFLITE_OUTPUTS = ("images", "images_uint8")

    def __init__(self, *, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.seed = int(seed)
        # All state is created here, never in compile() (PITFALLS 5).
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="latent_seed")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in self.LOSS_NAMES}
        for name in self.OPTIMIZERS:
            if name != "optimizer":  # keras.Model owns that attribute
                setattr(self, name, None)
        # The networks are built functional models, so the wrapper is built
        # too; fit() must not build it symbolically on a batch (PITFALLS 4).
        self.built = True

    # === Config ===

    @classmethod
    def network_names(cls):
        return cls.NETWORKS

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

    def compile(self, **kwargs):
        """Compiles with the paper's optimizers unless others are given.

        Each of ``OPTIMIZERS`` may be an optimizer instance, a name, or a
        dict of config overrides for the default one (e.g.
        ``{"learning_rate": 1e-4}``). Other kwargs (``jit_compile``,
        ``steps_per_execution``, ``run_eagerly``) go to ``keras.Model.compile``.
        """
        optimizers = {
            name: _optimizer_from(kwargs.pop(name, None), self.default_optimizer(name)) for name in self.OPTIMIZERS
        }
        # model.optimizer is the first one (a GAN's generator's), so
        # optimizer.iterations counts generator steps (what TensorBoard and
        # schedules see).
        super().compile(optimizer=optimizers[self.OPTIMIZERS[0]], **kwargs)
        for name, optimizer in optimizers.items():
            setattr(self, name, optimizer)
        self._compile_kwargs = dict(kwargs)
        # Slot variables must exist before the distributed step runs
        # (PITFALLS 2): build them now, under the caller's strategy scope.
        for name, optimizer in optimizers.items():
            optimizer.build(self.optimizer_variables(name))

    def default_optimizer(self, name):
        """``(class_name, config)`` of the paper's optimizer ``name``."""
        return self.DEFAULT_OPTIMIZERS[name]

    def optimizer_variables(self, name):
        """The variables the optimizer ``name`` updates."""
        return self.trainable_variables

    def get_compile_config(self):
        if self.optimizer is None:
            return None
        return {
            **{name: keras.saving.serialize_keras_object(getattr(self, name)) for name in self.OPTIMIZERS},
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in self.OPTIMIZERS:
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    @property
    def steps_trained(self):
        """Updates made by the first optimizer (a GAN: generator steps)."""
        optimizer = getattr(self, "optimizer", None)  # an uncompiled model has none
        return int(optimizer.iterations.numpy()) if optimizer is not None else 0

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

    # === Trackers ===

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

    def apply_update(self, optimizer, loss, variables, tape):
        """One update of ``variables`` by ``optimizer`` on ``loss``."""
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))

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

    # === Training data ===

    @staticmethod
    def unpack(data):
        """Returns (x, y-or-None) from a batch."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x, y

    def unpack_labelled(self, data):
        """``(images, int32 labels)`` of a labelled batch, or an error that
        says how to load labelled data."""
        real, labels = self.unpack(data)
        if labels is None:
            raise ValueError(
                f"{self.registry_name} trains on (images, labels) batches; load the data with "
                "zoo.data.load_images(..., with_labels=True)."
            )
        return real, tf.cast(labels, tf.int32)

    def example_batch(self, n=8, seed=0):
        """A tiny training batch of the form ``fit`` takes (shared tests)."""
        raise NotImplementedError(f"{type(self).__name__} must define example_batch().")

    def init_from_data(self, load_split):
        """Called by ``zoo.train`` once, before the first epoch of a fresh run
        (not on resume), with ``load_split()`` returning the whole training
        split as ``zoo.data.arrays`` does (float32 in [-1, 1], in the
        split's order, the order of ``with_index``; token ids for sequence
        models). Default: nothing; GLO starts its codes from the images'
        principal components, SeqGAN loads its MLE-pretrained generator and
        pretrains its discriminator."""

    # === State saved with the model ===

    def extra_state(self):
        """Training state outside the networks and optimizers, by name: the
        seed generator's. Variants with more (e.g. an image pool) extend it.
        It is saved in training checkpoints and in ``.keras`` files, so
        training resumed from either draws what an uninterrupted run draws."""
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

    # === Inputs: condition objects ===

    def conditions(self):
        """The generator's inputs (``zoo.conditions`` objects), in the order
        the generator takes them."""
        raise NotImplementedError(f"{type(self).__name__} must define conditions() or endpoints().")

    def generator_network(self):
        """The network ``generate`` runs on the conditions."""
        return self.generator

    def endpoints(self):
        """``{suffix: Endpoint}``: one served function each (one exported
        model each). One generator: ``{"": ...}``; CycleGAN: ``_a2b``, ``_b2a``."""
        return {"": zoo_conditions.Endpoint(self.conditions(), self.generator_network())}

    def endpoint(self, choice=None):
        """The endpoint ``generate`` uses for ``ENDPOINT_ARG=choice``."""
        endpoints = self.endpoints()
        if self.ENDPOINT_ARG is None:
            if choice is not None:
                raise TypeError(f"{self.registry_name} has one endpoint; got {choice!r}.")
            return endpoints[""]
        keys = [k.lstrip("_") for k in endpoints]
        choice = keys[0] if choice is None else choice
        if choice not in keys:
            raise ValueError(f"{self.ENDPOINT_ARG} must be one of {tuple(keys)}, got {choice!r}.")
        return endpoints[f"_{choice}"]

    def can_sample(self):
        """True when ``generate(n)`` needs no input (every input has a default)."""
        return all(c.has_default for c in self.endpoint().conditions)

    def condition_of(self, kind):
        """The default endpoint's condition of class ``kind``, or ``None``."""
        return next((c for c in self.endpoint().conditions if isinstance(c, kind)), None)

    # === Inference ===

    def call(self, inputs, training=False):
        return self.endpoint().network(inputs, training=training)

    def generate(self, n=None, *, seed=0, batch_size=256, truncation=None, **inputs):
        """Generates samples as numpy (images: float32 in [-1, 1], shape
        [n, H, W, C]).

        Give ``n`` (inputs with a default are filled in: latents drawn with
        ``seed``, class labels in turn, default captions) and/or the inputs
        by name (``latent=``, ``labels=``, ``text=``, ``image=``,
        ``domain=``: see the model's ``conditions()``). Each input's check
        raises a clear error for a wrong value. ``truncation=t`` redraws
        the latent's components beyond t standard deviations
        (``zoo.conditions.truncate``; normal latents only).
        """
        choice = inputs.pop(self.ENDPOINT_ARG, None) if self.ENDPOINT_ARG else None
        endpoint = self.endpoint(choice)
        if n is not None:
            n = whole_number("n", n, minimum=1)
        given = {k: v for k, v in inputs.items() if v is not None}
        values = endpoint.check(n, seed, given, self.registry_name)
        if truncation is not None:
            if not any(type(c) is zoo_conditions.Latent for c in endpoint.conditions):
                raise ValueError(f"truncation= redraws a normal latent; {self.registry_name} takes "
                                 f"{[c.name for c in endpoint.conditions]} and no normal latent.")
            values["latent"] = zoo_conditions.truncate(values["latent"], truncation, seed)
        total = len(next(iter(values.values())))
        chunks = []
        for i in range(0, total, batch_size):
            part = {k: tf.convert_to_tensor(v[i : i + batch_size]) for k, v in values.items()}
            chunks.append(keras.ops.convert_to_numpy(endpoint.run(part, training=False)))
        return np.concatenate(chunks, axis=0)

    def preview_columns(self, batch):
        """Columns of the training sample grid for ``batch`` (a training
        batch, numpy), one row per example, or ``None``: a square grid of
        samples of fixed inputs. Models that need an input (translation)
        return e.g. input | output | target."""
        return None

    def sample_grid(self, batch, n=64, seed=1234):
        """``(images, columns)`` of the training sample grid (``columns=None``:
        a square grid of ``n`` samples drawn with ``seed``)."""
        columns = self.preview_columns(batch)
        if columns is None:
            return self.generate(n, seed=seed), None
        return zoo_images.side_by_side(*columns), len(columns)

    # === Serving ===

    def serving_signature(self):
        """Named input specs of the default endpoint (PITFALLS 9)."""
        return self.endpoint().signature()

    def serving_example(self, n=2, seed=0):
        """Inputs of the default endpoint (numpy, by name): what a client sends."""
        return self.endpoint_example(next(iter(self.endpoints())), n, seed)

    def endpoint_example(self, suffix, n=2, seed=0):
        """``serving_example`` for the endpoint ``suffix`` of ``serving_endpoints``."""
        return {c.name: c.example(n, seed) for c in self.endpoints()[suffix].conditions}

    def serve_endpoint(self, endpoint, inputs, tflite=False):
        """Maps named serving inputs to the named outputs. Every input passes
        through its condition's guards: a label gathered before its range
        check would fail with a bare GatherV2 error (and GPUs gather zeros)."""
        guards = [g for c in endpoint.conditions for g in c.guards(inputs[c.name])]
        with tf.control_dependencies(guards):
            values = {c.name: tf.identity(inputs[c.name]) for c in endpoint.conditions}
        return self.serving_outputs(endpoint.run(values, training=False), tflite=tflite)

    def serving_outputs(self, generated, tflite=False):
        """The named outputs of the network's output ``generated``: images
        in [-1, 1] and as uint8 (``tflite``: the ``TFLITE_OUTPUTS`` form)."""
        return images_outputs(tf.cast(generated, tf.float32))

    def serve(self, inputs):
        """``serve_endpoint`` of the default endpoint."""
        return self.serve_endpoint(self.endpoint(), inputs)

    def serving_endpoints(self):
        """``{name_suffix: (serve_fn, signature)}``: one exported model per entry."""
        return {
            suffix: (functools.partial(self.serve_endpoint, endpoint), endpoint.signature())
            for suffix, endpoint in self.endpoints().items()
        }

    def tflite_endpoints(self):
        """What ``export.tflite`` converts: each endpoint with its conditions'
        TFLite forms (text -> token ids)."""
        lite = {suffix: endpoint.tflite() for suffix, endpoint in self.endpoints().items()}
        return {suffix: (functools.partial(self.serve_endpoint, e, tflite=True), e.signature())
                for suffix, e in lite.items()}

    def tflite_inputs(self, inputs, suffix=None):
        """The TFLite model's inputs for a dict of serving inputs."""
        endpoints = self.endpoints()
        endpoint = endpoints[next(iter(endpoints)) if suffix is None else suffix]
        return {c.tflite().name: c.to_tflite(inputs[c.name]) for c in endpoint.conditions}

    def export_metadata(self):
        """Entries a model adds to its exports' ``metadata.json``."""
        return {}

    def export_resources(self):
        """Layers whose non-variable state (e.g. lookup tables) the serving
        functions read: tracked by the export so the SavedModel holds them."""
        return [r for e in self.endpoints().values() for c in e.conditions for r in c.resources]


class AdversarialModel(GenerativeModel):
    """A generator and a discriminator trained by alternation.

    Args:
        generator: ``keras.Model`` from the conditions (``conditions()``) to
            images in [-1, 1].
        discriminator: ``keras.Model`` mapping images to logits ``[batch, ...]``.
        latent_dim: size of the latent vector z; ``None`` for a generator
            without one (image-to-image models).
        adversarial_loss: a loss family of ``zoo.losses.FAMILIES``.
        d_steps: discriminator updates per generator update (same real batch,
            fresh latents for each).
        ema_decay: ``None`` (off) or the decay of an exponential moving
            average of each generator's weights (Karras et al. 2018; Yazici
            et al. 2019), e.g. 0.999: after every generator update,
            ``ema = d * ema + (1 - d) * weights`` with
            ``d = min(ema_decay, (1 + t) / (10 + t))`` at G step t (the early
            steps average over fewer updates, as in
            ``tf.train.ExponentialMovingAverage``); non-trainable weights
            (batch-norm statistics, spectral norm's ``u``) are copied.
            ``generate``, the exports and the evaluation callback use the
            averaged networks (``sampling_network``); training uses the live
            ones. Every subclass accepts it (``OPTIONS``).
        diff_augment: ``None`` or DiffAugment policies (Zhao et al. 2020;
            ``zoo.augment``: any of ``"color"``, ``"translation"``,
            ``"cutout"``, a list or comma-separated): every image D sees,
            real or fake, in the D and the G step, is augmented with draws
            of the replica-aware seed generator (``d_input``).
        r1_weight: gamma of the R1 penalty on real images (Mescheder et al.
            2018): ``gamma / 2 * |grad_x D(x)|^2`` per real example (x: the
            image as D sees it, augmented or not), added to D's loss and
            logged as ``r1_penalty``; 0 is off.
        r1_every: lazy R1 (Karras et al. 2020): computed on every k-th D
            update only, weighted by k.
        reuse_fakes: one generator forward per step (PyTorch's DCGAN
            example): D's step scores the fakes with their gradient
            stopped, then G's loss goes through the updated D on the same
            fakes, so a step draws one batch of latents instead of two.
            An algorithmic change (about a fifth fewer FLOPs for DCGAN);
            the standard alternation (``train_step`` of this class) with
            ``d_steps = 1`` only.
        seed: seeds the ``keras.random.SeedGenerator`` that draws training latents.
    """

    #: Attribute names of the networks: (de)serialized as Keras objects.
    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    LOSS_NAMES = ("d_loss", "g_loss")
    OPTIMIZERS = ("g_optimizer", "d_optimizer")
    #: (class_name, config) of the paper's optimizers for G and D.
    DEFAULT_G_OPTIMIZER = ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5})
    DEFAULT_D_OPTIMIZER = ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5})
    #: Training options every subclass takes through ``**kwargs`` (config keys too).
    OPTIONS = ("ema_decay", "diff_augment", "r1_weight", "r1_every", "reuse_fakes")
    #: Whether ``diff_augment`` / ``r1_weight`` apply: D judges generated
    #: images through ``d_input`` / ``score_real``. Image-to-image and text
    #: models set False (their D sees pairs or tokens) and refuse them.
    IMAGE_D_OPTIONS = True
    #: Whether ``ema_decay`` applies: the text GANs score and sample with
    #: their trained generator's sampler layer, so they refuse it.
    EMA_OPTION = True

    def __init__(
        self,
        *,
        generator,
        discriminator,
        latent_dim=None,
        adversarial_loss="non_saturating",
        d_steps=1,
        seed=0,
        ema_decay=None,
        diff_augment=None,
        r1_weight=0.0,
        r1_every=1,
        reuse_fakes=False,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        d_steps = whole_number("d_steps", d_steps, minimum=1)
        if ema_decay is not None and (not is_number(ema_decay) or not 0.0 < float(ema_decay) < 1.0):
            raise ValueError(f"ema_decay must be None (off) or a number in (0, 1), e.g. 0.999; got {ema_decay!r}.")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        if self.ema_decay is not None and not self.EMA_OPTION:
            raise ValueError(f"ema_decay is an option of the image GANs; {type(self).__name__} samples and scores "
                             f"with its trained generator (got ema_decay={self.ema_decay!r}).")
        self.diff_augment = zoo_augment.check_policies(diff_augment)
        if not is_number(r1_weight) or r1_weight < 0:
            raise ValueError(f"r1_weight must be a number >= 0 (0: off; e.g. 10), got {r1_weight!r}.")
        self.r1_weight = float(r1_weight)
        self.r1_every = whole_number("r1_every", r1_every, minimum=1)
        if not self.IMAGE_D_OPTIONS and (self.diff_augment or self.r1_weight):
            raise ValueError(f"diff_augment and r1_weight are options of the image GANs whose D judges one image; "
                             f"{type(self).__name__}'s D does not (got diff_augment={self.diff_augment!r}, "
                             f"r1_weight={self.r1_weight!r}).")
        if self.r1_weight:
            self.trackers["r1_penalty"] = keras.metrics.Mean(name="r1_penalty")
        if not isinstance(reuse_fakes, bool):
            raise ValueError(f"reuse_fakes must be true or false, got {reuse_fakes!r}.")
        own_step = type(self).train_step is not AdversarialModel.train_step
        if reuse_fakes and (own_step or d_steps != 1):
            raise ValueError(f"reuse_fakes needs the standard alternation with d_steps = 1; {type(self).__name__} "
                             f"has d_steps = {d_steps} and {'its own' if own_step else 'the'} train_step.")
        self.reuse_fakes = reuse_fakes
        # A 0-d latent would draw the same sample every time.
        latent_dim = None if latent_dim is None else whole_number("latent_dim", latent_dim, minimum=1)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.adversarial_loss = adversarial_loss
        self.g_loss_fn, self.d_loss_fn = zoo_losses.get(adversarial_loss)
        self.d_steps = d_steps
        self.add_averaged_generators()

    # === What D sees: DiffAugment, R1 ===

    def d_input(self, images):
        """``images`` as D sees them: through ``diff_augment``'s policies
        with fresh draws for this replica's share of the global batch."""
        if not self.diff_augment:
            return images
        batch = tf.shape(images)[0]
        draws = {p: self.draw(batch, [zoo_augment.DRAWS[p]], "uniform") for p in self.diff_augment}
        return zoo_augment.augment(images, draws, self.diff_augment)

    def score_real(self, score, real_in):
        """``(score(real_in), per-example R1 penalty)``; ``score`` maps D's
        input to its output (the adversarial logits first if a tuple). The
        penalty is 0 without ``r1_weight`` and, with ``r1_every = k``, on
        all but every k-th D update (then weighted by k)."""
        def unpenalized():
            return score(real_in), tf.zeros([tf.shape(real_in)[0]])

        if not self.r1_weight:
            return unpenalized()

        def penalized():
            with tf.GradientTape() as inner:
                inner.watch(real_in)
                out = score(real_in)
                logits = out[0] if isinstance(out, (tuple, list)) else out
                total = tf.reduce_sum(tf.cast(logits, tf.float32))
            grads = tf.cast(inner.gradient(total, real_in), tf.float32)
            norm2 = tf.reduce_sum(tf.square(grads), axis=list(range(1, len(real_in.shape))))
            return out, 0.5 * self.r1_weight * self.r1_every * norm2

        if self.r1_every == 1:
            out, penalty = penalized()
        else:
            due = tf.equal(self.d_optimizer.iterations % self.r1_every, 0)
            out, penalty = tf.cond(due, penalized, unpenalized)
        self._track("r1_penalty", penalty)
        return out, penalty

    # === Exponential moving average of the generators ===

    def add_averaged_generators(self):
        """Creates ``<name>_ema``, a copy of each generator of ``GENERATORS``
        set so far, when ``ema_decay`` is on. A subclass that sets a further
        generator after ``super().__init__`` calls this again."""
        if self.ema_decay is None:
            return
        for name in self.GENERATORS:
            network = getattr(self, name, None)
            if network is not None and getattr(self, f"{name}_ema", None) is None:
                copy_ = keras.models.clone_model(network)
                copy_.set_weights(network.get_weights())
                copy_.trainable = False
                setattr(self, f"{name}_ema", copy_)

    def sampling_network(self, name="generator"):
        """The generator ``name`` as ``generate`` and the exports run it: its
        moving average with ``ema_decay``, else the trained network."""
        return getattr(self, f"{name}_ema") if self.ema_decay is not None else getattr(self, name)

    def generator_network(self):
        return self.sampling_network("generator")

    def ema_rate(self):
        """The decay of this G step's average (``ema_decay``, lower early on)."""
        t = tf.cast(self.g_optimizer.iterations, tf.float32)
        return tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))

    def update_averages(self):
        """One moving-average step of every ``<name>_ema`` towards its generator."""
        with tf.name_scope("ema_update"):  # named in profiles (benchmarks/profile_step.py)
            self._move_averages(self.ema_rate())

    def _move_averages(self, rate):
        for name in self.GENERATORS:
            live, average = getattr(self, name), getattr(self, f"{name}_ema")
            trained = {id(w) for w in live.trainable_weights}
            for averaged, step_rate in ((True, rate), (False, 0.0)):  # trainable weights averaged, the rest copied
                # The copy holds its weights in the network's order.
                pairs = [(a, w) for a, w in zip(average.weights, live.weights) if (id(w) in trained) == averaged]
                move_towards([a for a, _ in pairs], [w for _, w in pairs], step_rate)

    def apply_update(self, optimizer, loss, variables, tape):
        super().apply_update(optimizer, loss, variables, tape)
        if self.ema_decay is not None and optimizer is self.g_optimizer:
            self.update_averages()

    @classmethod
    def network_names(cls):
        return cls.GENERATORS + cls.DISCRIMINATORS

    def default_optimizer(self, name):
        return self.DEFAULT_G_OPTIMIZER if name == "g_optimizer" else self.DEFAULT_D_OPTIMIZER

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Compiles with the paper's optimizers unless others are given (see
        ``GenerativeModel.compile``)."""
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)

    def optimizer_variables(self, name):
        return self.generator_variables if name == "g_optimizer" else self.discriminator_variables

    def _variables_of(self, names):
        return [v for n in names for v in getattr(self, n).trainable_variables]

    @property
    def generator_variables(self):
        return self._variables_of(self.GENERATORS)

    @property
    def discriminator_variables(self):
        return self._variables_of(self.DISCRIMINATORS)

    # === Latents ===

    def sample_latents(self, local_batch):
        """Training latents z ~ N(0, I) for this replica's share of the batch."""
        return self.draw(local_batch, [self.latent_dim])

    def latents(self, n, seed=0):
        """``n`` standard-normal latents, reproducible for a given ``seed``."""
        return zoo_conditions.Latent(self.latent_dim).draw(n, seed)

    def conditions(self):
        """An unconditional GAN's generator takes the latent alone."""
        return (zoo_conditions.Latent(self.latent_dim),)

    def example_batch(self, n=8, seed=0):
        """Real images, then the example of each condition that is not an
        image or the latent: ``(images, labels)`` for a class-conditional GAN,
        ``(images, domains)`` for StarGAN, ``images`` for an unconditional one."""
        images = zoo_conditions.random_images(self.image_shape, n, seed)
        skip = (zoo_conditions.Latent, zoo_conditions.Image)
        parts = [c.example(n, seed) for c in self.conditions() if not isinstance(c, skip)]
        return (images, *parts) if parts else images

    # === Training: the standard alternation ===

    def train_step(self, data):
        real, _ = self.unpack(data)
        batch = tf.shape(real)[0]
        if self.reuse_fakes:
            return self._step_reusing_fakes(real, batch)
        # 1. Discriminator: d_steps updates on this real batch, fresh fakes each.
        for _ in range(self.d_steps):
            self._discriminator_step(real, batch)
        # 2. Generator: one update through the (now fixed) discriminator.
        self._generator_step(batch)
        return self._logs()

    def _step_reusing_fakes(self, real, batch):
        """``reuse_fakes``: the same alternation on one batch of fakes."""
        with tf.GradientTape() as tape:
            fake = self.generator(self.sample_latents(batch), training=True)
            # 1. Discriminator: on these fakes, no gradient to G (not recorded).
            with tape.stop_recording():
                self._discriminator_step(real, batch, fake=tf.stop_gradient(fake))
            # 2. Generator: through the updated discriminator, on the same fakes.
            per_example = self.g_loss_fn(self.discriminator(self.d_input(fake), training=True))
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)
        return self._logs()

    def _discriminator_step(self, real, batch, fake=None):
        if fake is None:
            fake = self.generator(self.sample_latents(batch), training=True)
        with tf.GradientTape() as tape:
            real_logits, r1 = self.score_real(lambda x: self.discriminator(x, training=True), self.d_input(real))
            fake_logits = self.discriminator(self.d_input(fake), training=True)
            per_example = self.d_loss_fn(real_logits, fake_logits) + r1
            loss = self.global_mean(per_example) + self.regularization([self.discriminator])
        self.apply_update(self.d_optimizer, loss, self.discriminator_variables, tape)
        self._track("d_loss", per_example)
        return real_logits, fake_logits

    def _generator_step(self, batch):
        latents = self.sample_latents(batch)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.d_input(self.generator(latents, training=True)), training=True)
            per_example = self.g_loss_fn(fake_logits)
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)


def move_towards(targets, sources, rate):
    """``target = rate * target + (1 - rate) * source`` for each pair (``rate``
    0: a copy). Under a strategy it runs in cross-replica context: a
    mirrored variable refuses an assignment from one replica (Keras's own
    EMA of weights does the same)."""
    if len(targets) != len(sources):
        raise ValueError(f"move_towards needs as many targets as sources, got {len(targets)} and {len(sources)}.")
    pairs = [(t._value if hasattr(t, "_value") else t.value, s) for t, s in zip(targets, sources)]

    def moved(t, s):
        return t.assign(rate * t + (1.0 - rate) * tf.cast(s, t.dtype))

    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        for t, s in pairs:
            moved(t, s)
        return

    def update(strategy):
        for t, s in pairs:
            strategy.extended.update(t, moved, args=(s,))

    ctx.merge_call(update)


def images_outputs(images):
    """The export's outputs: ``images`` in [-1, 1] and ``images_uint8``."""
    images = tf.clip_by_value(images, -1.0, 1.0)
    uint8 = tf.cast(tf.round((images + 1.0) * 127.5), tf.uint8)
    return {"images": images, "images_uint8": uint8}
