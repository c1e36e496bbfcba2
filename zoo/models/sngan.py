"""SNGAN: spectral normalization in every critic layer (Miyato et al. 2018)."""

from zoo import layers
from zoo.base import AdversarialModel
from zoo.registry import register


@register("sngan", "SNGAN: spectral normalization on every critic layer, hinge loss (Miyato et al. 2018)")
class SNGAN(AdversarialModel):
    """GAN whose critic is made 1-Lipschitz by spectral normalization.

    Every convolution and the final dense layer of the critic divide their
    kernel by its largest singular value (``zoo.layers.SpectralNormalization``,
    one power iteration per training call), so each layer, and with
    LeakyReLU the whole critic, is at most 1-Lipschitz. Trained with the hinge
    loss.

    Args:
        image_shape, latent_dim, g_filters, d_filters, kernel_size, architecture,
            g_hidden_units, d_hidden_units: as DCGAN (``architecture="resnet"``:
            the paper's ResNet networks); D's hidden dense layer is spectrally
            normalized like the others.
        adversarial_loss: ``"hinge"`` (the paper's best); others selectable.
        d_steps: critic updates per generator update (n_dis = 5).
        seed, generator, discriminator: see ``AdversarialModel``.

    Example:
        >>> import zoo
        >>> model = zoo.get("sngan", image_shape=(32, 32, 3))
        >>> model.adversarial_loss
        'hinge'

    Reference: Miyato et al., "Spectral Normalization for Generative
    Adversarial Networks", ICLR 2018: Adam 2e-4, beta1 = 0, beta2 = 0.9,
    n_dis = 5, hinge loss.
    """

    DEFAULT_G_OPTIMIZER = ("Adam", {"learning_rate": 2e-4, "beta_1": 0.0, "beta_2": 0.9})
    DEFAULT_D_OPTIMIZER = ("Adam", {"learning_rate": 2e-4, "beta_1": 0.0, "beta_2": 0.9})

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
        adversarial_loss="hinge",
        d_steps=5,
        seed=0,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        image_shape, generator, discriminator = layers.dcgan_networks(
            image_shape, latent_dim, g_filters, d_filters, kernel_size, generator, discriminator,
            d_normalization=layers.spectral_norm,
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
