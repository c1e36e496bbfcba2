from zoo.models import (  # noqa: F401
    acgan, cgan, cyclegan, dcgan, gan, glo, lsgan, mle_lm, pix2pix, sngan, realnvp, stargan, text2image, vae, wgan,
    wgan_gp,
)
