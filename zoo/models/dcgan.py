"""DCGAN (Radford et al. 2015)."""

from zoo import layers
from zoo.base import AdversarialModel
from zoo.registry import register


@register("dcgan", "DCGAN: strided convs, batch norm in G, LeakyReLU in D (Radford et al. 2015)")
class DCGAN(AdversarialModel):
    """Deep convolutional GAN.

    G projects z to a small feature map and upsamples with stride-2 transposed
    convolutions, batch norm and ReLU, ending in tanh; D downsamples with
    stride-2 convolutions and LeakyReLU(0.2). Works for square images whose
    side halves down to 4..7 (28x28, 32x32, 64x64, 128x128, ...). Trained with
    the standard alternation of ``AdversarialModel.train_step``.

    D has no batch norm: real and fake batches pass D separately, and batch
    statistics in D would let it tell them apart by batch, not by image (the
    choice of most reimplementations, e.g. keras.io's).

    Args:
        image_shape: (height, width, channels), channels 1 or 3.
        latent_dim: size of z (100 in the paper).
        g_filters / d_filters: width of the last G block / first D block; the
            other blocks double from there (128 -> 4x4x1024 at 64x64, as in the
            paper).
        kernel_size: convolution kernel size (``"dcgan"`` architecture).
        architecture: ``"dcgan"`` (the paper's networks) or ``"resnet"``
            (SNGAN's residual G and spectrally normalized residual D,
            ``zoo.layers.resnet_sn_generator`` / ``resnet_sn_discriminator``:
            3x3 convs, nearest upsampling, so no checkerboard).
        g_hidden_units / d_hidden_units: width of a fully connected hidden
            layer before G's projection (batch norm + ReLU) / between D's
            convs and its logit (LeakyReLU), as in InfoGAN's MNIST networks;
            0 (the paper's) for none. ``"dcgan"`` architecture only.
        adversarial_loss, d_steps, seed, generator, discriminator: see
            ``AdversarialModel``.

    Example:
        >>> import zoo
        >>> model = zoo.get("dcgan", image_shape=(32, 32, 3))
        >>> model.generate(2).shape
        (2, 32, 32, 3)

    Reference: Radford, Metz, Chintala, "Unsupervised Representation Learning
    with Deep Convolutional Generative Adversarial Networks", ICLR 2016.
    Adam 2e-4 / beta1 0.5 for both networks, as in the paper.
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
        adversarial_loss="non_saturating",
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
        self.g_filters = g_filters
        self.d_filters = d_filters
        self.kernel_size = kernel_size
