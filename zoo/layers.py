"""Network builders shared by several variants."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops


def is_number(value):
    """True for an int or float (numpy's too), False for booleans, strings
    and everything else."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer, float, np.floating))


def whole_number(name, value, minimum=None):
    """``value`` as an int, or a ValueError naming ``name``: floats that are
    not whole (2.5), strings and booleans are refused, not truncated."""
    if not is_number(value) or (isinstance(value, (float, np.floating)) and not float(value).is_integer()):
        raise ValueError(f"{name} must be a whole number, got {value!r} ({type(value).__name__}).")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return value


def check_image_shape(image_shape, custom_networks=False):
    """``(height, width, channels)`` with 1 or 3 channels. With
    ``custom_networks`` (the caller passed both networks), any per-example
    shape is accepted, e.g. ``(2,)`` for 2-D points."""
    if isinstance(image_shape, (str, bytes)) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in image_shape
    ):
        raise ValueError(f"image_shape must be whole numbers (height, width, channels), got {image_shape!r}.")
    image_shape = tuple(int(d) for d in image_shape)
    if custom_networks:
        if not image_shape or min(image_shape) < 1:
            raise ValueError(f"image_shape must be positive sizes, got {image_shape}.")
        return image_shape
    if len(image_shape) != 3 or image_shape[2] not in (1, 3) or min(image_shape[:2]) < 1:
        raise ValueError(
            "image_shape must be (height, width, channels) with height, width >= 1 and 1 or 3 channels, "
            f"got {image_shape}."
        )
    return image_shape


def upsampling_plan(size):
    """(start_size, n_upsamplings): halve ``size`` while it stays even and >= 4
    after halving; e.g. 28 -> (7, 2), 32 -> (4, 3), 64 -> (4, 4)."""
    start, steps = size, 0
    while start % 2 == 0 and start // 2 >= 4:
        start //= 2
        steps += 1
    if steps == 0:
        raise ValueError(f"Image size {size} cannot be reached by stride-2 upsampling from >= 4.")
    return start, steps


# === Spectral normalization (Miyato et al. 2018) ===


@keras.saving.register_keras_serializable(package="zoo")
class SpectralNormalization(keras.layers.Wrapper):
    """Divides a linear layer's kernel by its largest singular value.

    Miyato et al.'s reparametrisation: the layer computes ``x W / sigma(W)``
    with ``sigma`` estimated by power iteration (``u`` kept between calls,
    updated only when ``training``), and the gradient flows through
    ``sigma``. ``keras.layers.SpectralNormalization`` instead overwrites the
    kernel variable with ``W / sigma`` inside the forward pass and lets no
    gradient through ``sigma``, which is not the paper's method (and writes
    to a trainable variable inside the distributed step).

    The wrapped layer must be linear (no activation): its output is rescaled
    as ``(layer(x) - bias) / sigma + bias``, which equals using ``W / sigma``.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if int(power_iterations) < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations}.")
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        super().build(input_shape)
        activation = getattr(self.layer, "activation", None)
        if activation not in (None, keras.activations.linear):
            raise ValueError(
                f"SpectralNormalization needs a linear layer; {self.layer.name} has "
                f"activation {getattr(activation, '__name__', activation)}. Put the "
                "activation in a separate layer."
            )
        if not hasattr(self.layer, "kernel"):
            raise ValueError(f"{type(self.layer).__name__} has no kernel to normalize.")
        self.vector_u = self.add_weight(
            shape=(1, self.layer.kernel.shape[-1]),
            initializer=keras.initializers.RandomNormal(seed=0),
            trainable=False,
            name="vector_u",
            # Every replica computes the same u from the same weights.
            aggregation="only_first_replica",
        )

    def _sigma_and_u(self):
        kernel = self.layer.kernel
        weights = ops.reshape(kernel, (-1, kernel.shape[-1]))
        u = ops.convert_to_tensor(self.vector_u)
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(weights)))
            u = _l2_normalize(ops.matmul(v, weights))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, weights), ops.transpose(u))[0, 0]
        return sigma, u

    def normalized_kernel(self):
        """``W / sigma(W)`` with the current estimate (for inspection)."""
        sigma, _ = self._sigma_and_u()
        return self.layer.kernel / sigma

    def call(self, inputs, training=False):
        sigma, u = self._sigma_and_u()
        if training:
            self.vector_u.assign(u)
        outputs = self.layer(inputs)
        bias = getattr(self.layer, "bias", None)
        if bias is None:
            return outputs / sigma
        return (outputs - bias) / sigma + bias

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _l2_normalize(x):
    return x / ops.sqrt(ops.sum(ops.square(x)) + 1e-12)


def spectral_norm(layer):
    """The ``normalization`` argument of ``dcgan_discriminator`` for SNGAN."""
    return SpectralNormalization(layer)


# === DCGAN (Radford et al. 2015) ===


def dcgan_generator(image_shape, latent_dim, filters=64, kernel_size=4, hidden_units=0, name="generator"):
    """Project z, then stride-2 transposed convs with batch norm + ReLU; tanh out.

    Batch norm is synchronized so the model trains the same on any number of
    replicas (PITFALLS 14). ``hidden_units``: see ``dcgan_upsampler``.
    """
    z = keras.Input((whole_number("latent_dim", latent_dim, minimum=1),), name="latent")
    return keras.Model(z, dcgan_upsampler(z, image_shape, filters, kernel_size, hidden_units), name=name)


def dcgan_upsampler(x, image_shape, filters=64, kernel_size=4, hidden_units=0):
    """DCGAN's generator body on a symbolic vector ``x`` (z, or z joined with
    a condition): Dense projection, upsampling blocks, tanh images.

    ``hidden_units`` > 0 puts a fully connected layer (batch norm + ReLU) of
    that width before the projection, as the MNIST networks of InfoGAN
    (Chen et al. 2016) and TF-GAN's MNIST example do; 0 (the paper's) none.
    """
    height, width, channels = check_image_shape(image_shape)
    if height != width:
        raise ValueError(f"DCGAN networks need square images, got {image_shape}.")
    start, steps = upsampling_plan(height)
    hidden_units = whole_number("g_hidden_units", hidden_units, minimum=0)
    if hidden_units:
        x = layers.Dense(hidden_units, use_bias=False)(x)
        x = layers.ReLU()(BatchNorm()(x))
    x = layers.Dense(start * start * filters * 2 ** (steps - 1), use_bias=False)(x)
    x = layers.Reshape((start, start, filters * 2 ** (steps - 1)))(x)
    x = BatchNorm()(x)
    x = layers.ReLU()(x)
    for i in range(steps - 1):
        x = layers.Conv2DTranspose(
            filters * 2 ** (steps - 2 - i), kernel_size, strides=2, padding="same", use_bias=False
        )(x)
        x = BatchNorm()(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same")(x)
    return layers.Activation("tanh", dtype="float32", name="images")(x)


def dcgan_discriminator(
    image_shape, filters=64, kernel_size=4, normalization=None, hidden_units=0, name="discriminator"
):
    """Stride-2 convs with LeakyReLU(0.2), then one logit.

    ``normalization``: None, or a callable returning a layer to wrap each conv
    and dense layer (e.g. spectral normalization). ``hidden_units`` > 0 puts
    a fully connected layer (LeakyReLU(0.2)) of that width between the convs
    and the logit (InfoGAN's and TF-GAN's MNIST D): at 28x28 the two convs
    see 10x10 patches, and without it the logit is a linear sum of patch
    features; 0 (the paper's) none.
    """
    wrap = normalization or (lambda layer: layer)
    images = keras.Input(image_shape, name="images")
    features = dcgan_downsampler(images, image_shape, filters, kernel_size, normalization)
    hidden_units = whole_number("d_hidden_units", hidden_units, minimum=0)
    if hidden_units:
        features = layers.LeakyReLU(0.2)(wrap(layers.Dense(hidden_units))(features))
    logits = wrap(layers.Dense(1))(features)
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model(images, logits, name=name)


def dcgan_downsampler(x, image_shape, filters=64, kernel_size=4, normalization=None):
    """DCGAN's discriminator body on symbolic images ``x`` (possibly with
    condition channels appended): stride-2 convs + LeakyReLU(0.2), flattened."""
    check_image_shape(image_shape)
    _, steps = upsampling_plan(image_shape[0])
    wrap = normalization or (lambda layer: layer)
    for i in range(steps):
        x = wrap(layers.Conv2D(filters * 2**i, kernel_size, strides=2, padding="same"))(x)
        x = layers.LeakyReLU(0.2)(x)
    return layers.Flatten()(x)


ARCHITECTURES = ("dcgan", "resnet")


def dcgan_networks(
    image_shape, latent_dim, g_filters, d_filters, kernel_size,
    generator=None, discriminator=None, d_normalization=None, architecture="dcgan",
    g_hidden_units=0, d_hidden_units=0,
):
    """``(image_shape, generator, discriminator)`` for the unconditional
    image GANs: the networks given, or the ``architecture``'s built for
    ``image_shape``: ``"dcgan"`` (strided convs; D wrapped by
    ``d_normalization``) or ``"resnet"`` (``resnet_sn_generator`` /
    ``resnet_sn_discriminator``: residual blocks, spectral norm in every D
    layer whatever ``d_normalization``; ``kernel_size`` unused, the blocks'
    convs are 3x3). Any per-example shape is accepted when both networks
    are given. ``g_hidden_units`` / ``d_hidden_units``: a fully connected
    hidden layer in the ``"dcgan"`` networks (``dcgan_upsampler``,
    ``dcgan_discriminator``); 0, none."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}.")
    if architecture == "resnet" and (g_hidden_units or d_hidden_units):
        raise ValueError(
            "g_hidden_units / d_hidden_units add a dense layer to the 'dcgan' networks; "
            f"architecture='resnet' has none, got {g_hidden_units} / {d_hidden_units}."
        )
    custom = generator is not None and discriminator is not None
    image_shape = check_image_shape(image_shape, custom)
    if generator is None:
        generator = (resnet_sn_generator(image_shape, latent_dim, g_filters) if architecture == "resnet"
                     else dcgan_generator(image_shape, latent_dim, g_filters, kernel_size, g_hidden_units))
    if discriminator is None:
        discriminator = (resnet_sn_discriminator(image_shape, d_filters) if architecture == "resnet"
                         else dcgan_discriminator(image_shape, d_filters, kernel_size, normalization=d_normalization,
                                                  hidden_units=d_hidden_units))
    return image_shape, generator, discriminator


# === ResNet networks with spectral norm (Miyato et al. 2018, after Gulrajani et al. 2017) ===


def resnet_sn_generator(image_shape, latent_dim, filters=64, name="generator"):
    """SNGAN's ResNet generator: project z to a ``start x start`` map, then
    one residual up-block per doubling (BN, ReLU, nearest 2x upsampling,
    3x3 conv, BN, ReLU, 3x3 conv; shortcut a 1x1 conv of the upsampled
    input), then BN, ReLU, a 3x3 conv and tanh. Nearest upsampling + conv
    instead of transposed convs: no checkerboard (Odena et al. 2016).

    Widths halve per block and end at ``filters`` (64x64: 8f, 8f -> 4f ->
    2f -> f). The shortcut's 1x1 conv is applied before the upsampling:
    both are linear and per-pixel / per-channel, so the order does not
    change the result and costs 4x less. Batch norm is the zoo's
    synchronized ``BatchNorm`` (replica-count invariant)."""
    height, width, channels = check_image_shape(image_shape)
    if height != width:
        raise ValueError(f"ResNet networks need square images, got {image_shape}.")
    start, steps = upsampling_plan(height)
    filters = whole_number("g_filters", filters, minimum=1)
    z = keras.Input((whole_number("latent_dim", latent_dim, minimum=1),), name="latent")
    x = layers.Dense(start * start * filters * 2 ** (steps - 1))(z)
    x = layers.Reshape((start, start, filters * 2 ** (steps - 1)))(x)
    for i in range(steps):
        width = filters * 2 ** (steps - 1 - i)
        shortcut = Upsample2x()(layers.Conv2D(width, 1)(x))
        h = layers.ReLU()(BatchNorm()(x))
        h = layers.Conv2D(width, 3, padding="same")(Upsample2x()(h))
        h = layers.ReLU()(BatchNorm()(h))
        h = layers.Conv2D(width, 3, padding="same")(h)
        x = layers.Add()([h, shortcut])
    x = layers.ReLU()(BatchNorm()(x))
    x = layers.Conv2D(channels, 3, padding="same")(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(z, images, name=name)


def resnet_sn_discriminator(image_shape, filters=64, name="discriminator"):
    """SNGAN's ResNet discriminator: one residual down-block per halving
    (ReLU, 3x3 conv, ReLU, 3x3 conv, 2x2 average pooling; shortcut a 1x1
    conv of the pooled input; the first block starts with its conv, not a
    ReLU on the image), then ReLU, a sum over positions and one logit.
    Every conv and the dense layer are spectrally normalized. Widths double
    per block from ``filters``, capped at 8x. No batch norm (D sees real
    and fake batches apart)."""
    height, _, _ = check_image_shape(image_shape)
    if height != image_shape[1]:
        raise ValueError(f"ResNet networks need square images, got {image_shape}.")
    _, steps = upsampling_plan(height)
    filters = whole_number("d_filters", filters, minimum=1)
    images = keras.Input(image_shape, name="images")
    x = images
    for i in range(steps):
        width = filters * 2 ** min(i, 3)
        shortcut = spectral_norm(layers.Conv2D(width, 1))(layers.AveragePooling2D(2)(x))
        h = x if i == 0 else layers.ReLU()(x)
        h = spectral_norm(layers.Conv2D(width, 3, padding="same"))(h)
        h = spectral_norm(layers.Conv2D(width, 3, padding="same"))(layers.ReLU()(h))
        x = layers.Add()([layers.AveragePooling2D(2)(h), shortcut])
    x = GlobalSumPooling2D()(layers.ReLU()(x))
    logits = spectral_norm(layers.Dense(1))(x)
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model(images, logits, name=name)


@keras.saving.register_keras_serializable(package="zoo")
class Upsample2x(keras.layers.Layer):
    """Nearest-neighbour 2x upsampling that keeps the static shape.
    ``keras.layers.UpSampling2D``'s ``repeat`` leaves the height unknown in
    the graph, and TFLite's converter then refuses the next ``Conv2D``
    ("neither a custom op nor a flex op")."""

    def call(self, inputs):
        _, height, width, channels = inputs.shape
        x = ops.repeat(ops.repeat(inputs, 2, axis=1), 2, axis=2)
        return ops.reshape(x, (-1, 2 * height, 2 * width, channels))

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, 2 * height, 2 * width, channels)


@keras.saving.register_keras_serializable(package="zoo")
class GlobalSumPooling2D(keras.layers.Layer):
    """Sum over height and width (SNGAN's D head; a mean would scale the
    logit by 1 / (height * width))."""

    def call(self, inputs):
        return ops.sum(inputs, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[3])


# === MLP (Goodfellow et al. 2014) ===


def mlp_generator(image_shape, latent_dim, hidden_units=(256, 512, 1024), name="generator"):
    image_shape = check_image_shape(image_shape)
    z = keras.Input((whole_number("latent_dim", latent_dim, minimum=1),), name="latent")
    x = z
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    images = layers.Reshape(image_shape, dtype="float32", name="images")(x)
    return keras.Model(z, images, name=name)


def mlp_discriminator(image_shape, hidden_units=(512, 256), normalization=None, name="discriminator"):
    """Dense + LeakyReLU(0.2) layers, then one logit. ``normalization``: as
    in ``dcgan_discriminator``."""
    wrap = normalization or (lambda layer: layer)
    images = keras.Input(tuple(image_shape), name="images")
    x = layers.Flatten()(images)
    for units in hidden_units:
        x = wrap(layers.Dense(units))(x)
        x = layers.LeakyReLU(0.2)(x)
    x = wrap(layers.Dense(1))(x)
    logits = layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)


# === Conditional networks (Mirza & Osindero 2014; Miyato & Koyama 2018) ===


def label_condition(num_classes):
    """A condition builder for integer class labels: ``build(dim)`` returns
    ``(labels_input, vector)`` with ``labels_input`` int32 ``[batch]`` and
    ``vector`` a learned ``dim``-d embedding of the class."""

    def build(dim):
        labels = keras.Input((), dtype="int32", name="labels")
        return labels, layers.Embedding(num_classes, dim, name="label_embedding")(labels)

    return build


def conditional_dcgan_generator(image_shape, latent_dim, condition, condition_dim=50,
                                filters=64, kernel_size=4, name="generator"):
    """DCGAN generator on ``[z, condition vector]`` (Mirza & Osindero's joint
    input). ``condition``: a builder from ``label_condition`` / ``token_condition``."""
    z = keras.Input((whole_number("latent_dim", latent_dim, minimum=1),), name="latent")
    condition_input, vector = condition(condition_dim)
    x = layers.Concatenate(name="latent_and_condition")([z, vector])
    return keras.Model([z, condition_input], dcgan_upsampler(x, image_shape, filters, kernel_size), name=name)


def conditional_dcgan_discriminator(image_shape, condition, discriminator="concat", filters=64,
                                    kernel_size=4, name="discriminator"):
    """A DCGAN discriminator that judges an (image, condition) pair.

    ``discriminator="concat"``: the condition is mapped to one extra image
    channel and stacked on the input (Mirza & Osindero). ``"projection"``:
    ``logit = psi(phi(x)) + <embed(y), phi(x)>`` on the flattened features
    ``phi(x)`` (Miyato & Koyama 2018).
    """
    if discriminator not in ("concat", "projection"):
        raise ValueError(f"discriminator must be 'concat' or 'projection', got {discriminator!r}.")
    height, width, _ = check_image_shape(image_shape)
    images = keras.Input(image_shape, name="images")
    if discriminator == "concat":
        condition_input, vector = condition(height * width)
        plane = layers.Reshape((height, width, 1), name="condition_plane")(vector)
        x = layers.Concatenate(name="image_and_condition")([images, plane])
        features = dcgan_downsampler(x, image_shape, filters, kernel_size)
        logits = layers.Dense(1)(features)
    else:
        features = dcgan_downsampler(images, image_shape, filters, kernel_size)
        condition_input, vector = condition(features.shape[-1])
        projected = layers.Dot(axes=-1, name="projection")([vector, features])
        logits = layers.Add()([layers.Dense(1)(features), projected])
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model([images, condition_input], logits, name=name)


# === Image-to-image (Isola et al. 2017; Zhu et al. 2017) ===

NORMALIZATIONS = ("instance", "batch", "none")


def normalization(kind, name=None):
    """``"instance"``: per-example, per-channel (GroupNormalization with one
    group per channel, learned scale and offset); ``"batch"``: synchronized
    batch norm (PITFALLS 14); ``"none"``: identity."""
    if kind == "instance":
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    if kind == "batch":
        return BatchNorm(name=name)
    if kind == "none":
        return layers.Identity(name=name)
    raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {kind!r}.")


@keras.saving.register_keras_serializable(package="zoo")
class BatchNorm(keras.layers.BatchNormalization):
    """Synchronized batch norm that takes TensorFlow's fused kernel when it can.

    ``keras.layers.BatchNormalization(synchronized=True)`` (PITFALLS 14)
    computes the moments with separate reductions, squares and an all-reduce
    even on one replica, and normalizes with elementwise ops. On one replica,
    training on 4-d channels-last inputs, this layer calls
    ``FusedBatchNormV3`` instead (oneDNN's kernel where oneDNN is on): the
    same outputs, gradients and moving statistics (Keras's moving variance
    is the biased batch variance; the fused kernel returns the unbiased one,
    rescaled here). Everywhere else (several replicas, inference, masks,
    renorm) it is Keras's layer unchanged, so replica-count invariance holds.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("synchronized", True)
        super().__init__(**kwargs)

    def _fusable(self, inputs, training, mask):
        context = tf.distribute.get_replica_context()
        return (
            training
            and self.trainable
            and mask is None
            and (context is None or context.num_replicas_in_sync == 1)
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
            and not self.renorm
            and self.scale
            and self.center
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        x = tf.cast(inputs, tf.float32)
        outputs, mean, unbiased = tf.compat.v1.nn.fused_batch_norm(
            x, tf.cast(self.gamma, tf.float32), tf.cast(self.beta, tf.float32), epsilon=self.epsilon,
            is_training=True,
        )
        count = tf.cast(tf.size(x) // tf.shape(x)[-1], tf.float32)
        variance = unbiased * tf.maximum(count - 1.0, 0.0) / count
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return tf.cast(outputs, self.compute_dtype)


@keras.saving.register_keras_serializable(package="zoo")
class ReplicaDropout(keras.layers.Layer):
    """Dropout whose masks are right under ``tf.distribute``.

    ``keras.layers.Dropout`` draws from one seed state that every replica
    shares, so all replicas use the *same* masks on their slices of the
    batch. This layer draws the mask for the whole global batch from a
    stateless generator and takes this replica's rows (as the base model
    does for latents, PITFALLS 13): masks differ across examples and a
    global batch gets the same masks on 1 or N replicas. Its seed state is a
    variable (``seed_state``), saved with the weights, so a reloaded or
    resumed model continues with the masks an uninterrupted run would draw.
    """

    def __init__(self, rate, seed=0, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}.")
        self.rate, self.seed = float(rate), int(seed)

    def build(self, input_shape):
        self.seed_state = self.add_weight(
            shape=(2,), dtype="int64", trainable=False, name="seed_state",
            initializer=keras.initializers.Constant([self.seed, 0]),
            aggregation="only_first_replica",
        )

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        import tensorflow as tf

        ctx = tf.distribute.get_replica_context()
        replicas = 1 if ctx is None else ctx.num_replicas_in_sync
        replica = 0 if ctx is None else ctx.replica_id_in_sync_group
        local = tf.shape(inputs)[0]
        seed = tf.convert_to_tensor(self.seed_state)
        self.seed_state.assign(seed + tf.constant([0, 1], tf.int64))
        shape = tf.concat([[local * replicas], tf.shape(inputs)[1:]], 0)
        keep = tf.random.stateless_uniform(shape, seed=seed)[replica * local : (replica + 1) * local] >= self.rate
        return tf.where(keep, inputs / (1.0 - self.rate), tf.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def patchgan_discriminator(target_shape, input_shape=None, filters=64, n_layers=3, norm="instance",
                           name="discriminator"):
    """PatchGAN: a map of logits, one per overlapping patch (70x70 receptive
    field with ``n_layers=3``). With ``input_shape`` it judges (input,
    target) pairs, as pix2pix's conditional D; without, targets alone (CycleGAN).
    No normalization after the first conv (as in the paper)."""
    target = keras.Input(tuple(target_shape), name="target")
    inputs = [target]
    x = target
    if input_shape is not None:
        source = keras.Input(tuple(input_shape), name="image")
        inputs = [source, target]
        x = layers.Concatenate()([source, target])
    for i in range(n_layers + 1):
        stride = 2 if i < n_layers else 1
        normalized = i > 0 and norm != "none"
        x = layers.Conv2D(filters * min(2**i, 8), 4, strides=stride, padding="same", use_bias=not normalized)(x)
        if normalized:
            x = normalization(norm)(x)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.Conv2D(1, 4, strides=1, padding="same")(x)
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model(inputs if len(inputs) > 1 else target, logits, name=name)


@keras.saving.register_keras_serializable(package="zoo")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the border (no zero frame for the
    generator to paint over; CycleGAN's ResNet generator). Converts to
    TFLite's MIRROR_PAD."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda size: None if size is None else size + 2 * self.padding  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def resnet_generator(input_shape, output_channels, filters=64, n_blocks=9, norm="instance", name="generator",
                     conditional_norm=None):
    """CycleGAN's generator (Johnson et al. 2016's transformer network):
    c7s1-k, two stride-2 downsamplings (2k, 4k), ``n_blocks`` residual
    blocks at 4k, two stride-2 transposed-conv upsamplings, c7s1-C, tanh.
    Reflection padding around the 7x7 and 3x3 convs; no conv bias before a
    normalization (it would be removed by it).

    With ``conditional_norm`` (StarGAN: a factory of its conditional
    instance norm) it takes ``[image, domain]`` and every normalization is
    ``conditional_norm()([x, domain])``. StarGAN's own input, one-hot planes stacked on the image, does
    not survive here: a constant plane through a reflection-padded conv is a
    per-channel constant, which the next instance norm subtracts exactly
    (measured: outputs for different domains equal to 2e-6)."""
    height, width, _ = input_shape
    if height % 4 or width % 4:
        raise ValueError(f"The ResNet generator halves the size twice: height and width must be multiples of 4, got {input_shape}.")
    if int(n_blocks) < 0:
        raise ValueError(f"n_blocks must be >= 0, got {n_blocks}.")
    if conditional_norm and norm != "instance":
        raise ValueError(f"A domain-conditioned generator uses conditional instance norm; got norm={norm!r}.")
    biased = norm == "none"
    image = keras.Input(tuple(input_shape), name="image")
    inputs = image
    if conditional_norm:
        domain = keras.Input((), dtype="int32", name="domain")
        inputs = [image, domain]

    def normalize(x):
        if conditional_norm:
            return conditional_norm()([x, domain])
        return normalization(norm)(x)

    def conv_norm(x, width, kernel, strides=1, relu=True):
        if kernel > 1 and strides == 1:
            x = ReflectionPadding2D(kernel // 2)(x)
        x = layers.Conv2D(width, kernel, strides=strides, padding="valid" if strides == 1 else "same", use_bias=biased)(x)
        x = normalize(x)
        return layers.ReLU()(x) if relu else x

    x = conv_norm(image, filters, 7)
    x = conv_norm(x, 2 * filters, 3, strides=2)
    x = conv_norm(x, 4 * filters, 3, strides=2)
    for _ in range(int(n_blocks)):
        residual = conv_norm(conv_norm(x, 4 * filters, 3), 4 * filters, 3, relu=False)
        x = layers.Add()([x, residual])
    for width in (2 * filters, filters):
        x = layers.Conv2DTranspose(width, 3, strides=2, padding="same", use_bias=biased)(x)
        x = layers.ReLU()(normalize(x))
    x = layers.Conv2D(output_channels, 7, padding="valid")(ReflectionPadding2D(3)(x))
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name=name)
