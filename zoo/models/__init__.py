from zoo.models import acgan, cgan, dcgan, gan, lsgan, pix2pix, sngan, text2image, wgan, wgan_gp  # noqa: F401
