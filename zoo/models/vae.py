"""Variational autoencoder (Kingma & Welling 2014)."""

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

LIKELIHOODS = ("bernoulli", "gaussian")


# === Closed forms (tested against independent computations) ===


def gaussian_kl(mean, log_variance):
    """KL(N(mean, exp(log_variance)) || N(0, I)) per example, in nats:
    ``0.5 * sum(exp(lv) + mean^2 - 1 - lv)`` over the last axis."""
    return 0.5 * tf.reduce_sum(tf.exp(log_variance) + tf.square(mean) - 1.0 - log_variance, axis=-1)


# === Networks ===


def vae_encoder(image_shape, latent_dim, filters=32, hidden=256, name="encoder"):
    """Stride-2 convs (DCGAN's discriminator body), a hidden layer, then
    ``[mean, log_variance]`` of q(z|x) side by side (``2 * latent_dim``)."""
    images = keras.Input(image_shape, name="images")
    x = zoo_layers.dcgan_downsampler(images, image_shape, filters, kernel_size=4)
    x = layers.Dense(hidden, activation="relu")(x)
    stats = layers.Dense(2 * latent_dim, dtype="float32", name="posterior")(x)
    return keras.Model(images, stats, name=name)


def vae_decoder(image_shape, latent_dim, filters=32, hidden=256, outputs_per_channel=1, name="decoder"):
    """z -> per-pixel parameters of p(x|z): Bernoulli logits
    (``outputs_per_channel=1``), or Gaussian means then log-scales (2).
    Mirrors the encoder: a hidden layer, a small map, stride-2 transposed convs."""
    height, width, channels = zoo_layers.check_image_shape(image_shape)
    start, steps = zoo_layers.upsampling_plan(height)
    if width != height:
        raise ValueError(f"The VAE's networks need square images, got {image_shape}.")
    z = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(hidden, activation="relu")(z)
    top = filters * 2 ** (steps - 1)
    x = layers.Dense(start * start * top, activation="relu")(x)
    x = layers.Reshape((start, start, top))(x)
    for i in range(steps - 1):
        x = layers.Conv2DTranspose(filters * 2 ** (steps - 2 - i), 4, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(channels * outputs_per_channel, 4, strides=2, padding="same")(x)
    return keras.Model(z, layers.Activation("linear", dtype="float32", name="parameters")(x), name=name)


@register("vae", "Variational autoencoder: conv encoder/decoder, reparameterization, ELBO (Kingma & Welling 2014)")
class VAE(GenerativeModel):
    """Variational autoencoder.

    q(z|x) is a diagonal Gaussian from a convolutional encoder; z = mean +
    sigma * eps (the reparameterization, eps from the replica-aware seed
    generator); p(z) = N(0, I); p(x|z) from a convolutional decoder.
    ``train_step`` minimizes the negative ELBO, reconstruction + beta * KL,
    averaged over the *global* batch, and logs both terms in nats per image.

    Likelihoods (training batches are images in [-1, 1], as for every zoo
    model; the model makes its targets from them):

    * ``"bernoulli"``: each pixel is a coin with probability
      p = (x + 1) / 2, redrawn every step (*dynamic binarization*, the
      standard protocol for binarized MNIST); the decoder gives logits.
    * ``"gaussian"``: the 8-bit pixels, uniformly dequantized to [0, 1]
      ((k + u) / 256), under a per-pixel Gaussian with a learned scale: a
      density comparable with a flow's in bits per dimension.

    Args:
        image_shape: (height, width, channels), square, side halving to 4..7.
        latent_dim: size of z.
        filters: width of the first encoder conv (doubles per stride-2 conv;
            the decoder mirrors it).
        hidden: units of the encoder's and decoder's dense layer.
        likelihood: ``"bernoulli"`` or ``"gaussian"``.
        beta: weight of the KL term (1: the ELBO; beta-VAE otherwise).
        min_log_scale: floor of the Gaussian decoder's log-scale (nats);
            the default, log(1/256), is one quantization step.
        encoder, decoder: custom networks (encoder: images -> [mean,
            log-variance]; decoder: z -> per-pixel parameters).
        seed: seeds the training draws (eps, binarization, dequantization).

    Example:
        >>> import zoo
        >>> model = zoo.get("vae", latent_dim=8, filters=8, hidden=16)
        >>> model.generate(2).shape
        (2, 28, 28, 1)

    Reference: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR
    2014. The importance-weighted bound of ``iwae`` is Burda, Grosse &
    Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016. The paper
    trained with Adagrad; we use Adam 1e-3 (keras.io's VAE example's choice).
    """

    NETWORKS = ("encoder", "decoder")
    GENERATORS = ("decoder",)
    LOSS_NAMES = ("loss", "reconstruction", "kl")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=32,
        filters=32,
        hidden=256,
        likelihood="bernoulli",
        beta=1.0,
        min_log_scale=-math.log(256.0),
        seed=0,
        encoder=None,
        decoder=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}.")
        if not float(beta) >= 0:
            raise ValueError(f"beta must be >= 0, got {beta!r}.")
        latent_dim = zoo_layers.whole_number("latent_dim", latent_dim, minimum=1)
        custom = encoder is not None and decoder is not None
        image_shape = zoo_layers.check_image_shape(image_shape, custom)
        per_channel = 1 if likelihood == "bernoulli" else 2
        self.encoder = encoder or vae_encoder(image_shape, latent_dim, filters, hidden)
        self.decoder = decoder or vae_decoder(image_shape, latent_dim, filters, hidden, per_channel)
        self._check_networks(image_shape, latent_dim, likelihood, per_channel)
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.filters = filters
        self.hidden = hidden
        self.likelihood = likelihood
        self.beta = float(beta)
        self.min_log_scale = float(min_log_scale)

    def _check_networks(self, image_shape, latent_dim, likelihood, per_channel):
        encoded = tuple(self.encoder.output.shape[1:])
        if encoded != (2 * latent_dim,):
            raise ValueError(f"the encoder must output [mean, log-variance] of shape (batch, {2 * latent_dim}), "
                             f"got (batch, {', '.join(map(str, encoded))}).")
        expected = (*image_shape[:-1], image_shape[-1] * per_channel)
        decoded = tuple(self.decoder.output.shape[1:])
        if decoded != expected:
            raise ValueError(f"a {likelihood} decoder must output {expected} per example "
                             f"(parameters per pixel), got {decoded}.")

    # === The model's pieces ===

    def conditions(self):
        return (zoo_conditions.Latent(self.latent_dim),)

    def example_batch(self, n=8, seed=0):
        return zoo_conditions.random_images(self.image_shape, n, seed)

    def targets(self, images, uniform):
        """What p(x|z) scores, from images in [-1, 1] and uniform noise of
        the same shape: binary pixels (Bernoulli) or dequantized pixels in
        [0, 1) (Gaussian)."""
        if self.likelihood == "bernoulli":
            return tf.cast(uniform < (images + 1.0) / 2.0, tf.float32)
        return zoo_losses.dequantize(images, uniform)

    def posterior(self, targets, training=False):
        """``(mean, log_variance)`` of q(z|x); the encoder sees the targets
        mapped to [-1, 1]."""
        stats = self.encoder(targets * 2.0 - 1.0, training=training)
        mean, log_variance = tf.split(stats, 2, axis=-1)
        return mean, log_variance

    def log_likelihood(self, targets, parameters):
        """log p(x|z) per example (nats), summed over pixels."""
        axes = list(range(1, len(targets.shape)))
        if self.likelihood == "bernoulli":
            ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=parameters)
            return -tf.reduce_sum(ce, axis=axes)
        mean, log_scale = tf.split(parameters, 2, axis=-1)
        log_scale = tf.maximum(log_scale, self.min_log_scale)
        z = (targets - mean) * tf.exp(-log_scale)
        return -tf.reduce_sum(0.5 * zoo_losses.LOG_2PI + log_scale + 0.5 * tf.square(z), axis=axes)

    def mean_image(self, parameters):
        """E[x|z] as an image in [-1, 1]."""
        if self.likelihood == "bernoulli":
            return tf.sigmoid(parameters) * 2.0 - 1.0
        mean, _ = tf.split(parameters, 2, axis=-1)
        return tf.clip_by_value(mean, 0.0, 1.0) * 2.0 - 1.0

    def generator_network(self):
        """Served network: z -> E[x|z] in [-1, 1] (the decoder's mean). Built
        on call, not tracked: the decoder's weights stay saved once."""
        z = keras.Input((self.latent_dim,), name="latent")
        images = layers.Lambda(self.mean_image, name="images")(self.decoder(z))
        return keras.Model(z, images, name="vae_sampler")

    # === Training: maximize the ELBO ===

    def train_step(self, data):
        images, _ = self.unpack(data)
        batch = tf.shape(images)[0]
        # 1. Targets: a fresh binarization / dequantization of the batch.
        targets = self.targets(images, self.draw(batch, self.image_shape, "uniform"))
        eps = self.draw(batch, [self.latent_dim])
        with tf.GradientTape() as tape:
            # 2. Encode, reparameterize, decode.
            mean, log_variance = self.posterior(targets, training=True)
            z = mean + tf.exp(0.5 * log_variance) * eps
            reconstruction = -self.log_likelihood(targets, self.decoder(z, training=True))
            # 3. -ELBO = reconstruction + beta * KL, over the global batch.
            kl = gaussian_kl(mean, log_variance)
            per_example = reconstruction + self.beta * kl
            loss = self.global_mean(per_example) + self.regularization([self.encoder, self.decoder])
        self.apply_update(self.optimizer, loss, self.trainable_variables, tape)
        self._track("loss", per_example)
        self._track("reconstruction", reconstruction)
        self._track("kl", kl)
        return self._logs()

    # === Likelihood: ELBO and the importance-weighted bound ===

    def log_weights(self, targets, k, seed):
        """``[batch, k]`` log importance weights log p(x, z_i) - log q(z_i|x),
        z_i ~ q(z|x) (stateless draws from ``seed``)."""
        mean, log_variance = self.posterior(targets)
        batch = tf.shape(targets)[0]
        eps = tf.random.stateless_normal(tf.stack([batch, k, self.latent_dim]), seed=seed)
        z = mean[:, None] + tf.exp(0.5 * log_variance)[:, None] * eps
        flat_z = tf.reshape(z, [-1, self.latent_dim])
        repeated = tf.repeat(targets, k, axis=0)
        log_px = tf.reshape(self.log_likelihood(repeated, self.decoder(flat_z)), [batch, k])
        log_pz = zoo_losses.diagonal_normal_log_density(z, 0.0, 0.0)
        log_qz = zoo_losses.diagonal_normal_log_density(z, mean[:, None], log_variance[:, None])
        return log_px + log_pz - log_qz

    def _bound(self, images, k, seed, batch_size, reduce):
        images = zoo_losses.check_images(images, self.image_shape)
        rng = np.random.default_rng(seed)
        out = []
        for i in range(0, len(images), batch_size):
            part = tf.convert_to_tensor(images[i : i + batch_size])
            noise = tf.convert_to_tensor(rng.uniform(size=part.shape).astype("float32"))
            step_seed = tf.constant(rng.integers(0, 2**31 - 1, size=2), tf.int32)
            out.append(reduce(self.log_weights(self.targets(part, noise), k, step_seed)).numpy())
        return np.concatenate(out)

    def elbo(self, images, *, k=1, seed=0, batch_size=500):
        """Per-image ELBO (nats; higher is better), averaged over ``k``
        posterior draws. ``images``: float32 [n, H, W, C] in [-1, 1], e.g.
        ``zoo.data.arrays("mnist")``; binarized / dequantized with ``seed``."""
        return self._bound(images, k, seed, max(1, batch_size // k), lambda w: tf.reduce_mean(w, axis=1))

    def iwae(self, images, *, k=100, seed=0, batch_size=2000):
        """Per-image importance-weighted lower bound of log p(x) (nats) with
        ``k`` samples (Burda et al. 2016): log mean_i exp(log w_i). Its
        negation is the ``-log p(x)`` figure papers report (an upper bound,
        tight as k grows)."""
        k = zoo_layers.whole_number("k", k, minimum=1)
        return self._bound(images, k, seed, max(1, batch_size // k),
                           lambda w: tf.reduce_logsumexp(w, axis=1) - math.log(k))

    def bits_per_dim(self, log_px):
        """Gaussian likelihood: nats log p(x) per image -> bits/dim of the 8-bit data."""
        if self.likelihood != "gaussian":
            raise ValueError("bits per dimension are defined for the Gaussian likelihood on dequantized pixels; "
                             "a Bernoulli VAE's figure is nats on binarized pixels.")
        return zoo_losses.bits_per_dim(-np.asarray(log_px), int(np.prod(self.image_shape)))

    # === Encoding ===

    def encode(self, images, batch_size=500):
        """Posterior means of q(z|x) for images in [-1, 1] (numpy [n, latent_dim]).
        The encoder sees the pixel probabilities (no binarization draw)."""
        images = zoo_losses.check_images(images, self.image_shape)
        means = [self.posterior((tf.convert_to_tensor(images[i : i + batch_size]) + 1.0) / 2.0)[0].numpy()
                 for i in range(0, len(images), batch_size)]
        return np.concatenate(means)

    def reconstruct(self, images, batch_size=500):
        """E[x|z = posterior mean] in [-1, 1] for images in [-1, 1]."""
        z = self.encode(images, batch_size)
        return np.concatenate([self.mean_image(self.decoder(z[i : i + batch_size])).numpy()
                               for i in range(0, len(z), batch_size)])
