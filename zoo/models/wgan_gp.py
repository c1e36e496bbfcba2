"""WGAN-GP: Wasserstein GAN with gradient penalty (Gulrajani et al. 2017)."""

import tensorflow as tf

from zoo import layers
from zoo import losses as zoo_losses
from zoo.base import AdversarialModel
from zoo.registry import register


@register("wgan_gp", "WGAN-GP: gradient penalty at real/fake interpolates, Adam (Gulrajani et al. 2017)")
class WGANGP(AdversarialModel):
    """Wasserstein GAN, Lipschitz constraint by a gradient penalty.

    The critic loss adds ``lambda * (||grad D(x_hat)|| - 1)^2`` at points
    ``x_hat`` on straight lines between a real and a fake image, with one
    mixing weight per example drawn uniformly in [0, 1]. The critic must not
    use batch norm (the penalty is per example); DCGAN's critic has none.

    Args:
        image_shape, latent_dim, g_filters, d_filters, kernel_size: as DCGAN.
        gp_weight: lambda (10 in the paper).
        adversarial_loss: ``"wasserstein"`` (the paper) or ``"hinge"``.
        d_steps: critic updates per generator update (n_critic = 5). Each
            reuses the step's real batch with fresh latents (Algorithm 1
            draws a new real batch per critic update; the keras.io WGAN-GP
            example reuses it, as here).
        seed, generator, discriminator: see ``AdversarialModel``.

    Example:
        >>> import zoo
        >>> model = zoo.get("wgan_gp", image_shape=(32, 32, 3), gp_weight=10.0)
        >>> model.generate(2).shape
        (2, 32, 32, 3)

    Reference: Gulrajani et al., "Improved Training of Wasserstein GANs",
    NeurIPS 2017, Algorithm 1: lambda = 10, n_critic = 5, Adam 1e-4,
    beta1 = 0, beta2 = 0.9.
    """

    DEFAULT_G_OPTIMIZER = ("Adam", {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9})
    DEFAULT_D_OPTIMIZER = ("Adam", {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9})
    LOSS_NAMES = ("d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=100,
        g_filters=64,
        d_filters=64,
        kernel_size=4,
        gp_weight=10.0,
        adversarial_loss="wasserstein",
        d_steps=5,
        seed=0,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        if float(gp_weight) < 0:
            raise ValueError(f"gp_weight must be >= 0, got {gp_weight}.")
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
        self.gp_weight = float(gp_weight)

    def sample_mix(self, local_batch):
        """One uniform [0, 1) mixing weight per example, shaped to broadcast
        over an example (an image, or a point for custom networks)."""
        return self.draw(local_batch, [1] * len(self.image_shape), distribution="uniform")

    def _discriminator_step(self, real, batch, fake=None):
        if fake is None:
            fake = self.generator(self.sample_latents(batch), training=True)
        mix = self.sample_mix(batch)
        with tf.GradientTape() as tape:
            real_in, fake_in = self.d_input(real), self.d_input(fake)
            real_logits, r1 = self.score_real(lambda x: self.discriminator(x, training=True), real_in)
            fake_logits = self.discriminator(fake_in, training=True)
            adversarial = self.d_loss_fn(real_logits, fake_logits)
            # On the images D sees: with diff_augment, between augmented reals and fakes.
            penalty = zoo_losses.gradient_penalty(self.discriminator, real_in, fake_in, mix)
            per_example = adversarial + self.gp_weight * penalty + r1
            loss = self.global_mean(per_example) + self.regularization([self.discriminator])
        self.apply_update(self.d_optimizer, loss, self.discriminator_variables, tape)
        self._track("d_loss", per_example)
        self._track("gradient_penalty", penalty)
        self._track("wasserstein_estimate", real_logits[:, 0] - fake_logits[:, 0])
        return real_logits, fake_logits
