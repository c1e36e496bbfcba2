"""Network builders shared by several variants."""

import math

import keras
from keras import layers


def check_image_shape(image_shape):
    image_shape = tuple(int(d) for d in image_shape)
    if len(image_shape) != 3 or image_shape[2] not in (1, 3):
        raise ValueError(
            "image_shape must be (height, width, channels) with 1 or 3 channels, "
            f"got {image_shape}."
        )
    return image_shape


def upsampling_plan(size):
    """(start_size, n_upsamplings): halve ``size`` while it stays even and >= 4
    after halving; e.g. 28 -> (7, 2), 32 -> (4, 3), 64 -> (4, 4)."""
    start, steps = size, 0
    while start % 2 == 0 and start // 2 >= 4:
        start //= 2
        steps += 1
    if steps == 0:
        raise ValueError(f"Image size {size} cannot be reached by stride-2 upsampling from >= 4.")
    return start, steps


# === DCGAN (Radford et al. 2015) ===


def dcgan_generator(image_shape, latent_dim, filters=64, kernel_size=4, name="generator"):
    """Project z, then stride-2 transposed convs with batch norm + ReLU; tanh out.

    Batch norm is synchronized so the model trains the same on any number of
    replicas (PITFALLS 14).
    """
    height, width, channels = check_image_shape(image_shape)
    if height != width:
        raise ValueError(f"DCGAN networks need square images, got {image_shape}.")
    start, steps = upsampling_plan(height)
    z = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(start * start * filters * 2 ** (steps - 1), use_bias=False)(z)
    x = layers.Reshape((start, start, filters * 2 ** (steps - 1)))(x)
    x = layers.BatchNormalization(synchronized=True)(x)
    x = layers.ReLU()(x)
    for i in range(steps - 1):
        x = layers.Conv2DTranspose(
            filters * 2 ** (steps - 2 - i), kernel_size, strides=2, padding="same", use_bias=False
        )(x)
        x = layers.BatchNormalization(synchronized=True)(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same")(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(z, images, name=name)


def dcgan_discriminator(
    image_shape, filters=64, kernel_size=4, normalization=None, name="discriminator"
):
    """Stride-2 convs with LeakyReLU(0.2), then one logit.

    ``normalization``: None, or a callable returning a layer to wrap each conv
    (e.g. spectral normalization).
    """
    height, width, channels = check_image_shape(image_shape)
    _, steps = upsampling_plan(height)
    wrap = normalization or (lambda layer: layer)
    images = keras.Input(image_shape, name="images")
    x = images
    for i in range(steps):
        x = wrap(layers.Conv2D(filters * 2**i, kernel_size, strides=2, padding="same"))(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    logits = wrap(layers.Dense(1))(x)
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model(images, logits, name=name)


# === MLP (Goodfellow et al. 2014) ===


def mlp_generator(image_shape, latent_dim, hidden_units=(256, 512, 1024), name="generator"):
    image_shape = check_image_shape(image_shape)
    z = keras.Input((latent_dim,), name="latent")
    x = z
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    images = layers.Reshape(image_shape, dtype="float32", name="images")(x)
    return keras.Model(z, images, name=name)


def mlp_discriminator(image_shape, hidden_units=(512, 256), name="discriminator"):
    image_shape = check_image_shape(image_shape)
    images = keras.Input(image_shape, name="images")
    x = layers.Flatten()(images)
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
