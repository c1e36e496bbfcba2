"""LSGAN: least-squares adversarial loss (Mao et al. 2017)."""

from zoo import layers
from zoo.base import AdversarialModel
from zoo.registry import register


@register("lsgan", "LSGAN: least-squares loss instead of the log loss (Mao et al. 2017)")
class LSGAN(AdversarialModel):
    """GAN with the least-squares loss (a-b-c coding 0-1-1).

    D minimises ``1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2`` and G minimises
    ``1/2 (D(G(z)) - 1)^2``: fakes far on the right side of the decision
    boundary are still penalised, so G keeps a gradient where the sigmoid
    loss saturates (the paper's Pearson chi^2 argument). DCGAN networks.

    Args:
        image_shape, latent_dim, g_filters, d_filters, kernel_size, architecture,
            g_hidden_units, d_hidden_units: as DCGAN (``architecture="resnet"``: SNGAN's ResNet networks).
        adversarial_loss: ``"least_squares"``.
        d_steps, seed, generator, discriminator: see ``AdversarialModel``.

    Example:
        >>> import zoo
        >>> model = zoo.get("lsgan")
        >>> model.adversarial_loss
        'least_squares'

    Reference: Mao et al., "Least Squares Generative Adversarial Networks",
    ICCV 2017: Adam 2e-4, beta1 = 0.5.
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=100,
        g_filters=64,
        d_filters=64,
        kernel_size=4,
        architecture="dcgan",
        g_hidden_units=0,
        d_hidden_units=0,
        adversarial_loss="least_squares",
        d_steps=1,
        seed=0,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        image_shape, generator, discriminator = layers.dcgan_networks(
            image_shape, latent_dim, g_filters, d_filters, kernel_size, generator, discriminator,
            architecture=architecture, g_hidden_units=g_hidden_units, d_hidden_units=d_hidden_units,
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
        self.architecture = architecture
        self.g_hidden_units, self.d_hidden_units = g_hidden_units, d_hidden_units
        self.g_filters, self.d_filters, self.kernel_size = g_filters, d_filters, kernel_size
