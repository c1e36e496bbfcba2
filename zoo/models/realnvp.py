"""RealNVP normalizing flow (Dinh, Sohl-Dickstein & Bengio 2017)."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo import conditions as zoo_conditions
from zoo import layers as zoo_layers
from zoo import losses as zoo_losses
from zoo.base import GenerativeModel
from zoo.registry import register

# === Masks, squeeze ===


def checkerboard(height, width, channels, parity):
    """[1, H, W, C] float mask: 1 where (row + col + parity) is even."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    mask = ((rows + cols + parity) % 2 == 0).astype("float32")
    return np.repeat(mask[None, :, :, None], channels, axis=-1)


def channel_mask(height, width, channels, parity):
    """[1, H, W, C] float mask: 1 on the first half of the channels (parity 0)
    or the second half (parity 1)."""
    first = (np.arange(channels) < channels // 2) != bool(parity)
    return np.broadcast_to(first.astype("float32"), (1, height, width, channels)).copy()


def coupling_network(shape, filters, hidden_layers, name):
    """x * mask -> (raw log-scale, shift), each of ``shape``'s channels. The
    last conv starts at zero: every coupling begins as the identity."""
    x = inputs = keras.Input(shape)
    for _ in range(hidden_layers):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    out = layers.Conv2D(2 * shape[-1], 3, padding="same", kernel_initializer="zeros", dtype="float32")(x)
    return keras.Model(inputs, out, name=name)


@keras.saving.register_keras_serializable(package="zoo")
class RealNVPFlow(keras.layers.Layer):
    """The bijection between dequantized images in [0, 1) and z ~ N(0, I).

    Per scale: ``couplings`` affine couplings with checkerboard masks
    (alternating parity), a squeeze (2x2 space-to-depth), ``couplings`` with
    channel masks, then half of the channels leave as latents (the
    multi-scale split). After the last scale, ``final_couplings``
    checkerboard couplings. Each coupling is followed by an actnorm
    (per-channel scale and shift, starting at the identity; no data-dependent
    initialization, so nothing depends on the first batch or the replica).

    ``forward(x)`` gives ``(z, log|det dz/dx|)`` (the logit preprocessing
    included), ``inverse(z)`` the images back; ``call(z)`` is ``inverse``
    mapped to [-1, 1], the served direction.
    """

    def __init__(self, image_shape, n_scales=2, couplings=3, final_couplings=4, filters=64, hidden_layers=2,
                 alpha=0.05, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.n_scales, self.couplings, self.final_couplings = int(n_scales), int(couplings), int(final_couplings)
        self.filters, self.hidden_layers, self.alpha = int(filters), int(hidden_layers), float(alpha)
        height, width, channels = self.image_shape
        if height % 2**self.n_scales or width % 2**self.n_scales:
            raise ValueError(f"RealNVP with n_scales={self.n_scales} needs height and width divisible by "
                             f"{2 ** self.n_scales}, got {self.image_shape}.")
        # Per coupling: its network, and (log-scale factor, actnorm log-scale, actnorm shift).
        self._steps = []  # plain tuples: ("coupling", (mask, index)), ("squeeze", None), ("split", channels)
        self.nets = []
        self.coupling_weights = []
        shape = (height, width, channels)
        for scale in range(self.n_scales + 1):
            last = scale == self.n_scales
            for i in range(self.final_couplings if last else self.couplings):
                self._add_coupling(shape, checkerboard(*shape, i % 2), f"s{scale}_checker{i}")
            if last:
                break
            shape = (shape[0] // 2, shape[1] // 2, shape[2] * 4)
            self._steps.append(("squeeze", None))
            for i in range(self.couplings):
                self._add_coupling(shape, channel_mask(*shape, i % 2), f"s{scale}_channel{i}")
            self._steps.append(("split", shape[2] // 2))
            shape = (shape[0], shape[1], shape[2] // 2)
        self.built = True

    def _add_coupling(self, shape, mask, name):
        net = coupling_network(shape, self.filters, self.hidden_layers, name)
        self.nets.append(net)
        c = shape[-1]
        weights = (
            self.add_weight(shape=(c,), initializer="ones", name=f"{name}_scale"),
            self.add_weight(shape=(c,), initializer="zeros", name=f"{name}_an_log_scale"),
            self.add_weight(shape=(c,), initializer="zeros", name=f"{name}_an_shift"),
        )
        self.coupling_weights.append(weights)
        self._steps.append(("coupling", (mask, len(self.nets) - 1)))

    def get_config(self):
        return {**super().get_config(), "image_shape": list(self.image_shape), "n_scales": self.n_scales,
                "couplings": self.couplings, "final_couplings": self.final_couplings, "filters": self.filters,
                "hidden_layers": self.hidden_layers, "alpha": self.alpha}

    @property
    def dims(self):
        return int(np.prod(self.image_shape))

    # === One coupling + actnorm, both ways ===

    def _log_scale_and_shift(self, h, mask, index, training):
        """The coupling's transform of the unmasked part, from the masked part."""
        factor = self.coupling_weights[index][0]
        raw_log_scale, shift = tf.split(self.nets[index](h * mask, training=training), 2, axis=-1)
        return factor * tf.tanh(raw_log_scale) * (1.0 - mask), shift

    def _coupling(self, x, spec, training):
        mask, index = spec
        _, an_log_scale, an_shift = self.coupling_weights[index]
        log_scale, shift = self._log_scale_and_shift(x, mask, index, training)
        y = x * mask + (1.0 - mask) * (x * tf.exp(log_scale) + shift)
        y = y * tf.exp(an_log_scale) + an_shift
        pixels = float(np.prod(x.shape[1:3]))
        return y, tf.reduce_sum(log_scale, axis=[1, 2, 3]) + pixels * tf.reduce_sum(an_log_scale)

    def _uncoupling(self, y, spec):
        mask, index = spec
        _, an_log_scale, an_shift = self.coupling_weights[index]
        y = (y - an_shift) * tf.exp(-an_log_scale)
        # y * mask is x * mask: the masked part passes the coupling unchanged.
        log_scale, shift = self._log_scale_and_shift(y, mask, index, False)
        return y * mask + (1.0 - mask) * (y - shift) * tf.exp(-log_scale)

    # === The whole flow ===

    def forward(self, x, training=False):
        """``(z [batch, dims], log|det dz/dx| [batch])`` for x in [0, 1)."""
        a = self.alpha
        p = a + (1.0 - 2.0 * a) * x
        h = tf.math.log(p) - tf.math.log1p(-p)
        # d logit(p) / dx = (1 - 2a) / (p (1 - p)).
        log_det = tf.reduce_sum(math.log(1.0 - 2.0 * a) - tf.math.log(p) - tf.math.log1p(-p), axis=[1, 2, 3])
        latents = []
        for kind, spec in self._steps:
            if kind == "coupling":
                h, step_log_det = self._coupling(h, spec, training)
                log_det += step_log_det
            elif kind == "squeeze":
                h = tf.nn.space_to_depth(h, 2)
            else:
                latents.append(tf.reshape(h[..., :spec], [tf.shape(h)[0], -1]))
                h = h[..., spec:]
        latents.append(tf.reshape(h, [tf.shape(h)[0], -1]))
        return tf.concat(latents, axis=1), log_det

    def _split_shapes(self):
        """The per-example shapes of the latents ``forward`` concatenates."""
        shapes, shape = [], self.image_shape
        for kind, spec in self._steps:
            if kind == "squeeze":
                shape = (shape[0] // 2, shape[1] // 2, shape[2] * 4)
            elif kind == "split":
                shapes.append((*shape[:2], spec))
                shape = (*shape[:2], shape[2] - spec)
        return shapes + [shape]

    def inverse(self, z):
        """Images in [0, 1) for latents ``z`` [batch, dims]."""
        shapes = self._split_shapes()
        sizes = [int(np.prod(s)) for s in shapes]
        parts = tf.split(z, sizes, axis=1)
        batch = tf.shape(z)[0]
        h = tf.reshape(parts[-1], [batch, *shapes[-1]])
        pending = list(zip(parts[:-1], shapes[:-1]))
        for kind, spec in reversed(self._steps):
            if kind == "coupling":
                h = self._uncoupling(h, spec)
            elif kind == "squeeze":
                h = tf.nn.depth_to_space(h, 2)
            else:
                part, shape = pending.pop()
                h = tf.concat([tf.reshape(part, [batch, *shape]), h], axis=-1)
        return (tf.sigmoid(h) - self.alpha) / (1.0 - 2.0 * self.alpha)

    def call(self, z):
        return tf.clip_by_value(self.inverse(z), 0.0, 1.0) * 2.0 - 1.0


@register("realnvp", "RealNVP flow: affine couplings, multi-scale squeeze/split, exact bits/dim (Dinh et al. 2017)")
class RealNVP(GenerativeModel):
    """RealNVP: a normalizing flow with an exact log-likelihood.

    Training batches are images in [-1, 1] (the zoo's range); the model
    takes their 8-bit levels k, dequantizes them uniformly, x = (k + u) / 256
    with u ~ U[0, 1) from the replica-aware seed generator, and minimizes
    the negative log-likelihood of x under the flow, reported in bits per
    dimension of the 8-bit data (the log 256 per pixel of the change of
    scale included): ``bits_per_dim`` logged, ``nll`` in nats per image.

    Sampling inverts the flow on z ~ N(0, T^2 I): ``sample(n, temperature=)``;
    the export's ``latent`` is that z (scale it by T before sending).

    Args:
        image_shape: (height, width, channels), sides divisible by 2^n_scales.
        n_scales: squeeze/split levels (28x28: 2, ending at 7x7).
        couplings: checkerboard and channel couplings per scale (each).
        final_couplings: checkerboard couplings after the last split.
        filters: width of each coupling's conv network.
        hidden_layers: 3x3 conv layers (ReLU) in each coupling network.
        alpha: logit preprocessing, logit(alpha + (1 - 2 alpha) x).
        flow: a custom ``RealNVPFlow``.
        seed: seeds the dequantization noise.

    Example:
        >>> import zoo
        >>> model = zoo.get("realnvp", filters=8, couplings=1, final_couplings=1)
        >>> model.generate(2).shape
        (2, 28, 28, 1)

    Reference: Dinh, Sohl-Dickstein, Bengio, "Density estimation using Real
    NVP", ICLR 2017. Adam 1e-3 as in the paper; their batch norm is replaced
    by actnorm (Kingma & Dhariwal 2018) started at the identity, and the
    coupling's log-scale is bounded by a learned factor times tanh (as in
    their code) for stability; no residual blocks (CPU budget).
    """

    NETWORKS = ("flow",)
    GENERATORS = ("flow",)
    LOSS_NAMES = ("bits_per_dim", "nll")

    def __init__(self, image_shape=(28, 28, 1), n_scales=2, couplings=3, final_couplings=4, filters=64,
                 hidden_layers=2, alpha=0.05, seed=0, flow=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        image_shape = zoo_layers.check_image_shape(image_shape)
        for name, value, minimum in (("n_scales", n_scales, 0), ("couplings", couplings, 1),
                                     ("final_couplings", final_couplings, 1), ("filters", filters, 1),
                                     ("hidden_layers", hidden_layers, 1)):
            zoo_layers.whole_number(name, value, minimum=minimum)
        if not 0.0 <= float(alpha) < 0.5:
            raise ValueError(f"alpha must be in [0, 0.5), got {alpha!r}.")
        self.flow = flow or RealNVPFlow(image_shape, n_scales, couplings, final_couplings, filters, hidden_layers,
                                        alpha, name="flow")
        if tuple(self.flow.image_shape) != tuple(image_shape):
            raise ValueError(f"the flow is for images of shape {self.flow.image_shape}, the model {image_shape}.")
        self.image_shape = image_shape
        self.n_scales, self.couplings, self.final_couplings = n_scales, couplings, final_couplings
        self.filters, self.hidden_layers, self.alpha = filters, hidden_layers, float(alpha)

    # === The model's pieces ===

    @property
    def dims(self):
        return self.flow.dims

    def conditions(self):
        return (zoo_conditions.Latent(self.dims),)

    def generator_network(self):
        """Served network: z -> images in [-1, 1] through the inverse flow."""
        z = keras.Input((self.dims,), name="latent")
        return keras.Model(z, self.flow(z), name="realnvp_sampler")

    def example_batch(self, n=8, seed=0):
        return zoo_conditions.random_images(self.image_shape, n, seed)

    def log_prob(self, x, training=False):
        """log p(x) per example (nats) of x in [0, 1): the exact change of variables."""
        z, log_det = self.flow.forward(x, training=training)
        return zoo_losses.diagonal_normal_log_density(z, 0.0, 0.0) + log_det

    def to_bits(self, nats):
        """-log p(x) in nats on [0, 1) -> bits per dimension of the 8-bit data."""
        return zoo_losses.bits_per_dim(nats, self.dims)

    # === Training: maximum likelihood ===

    def train_step(self, data):
        images, _ = self.unpack(data)
        batch = tf.shape(images)[0]
        # 1. A fresh dequantization of the batch.
        x = zoo_losses.dequantize(images, self.draw(batch, self.image_shape, "uniform"))
        with tf.GradientTape() as tape:
            # 2. Exact negative log-likelihood, in bits/dim, over the global batch.
            nll = -self.log_prob(x, training=True)
            bits = self.to_bits(nll)
            loss = self.global_mean(bits) + self.regularization([self.flow])
        self.apply_update(self.optimizer, loss, self.trainable_variables, tape)
        self._track("bits_per_dim", bits)
        self._track("nll", nll)
        return self._logs()

    # === Evaluation and sampling ===

    def bits_per_dim(self, images, *, seed=0, batch_size=500):
        """Per-image bits/dim of images in [-1, 1] (e.g. the test split from
        ``zoo.data.arrays``), dequantized once with ``seed``."""
        images = zoo_losses.check_images(images, self.image_shape)
        rng = np.random.default_rng(seed)
        out = []
        for i in range(0, len(images), batch_size):
            part = images[i : i + batch_size]
            x = zoo_losses.dequantize(tf.constant(part), tf.constant(rng.uniform(size=part.shape).astype("float32")))
            out.append(self.to_bits(-self.log_prob(x)).numpy())
        return np.concatenate(out)

    def sample(self, n, *, temperature=1.0, seed=0):
        """``n`` images in [-1, 1] from z ~ N(0, temperature^2 I)."""
        if not float(temperature) > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}.")
        latent = zoo_conditions.Latent(self.dims).draw(zoo_layers.whole_number("n", n, minimum=1), seed) * float(temperature)
        return self.generate(latent=latent)
