"""WGAN with weight clipping (Arjovsky, Chintala, Bottou 2017)."""

import keras

from zoo import layers
from zoo.base import AdversarialModel
from zoo.registry import register


@register("wgan", "WGAN: critic weights clipped to [-c, c], RMSProp, 5 critic steps (Arjovsky et al. 2017)")
class WGAN(AdversarialModel):
    """Wasserstein GAN, Lipschitz constraint by weight clipping.

    The critic estimates the Wasserstein-1 distance
    ``E[D(x)] - E[D(G(z))]``; clipping every critic weight to ``[-c, c]``
    after each critic update keeps it K-Lipschitz. The clip is a variable
    constraint applied by the critic's optimizer right after its update, so
    it runs in the right place under ``tf.distribute`` too.

    Networks are DCGAN's; the critic has no batch norm.

    Args:
        image_shape, latent_dim, g_filters, d_filters, kernel_size: as DCGAN.
        clip_value: c (0.01 in the paper).
        adversarial_loss: ``"wasserstein"`` (the paper); ``"hinge"`` works too.
        d_steps: critic updates per generator update (n_critic = 5). Each
            reuses the step's real batch with fresh latents (Algorithm 1
            draws a new real batch per critic update; the keras.io WGAN-GP
            example reuses it, as here).
        seed, generator, discriminator: see ``AdversarialModel``.

    Example:
        >>> import zoo
        >>> model = zoo.get("wgan", image_shape=(28, 28, 1))
        >>> model.d_steps, model.clip_value
        (5, 0.01)

    Reference: Arjovsky, Chintala, Bottou, "Wasserstein GAN", ICML 2017,
    Algorithm 1: RMSProp, learning rate 5e-5, c = 0.01, n_critic = 5.
    """

    DEFAULT_G_OPTIMIZER = ("RMSprop", {"learning_rate": 5e-5})
    DEFAULT_D_OPTIMIZER = ("RMSprop", {"learning_rate": 5e-5})
    LOSS_NAMES = ("d_loss", "g_loss", "wasserstein_estimate")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=100,
        g_filters=64,
        d_filters=64,
        kernel_size=4,
        clip_value=0.01,
        adversarial_loss="wasserstein",
        d_steps=5,
        seed=0,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        if float(clip_value) <= 0:
            raise ValueError(f"clip_value must be > 0, got {clip_value}.")
        image_shape, generator, discriminator = layers.dcgan_networks(
            image_shape, latent_dim, g_filters, d_filters, kernel_size, generator, discriminator,
        )
        super().__init__(
            generator=generator,
            discriminator=discriminator,
            latent_dim=latent_dim,
            adversarial_loss=adversarial_loss,
            d_steps=d_steps,
            seed=seed,
            **kwargs,
        )
        self.image_shape = image_shape
        self.g_filters, self.d_filters, self.kernel_size = g_filters, d_filters, kernel_size
        self.clip_value = float(clip_value)
        clip = ClipConstraint(self.clip_value)
        for variable in self.discriminator.trainable_variables:
            variable.constraint = clip

    def _discriminator_step(self, real, batch, fake=None):
        real_logits, fake_logits = super()._discriminator_step(real, batch, fake)
        # The critic's estimate of W(P_r, P_g) on this batch (before the update).
        self._track("wasserstein_estimate", real_logits[:, 0] - fake_logits[:, 0])
        return real_logits, fake_logits


@keras.saving.register_keras_serializable(package="zoo")
class ClipConstraint(keras.constraints.Constraint):
    """Clips a weight to [-c, c]."""

    def __init__(self, clip_value):
        self.clip_value = float(clip_value)

    def __call__(self, w):
        return keras.ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
