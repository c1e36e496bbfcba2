"""keras.io's "CycleGAN" example (``examples/generative/cyclegan.py``),
written for the throughput benchmark at the ``cyclegan_mnist_usps`` recipe's
sizes.

Kept as the example writes it: its own ``ReflectionPadding2D`` (``tf.pad``),
instance norm as ``GroupNormalization(groups=-1)``, its ResNet generator and
PatchGAN builders, and its ``train_step``: one persistent ``GradientTape``
around all six generator passes and four discriminator passes, each network
getting the gradient of its own loss from that one forward, four Adam
optimizers, least-squares losses (the discriminator's halved), cycle 10 and
identity 0.5 * 10. It has no history pool (the discriminators see the
current fakes) and updates D on fakes from the generators before their
update; the zoo follows the paper (G update, then D on pooled fakes).

Only the sizes are the recipe's: 28x28x1 images, 32 filters, 3 residual
blocks, PatchGAN with 32 filters and 2 stride-2 convs, batch 16.
"""

import keras
import tensorflow as tf
from keras import layers

KERNEL_INIT = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
GAMMA_INIT = keras.initializers.RandomNormal(mean=1.0, stddev=0.02)


class ReflectionPadding2D(layers.Layer):
    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        super().__init__(**kwargs)

    def call(self, input_tensor, mask=None):
        w, h = self.padding
        return tf.pad(input_tensor, [[0, 0], [h, h], [w, w], [0, 0]], mode="REFLECT")


def residual_block(x, activation, kernel_size=(3, 3), strides=(1, 1), padding="valid"):
    dim = x.shape[-1]
    input_tensor = x
    x = ReflectionPadding2D()(input_tensor)
    x = layers.Conv2D(dim, kernel_size, strides=strides, kernel_initializer=KERNEL_INIT, padding=padding, use_bias=False)(x)
    x = layers.GroupNormalization(groups=-1, gamma_initializer=GAMMA_INIT)(x)
    x = activation(x)
    x = ReflectionPadding2D()(x)
    x = layers.Conv2D(dim, kernel_size, strides=strides, kernel_initializer=KERNEL_INIT, padding=padding, use_bias=False)(x)
    x = layers.GroupNormalization(groups=-1, gamma_initializer=GAMMA_INIT)(x)
    return layers.add([input_tensor, x])


def downsample(x, filters, activation, kernel_size=(3, 3), strides=(2, 2), padding="same"):
    x = layers.Conv2D(filters, kernel_size, strides=strides, kernel_initializer=KERNEL_INIT, padding=padding, use_bias=False)(x)
    x = layers.GroupNormalization(groups=-1, gamma_initializer=GAMMA_INIT)(x)
    return activation(x) if activation else x


def upsample(x, filters, activation, kernel_size=(3, 3), strides=(2, 2), padding="same"):
    x = layers.Conv2DTranspose(filters, kernel_size, strides=strides, padding=padding, kernel_initializer=KERNEL_INIT,
                               use_bias=False)(x)
    x = layers.GroupNormalization(groups=-1, gamma_initializer=GAMMA_INIT)(x)
    return activation(x) if activation else x


def get_resnet_generator(shape, filters=64, num_downsampling_blocks=2, num_residual_blocks=9,
                         num_upsample_blocks=2, name=None):
    img_input = layers.Input(shape=shape, name=name + "_img_input")
    x = ReflectionPadding2D(padding=(3, 3))(img_input)
    x = layers.Conv2D(filters, (7, 7), kernel_initializer=KERNEL_INIT, use_bias=False)(x)
    x = layers.GroupNormalization(groups=-1, gamma_initializer=GAMMA_INIT)(x)
    x = layers.Activation("relu")(x)
    for _ in range(num_downsampling_blocks):
        filters *= 2
        x = downsample(x, filters=filters, activation=layers.Activation("relu"))
    for _ in range(num_residual_blocks):
        x = residual_block(x, activation=layers.Activation("relu"))
    for _ in range(num_upsample_blocks):
        filters //= 2
        x = upsample(x, filters, activation=layers.Activation("relu"))
    x = ReflectionPadding2D(padding=(3, 3))(x)
    x = layers.Conv2D(shape[-1], (7, 7), padding="valid")(x)
    x = layers.Activation("tanh")(x)
    return keras.models.Model(img_input, x, name=name)


def get_discriminator(shape, filters=64, num_downsampling=3, name=None):
    img_input = layers.Input(shape=shape, name=name + "_img_input")
    x = layers.Conv2D(filters, (4, 4), strides=(2, 2), padding="same", kernel_initializer=KERNEL_INIT)(img_input)
    x = layers.LeakyReLU(0.2)(x)
    num_filters = filters
    for num_downsample_block in range(num_downsampling):
        num_filters *= 2
        strides = (2, 2) if num_downsample_block < num_downsampling - 1 else (1, 1)
        x = downsample(x, filters=num_filters, activation=layers.LeakyReLU(0.2), kernel_size=(4, 4), strides=strides)
    x = layers.Conv2D(1, (4, 4), strides=(1, 1), padding="same", kernel_initializer=KERNEL_INIT)(x)
    return keras.models.Model(inputs=img_input, outputs=x, name=name)


class CycleGan(keras.Model):
    def __init__(self, generator_G, generator_F, discriminator_X, discriminator_Y, lambda_cycle=10.0,
                 lambda_identity=0.5):
        super().__init__()
        self.gen_G = generator_G
        self.gen_F = generator_F
        self.disc_X = discriminator_X
        self.disc_Y = discriminator_Y
        self.lambda_cycle = lambda_cycle
        self.lambda_identity = lambda_identity

    def compile(self, gen_G_optimizer, gen_F_optimizer, disc_X_optimizer, disc_Y_optimizer, gen_loss_fn,
                disc_loss_fn):
        super().compile()
        self.gen_G_optimizer = gen_G_optimizer
        self.gen_F_optimizer = gen_F_optimizer
        self.disc_X_optimizer = disc_X_optimizer
        self.disc_Y_optimizer = disc_Y_optimizer
        self.generator_loss_fn = gen_loss_fn
        self.discriminator_loss_fn = disc_loss_fn
        self.cycle_loss_fn = keras.losses.MeanAbsoluteError()
        self.identity_loss_fn = keras.losses.MeanAbsoluteError()

    def train_step(self, batch_data):
        real_x, real_y = batch_data
        with tf.GradientTape(persistent=True) as tape:
            fake_y = self.gen_G(real_x, training=True)
            fake_x = self.gen_F(real_y, training=True)
            cycled_x = self.gen_F(fake_y, training=True)
            cycled_y = self.gen_G(fake_x, training=True)
            same_x = self.gen_F(real_x, training=True)
            same_y = self.gen_G(real_y, training=True)
            disc_real_x = self.disc_X(real_x, training=True)
            disc_fake_x = self.disc_X(fake_x, training=True)
            disc_real_y = self.disc_Y(real_y, training=True)
            disc_fake_y = self.disc_Y(fake_y, training=True)
            gen_G_loss = self.generator_loss_fn(disc_fake_y)
            gen_F_loss = self.generator_loss_fn(disc_fake_x)
            cycle_loss_G = self.cycle_loss_fn(real_y, cycled_y) * self.lambda_cycle
            cycle_loss_F = self.cycle_loss_fn(real_x, cycled_x) * self.lambda_cycle
            id_loss_G = self.identity_loss_fn(real_y, same_y) * self.lambda_cycle * self.lambda_identity
            id_loss_F = self.identity_loss_fn(real_x, same_x) * self.lambda_cycle * self.lambda_identity
            total_loss_G = gen_G_loss + cycle_loss_G + id_loss_G
            total_loss_F = gen_F_loss + cycle_loss_F + id_loss_F
            disc_X_loss = self.discriminator_loss_fn(disc_real_x, disc_fake_x)
            disc_Y_loss = self.discriminator_loss_fn(disc_real_y, disc_fake_y)
        grads_G = tape.gradient(total_loss_G, self.gen_G.trainable_variables)
        grads_F = tape.gradient(total_loss_F, self.gen_F.trainable_variables)
        disc_X_grads = tape.gradient(disc_X_loss, self.disc_X.trainable_variables)
        disc_Y_grads = tape.gradient(disc_Y_loss, self.disc_Y.trainable_variables)
        self.gen_G_optimizer.apply_gradients(zip(grads_G, self.gen_G.trainable_variables))
        self.gen_F_optimizer.apply_gradients(zip(grads_F, self.gen_F.trainable_variables))
        self.disc_X_optimizer.apply_gradients(zip(disc_X_grads, self.disc_X.trainable_variables))
        self.disc_Y_optimizer.apply_gradients(zip(disc_Y_grads, self.disc_Y.trainable_variables))
        return {"G_loss": total_loss_G, "F_loss": total_loss_F, "D_X_loss": disc_X_loss, "D_Y_loss": disc_Y_loss}


adv_loss_fn = keras.losses.MeanSquaredError()


def generator_loss_fn(fake):
    return adv_loss_fn(tf.ones_like(fake), fake)


def discriminator_loss_fn(real, fake):
    real_loss = adv_loss_fn(tf.ones_like(real), real)
    fake_loss = adv_loss_fn(tf.zeros_like(fake), fake)
    return (real_loss + fake_loss) * 0.5


def build(shape=(28, 28, 1), filters=32, n_blocks=3, d_filters=32, d_layers=2):
    """The compiled keras.io CycleGAN at the given sizes (Adam 2e-4 / 0.5)."""
    gan = CycleGan(
        get_resnet_generator(shape, filters, num_residual_blocks=n_blocks, name="generator_G"),
        get_resnet_generator(shape, filters, num_residual_blocks=n_blocks, name="generator_F"),
        get_discriminator(shape, d_filters, d_layers, name="discriminator_X"),
        get_discriminator(shape, d_filters, d_layers, name="discriminator_Y"),
    )
    gan.compile(
        *(keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5) for _ in range(4)),
        gen_loss_fn=generator_loss_fn,
        disc_loss_fn=discriminator_loss_fn,
    )
    return gan


def dataset(images_a, images_b, batch_size):
    """The example's pipeline on in-memory images in [-1, 1] (its random
    jitter, resize-and-crop for 256x256 photos, has no part at 28x28):
    cache, shuffle, batch, zip the domains."""
    def domain(images):
        ds = tf.data.Dataset.from_tensor_slices(images).cache()
        return ds.shuffle(256).batch(batch_size, drop_remainder=True).repeat()

    return tf.data.Dataset.zip((domain(images_a), domain(images_b))).prefetch(tf.data.AUTOTUNE)
