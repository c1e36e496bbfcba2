from zoo.models import dcgan, gan, lsgan, sngan, wgan, wgan_gp  # noqa: F401
