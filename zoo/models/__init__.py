from zoo.models import (  # noqa: F401
    acgan, cgan, cyclegan, dcgan, gan, glo, gumbel_gan, lsgan, mle_lm, pix2pix, realnvp, seqgan, sngan, stargan,
    text2image, text_cyclegan, vae, wgan, wgan_gp,
)
