"""The keras.io GAN examples' training loops, on the zoo recipes' networks.

``KerasIODCGAN`` follows keras.io's "DCGAN to generate face images"
(``dcgan_overriding_train_step``): one discriminator pass over the
concatenation [fakes, reals] with noisy labels, sigmoid output and
``BinaryCrossentropy``; then a generator step on fresh latents.
``KerasIOWGANGP`` follows keras.io's "WGAN-GP overriding Model.train_step":
``d_steps`` critic updates with the generator forward inside the critic's
tape, a gradient penalty on interpolates, then a generator step. The loss
and metric plumbing is kept as the examples write it (``reduce_mean``,
trackers created in ``__init__``); only the networks are swapped for the
recipe's, with Keras's default (unsynchronized) batch norm, so the timing
compares training loops, not architectures.
"""

import keras
import tensorflow as tf
from keras import layers, ops


def generator(latent_dim, filters, channels=1):
    """The DCGAN-MNIST recipe's generator: 7x7 projection, two stride-2
    transposed convs, batch norm + ReLU, tanh."""
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(7 * 7 * filters * 2, use_bias=False),
            layers.Reshape((7, 7, filters * 2)),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(channels, 4, strides=2, padding="same"),
            layers.Activation("tanh"),
        ],
        name="generator",
    )


def discriminator(filters, channels=1, sigmoid=False):
    """The recipe's discriminator: two stride-2 convs with LeakyReLU(0.2), one
    output (a probability when ``sigmoid``, as keras.io's DCGAN has it)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, channels)),
            layers.Conv2D(filters, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(filters * 2, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid" if sigmoid else None),
        ],
        name="discriminator",
    )


class KerasIODCGAN(keras.Model):
    def __init__(self, latent_dim=100, filters=64):
        super().__init__()
        self.latent_dim = latent_dim
        self.generator = generator(latent_dim, filters)
        self.discriminator = discriminator(filters, sigmoid=True)
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        # 1. Discriminator on [fakes, reals] with noisy labels (1 = fake).
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        generated = self.generator(z)
        combined = ops.concatenate([generated, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        # 2. Generator: make the discriminator say "real" (0).
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        misleading = ops.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            g_loss = self.loss_fn(misleading, self.discriminator(self.generator(z)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


class KerasIOWGANGP(keras.Model):
    def __init__(self, latent_dim=100, filters=32, d_steps=5, gp_weight=10.0):
        super().__init__()
        self.latent_dim = latent_dim
        self.d_steps = d_steps
        self.gp_weight = gp_weight
        self.generator = generator(latent_dim, filters)
        self.discriminator = discriminator(filters)
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def gradient_penalty(self, batch_size, real_images, fake_images):
        alpha = tf.random.uniform([batch_size, 1, 1, 1], 0.0, 1.0)
        interpolated = real_images + alpha * (fake_images - real_images)
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            pred = self.discriminator(interpolated, training=True)
        grads = gp_tape.gradient(pred, [interpolated])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
        return tf.reduce_mean((norm - 1.0) ** 2)

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        # 1. Critic: d_steps updates, the generator forward inside the tape.
        for _ in range(self.d_steps):
            z = tf.random.normal((batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake_images = self.generator(z, training=True)
                fake_logits = self.discriminator(fake_images, training=True)
                real_logits = self.discriminator(real_images, training=True)
                d_cost = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                gp = self.gradient_penalty(batch_size, real_images, fake_images)
                d_loss = d_cost + gp * self.gp_weight
            grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        # 2. Generator.
        z = tf.random.normal((batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            gen_logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = -tf.reduce_mean(gen_logits)
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


def build(model, filters):
    """A compiled keras.io-style model: ``"dcgan"`` or ``"wgan_gp"``."""
    if model == "dcgan":
        gan = KerasIODCGAN(filters=filters)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss_fn=keras.losses.BinaryCrossentropy(),
        )
    elif model == "wgan_gp":
        gan = KerasIOWGANGP(filters=filters)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        )
    else:
        raise ValueError(f"model must be 'dcgan' or 'wgan_gp', got {model!r}.")
    return gan


def mnist_dataset(batch_size):
    """keras.io's input pipeline on MNIST: decode, scale, shuffle, batch."""
    import tensorflow_datasets as tfds

    ds = tfds.load("mnist", split="train")
    ds = ds.map(lambda ex: tf.cast(ex["image"], tf.float32) / 127.5 - 1.0)
    return ds.shuffle(1024).batch(batch_size, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE)
