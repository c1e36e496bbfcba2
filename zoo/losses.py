"""Losses per example: the adversarial families, then the pieces the
likelihood models (VAE, flow) share.

Every function here returns a loss *per example* (shape ``[batch]``), never a
batch mean: the base model averages over the *global* batch so that gradients
summed across replicas equal the single-device gradient (PITFALLS 3).
Discriminator outputs may be logits of any shape ``[batch, ...]`` (e.g.
PatchGAN maps); extra axes are averaged per example.

The numerics come from tensorflow-gan's ``losses_impl`` (through ``zoo._tfgan``)
called with ``reduction=NONE``; names follow its ``<family>_generator_loss`` /
``<family>_discriminator_loss`` convention.
"""

import math

import numpy as np
import tensorflow as tf

from zoo._tfgan import losses_impl as _tfgan

_NONE = tf.compat.v1.losses.Reduction.NONE


def _per_example(loss):
    loss = tf.convert_to_tensor(loss)
    if loss.shape.rank is not None and loss.shape.rank > 1:
        loss = tf.reduce_mean(loss, axis=list(range(1, loss.shape.rank)))
    return loss


# === Minimax (Goodfellow et al. 2014) ===


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))), minimised: the saturating loss of the original game.

    Written directly: tensorflow-gan's ``minimax_generator_loss`` scores a
    constant logit of 1 as the real side, which leaves the gradient right but
    shifts the logged value by ``-log(sigmoid(1))``.
    """
    return _per_example(-tf.math.softplus(tf.cast(fake_logits, tf.float32)))


def minimax_discriminator_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z)))."""
    return _per_example(
        _tfgan.minimax_discriminator_loss(
            real_logits,
            fake_logits,
            label_smoothing=0.0,
            reduction=_NONE,
            add_summaries=False,
        )
    )


# === Non-saturating ("modified", Goodfellow et al. 2014, Sec. 3) ===


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)): same fixed point, strong gradients early in training."""
    return _per_example(
        _tfgan.modified_generator_loss(
            fake_logits, label_smoothing=0.0, reduction=_NONE, add_summaries=False
        )
    )


non_saturating_discriminator_loss = minimax_discriminator_loss


# === Wasserstein (Arjovsky et al. 2017) ===


def wasserstein_generator_loss(fake_logits):
    return _per_example(
        _tfgan.wasserstein_generator_loss(
            fake_logits, reduction=_NONE, add_summaries=False
        )
    )


def wasserstein_discriminator_loss(real_logits, fake_logits):
    return _per_example(
        _tfgan.wasserstein_discriminator_loss(
            real_logits, fake_logits, reduction=_NONE, add_summaries=False
        )
    )


# === Hinge (Lim & Ye 2017; Miyato et al. 2018) ===

hinge_generator_loss = wasserstein_generator_loss


def hinge_discriminator_loss(real_logits, fake_logits):
    return _per_example(
        _tfgan.wasserstein_hinge_discriminator_loss(
            real_logits, fake_logits, reduction=_NONE, add_summaries=False
        )
    )


# === Least squares (Mao et al. 2017) ===


def least_squares_generator_loss(fake_logits):
    return _per_example(
        _tfgan.least_squares_generator_loss(
            fake_logits, reduction=_NONE, add_summaries=False
        )
    )


def least_squares_discriminator_loss(real_logits, fake_logits):
    return _per_example(
        _tfgan.least_squares_discriminator_loss(
            real_logits, fake_logits, reduction=_NONE, add_summaries=False
        )
    )


# === Auxiliary classifier (Odena et al. 2017) ===


def acgan_discriminator_loss(real_class_logits, fake_class_logits, one_hot_labels):
    """Class cross-entropy of D's auxiliary head on real plus generated images."""
    return _per_example(
        _tfgan.acgan_discriminator_loss(
            real_class_logits, fake_class_logits, one_hot_labels,
            reduction=_NONE, add_summaries=False,
        )
    )


def acgan_generator_loss(fake_class_logits, one_hot_labels):
    """Class cross-entropy of generated images for the labels G was given."""
    return _per_example(
        _tfgan.acgan_generator_loss(
            fake_class_logits, one_hot_labels, reduction=_NONE, add_summaries=False
        )
    )


# === Gradient penalty (Gulrajani et al. 2017) ===


def gradient_penalty(critic, real, fake, mix):
    """Per-example ``(||grad_x D(x_hat)||_2 - 1)^2`` at ``x_hat = real + mix * (fake - real)``.

    Ours, not tensorflow-gan's (its version needs TF1 variable scopes). The
    critic must treat examples independently (no batch norm), as the paper
    requires, so the gradient of the summed output is each example's own.

    Args:
        critic: callable images -> logits ``[batch, ...]``.
        real, fake: image batches of the same shape.
        mix: per-example mixing weights, shape ``[batch, 1, ..., 1]``, drawn
            uniformly in [0, 1] (one per example, not per pixel).
    """
    real = tf.cast(real, tf.float32)
    fake = tf.cast(fake, tf.float32)
    interpolated = real + mix * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = tf.cast(critic(interpolated, training=True), tf.float32)
    grads = tape.gradient(scores, interpolated)
    axes = list(range(1, grads.shape.rank))
    # The epsilon keeps the gradient of the norm finite at zero.
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + 1e-12)
    return tf.square(norms - 1.0)


# === Lookup by family name ===

def relativistic_generator_loss(real_logits, fake_logits):
    """RSGAN's G loss (Jolicoeur-Martineau 2019, RelGAN's choice):
    -log sigmoid(D(G(z)) - D(x)), pairing each fake with a real example."""
    return _per_example(tf.nn.softplus(-(tf.cast(fake_logits, tf.float32) - tf.cast(real_logits, tf.float32))))


def relativistic_discriminator_loss(real_logits, fake_logits):
    """RSGAN's D loss: -log sigmoid(D(x) - D(G(z)))."""
    return _per_example(tf.nn.softplus(-(tf.cast(real_logits, tf.float32) - tf.cast(fake_logits, tf.float32))))


FAMILIES = {
    "minimax": (minimax_generator_loss, minimax_discriminator_loss),
    "non_saturating": (non_saturating_generator_loss, non_saturating_discriminator_loss),
    "wasserstein": (wasserstein_generator_loss, wasserstein_discriminator_loss),
    "hinge": (hinge_generator_loss, hinge_discriminator_loss),
    "least_squares": (least_squares_generator_loss, least_squares_discriminator_loss),
}


def get(family):
    """Returns ``(generator_loss, discriminator_loss)`` for a loss family name."""
    if family not in FAMILIES:
        raise ValueError(
            f"Unknown loss family {family!r}; expected one of {sorted(FAMILIES)}."
        )
    return FAMILIES[family]


# === Likelihood models (VAE, RealNVP) ===

LOG_2PI = math.log(2.0 * math.pi)


def diagonal_normal_log_density(x, mean, log_variance):
    """log N(x; mean, diag(exp(log_variance))) summed over the last axis."""
    return -0.5 * tf.reduce_sum(LOG_2PI + log_variance + tf.square(x - mean) * tf.exp(-log_variance), axis=-1)


def dequantize(images, uniform):
    """x = (k + u) / 256 in [0, 1) for the 8-bit levels k of images in
    [-1, 1] and uniform noise u of the same shape."""
    levels = tf.round((tf.clip_by_value(images, -1.0, 1.0) + 1.0) * 127.5)
    return (levels + uniform) / 256.0


def bits_per_dim(nats, dims):
    """Nats per example of a density on [0, 1) pixels -> bits per dimension
    of the 8-bit data (the ``log 256`` per pixel of the change of scale
    from [0, 256) to [0, 1) included). Tensors or numpy."""
    return (nats + dims * math.log(256.0)) / (dims * math.log(2.0))


def check_images(images, image_shape):
    """``images`` as float32 numpy ``[n, *image_shape]`` in the zoo's range
    [-1, 1], or a ValueError saying what was expected and found."""
    images = np.asarray(images, dtype="float32")
    if images.ndim != 1 + len(image_shape) or tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(f"images must have shape [n, {', '.join(map(str, image_shape))}], got {images.shape}.")
    if images.size and (images.min() < -1.0 - 1e-3 or images.max() > 1.0 + 1e-3):
        raise ValueError(f"images must be in [-1, 1] (the zoo's image range), got [{images.min():.3g}, "
                         f"{images.max():.3g}].")
    return images
