from zoo.models import acgan, cgan, cyclegan, dcgan, gan, lsgan, pix2pix, sngan, text2image, wgan, wgan_gp  # noqa: F401
