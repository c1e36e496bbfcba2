"""The original GAN (Goodfellow et al. 2014): MLP generator and discriminator."""

from zoo import layers
from zoo.base import AdversarialModel
from zoo.registry import register


@register("gan", "Original GAN: MLP G and D, minimax or non-saturating loss (Goodfellow et al. 2014)")
class GAN(AdversarialModel):
    """The original generative adversarial network.

    The generator maps z ~ N(0, I) through fully connected layers to an image;
    the discriminator is a fully connected classifier. Both losses of the paper
    are selectable: ``"minimax"`` (G minimises log(1 - D(G(z))), which
    saturates when D wins early) and ``"non_saturating"`` (G minimises
    -log D(G(z)), the paper's practical choice).

    Args:
        image_shape: (height, width, channels) of the images.
        latent_dim: size of z.
        g_units / d_units: hidden layer widths of G and D.
        adversarial_loss: ``"minimax"`` or ``"non_saturating"`` (any family of
            ``zoo.losses.FAMILIES`` works).
        d_steps, seed, generator, discriminator: see ``AdversarialModel``.

    Example:
        >>> import zoo
        >>> model = zoo.get("gan", image_shape=(28, 28, 1), adversarial_loss="minimax")
        >>> model.generate(4).shape
        (4, 28, 28, 1)

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    Optimizers: Adam 2e-4 / beta1 0.5 for both (the paper used SGD with
    momentum; Adam is the setting later reimplementations converge on).
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=100,
        g_units=(256, 512, 1024),
        d_units=(512, 256),
        adversarial_loss="non_saturating",
        d_steps=1,
        seed=0,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        image_shape = layers.check_image_shape(image_shape, generator is not None and discriminator is not None)
        g_units, d_units = tuple(g_units), tuple(d_units)
        super().__init__(
            generator=generator or layers.mlp_generator(image_shape, latent_dim, g_units),
            discriminator=discriminator or layers.mlp_discriminator(image_shape, d_units),
            latent_dim=latent_dim,
            adversarial_loss=adversarial_loss,
            d_steps=d_steps,
            seed=seed,
            **kwargs,
        )
        self.image_shape = image_shape
        self.g_units = g_units
        self.d_units = d_units
