from zoo.models import acgan, cgan, cyclegan, dcgan, gan, lsgan, pix2pix, sngan, stargan, text2image, wgan, wgan_gp  # noqa: F401
