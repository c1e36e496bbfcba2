"""StarGAN: one generator for translation among many domains (Choi et al. 2018)."""

import keras
import numpy as np
import tensorflow as tf

from zoo import conditions
from zoo import layers
from zoo import losses as zoo_losses
from zoo.base import AdversarialModel
from zoo.registry import register


@register("stargan", "StarGAN: one G conditioned on the target domain, D with critic + domain heads, WGAN-GP + domain CE + 10 * reconstruction (Choi et al. 2018)")
class StarGAN(AdversarialModel):
    """Unpaired translation among ``num_domains`` domains with one generator.

    CycleGAN needs a generator pair per pair of domains; StarGAN's single G
    takes an image and a *target domain* and D has two heads: a critic (PatchGAN map) and a domain
    classifier. D learns to classify *real* images' domains; G is trained so
    that D classifies G(x, c) as c, and so that G(G(x, c), c_x) returns to x
    (the reconstruction loss: the cycle idea with one generator).

    Each step: 1. ``d_steps`` critic updates on this real batch (WGAN-GP:
    ``D(fake) - D(real) + gp_weight * GP + domain_weight * CE(D_cls(x),
    c_x)``), each with fresh random target domains; 2. one generator update
    on ``-D(G(x, c)) + domain_weight * CE(D_cls(G(x, c)), c) +
    reconstruction_weight * |G(G(x, c), c_x) - x|_1``. (The paper's code
    draws a new real batch for each critic step; here, as in zoo's
    ``wgan_gp``, the critic steps reuse the batch.)

    Training batches are ``(images, domain ids)``: ``zoo.data.load(folder,
    with_labels=True)`` on a folder with one sub-folder per domain.

    Args:
        image_shape: (height, width, channels), height and width multiples of 4.
        num_domains: number of domains (>= 2).
        domain_names: optional names of the domains, in id order (recorded in
            the config and the export's metadata; ``generate`` accepts them).
        filters / n_blocks: generator width and residual blocks (64, 6).
        d_filters / d_layers: critic width and stride-2 layers (64, 6 at
            128x128 in the paper).
        domain_weight, reconstruction_weight, gp_weight: lambda_cls (1),
            lambda_rec (10) and lambda_gp (10).
        The target domain enters G through conditional instance norm
        (a scale and offset per domain in every normalization layer), not
        the paper's one-hot input planes: those are erased exactly by the
        first reflection-padded conv + instance norm (see
        ``zoo.layers.resnet_generator``).
        adversarial_loss, d_steps, seed, generator, discriminator: see
            ``AdversarialModel``; a custom D returns ``[critic, domain_logits]``.

    Example:
        >>> import zoo
        >>> model = zoo.get("stargan", image_shape=(16, 16, 1), num_domains=3, filters=4, n_blocks=1)
        >>> model.generate(image=np.zeros((2, 16, 16, 1), "float32"), domain=[0, 2]).shape
        (2, 16, 16, 1)

    Reference: Choi, Choi, Kim, Ha, Kim, Choo, "StarGAN: Unified Generative
    Adversarial Networks for Multi-Domain Image-to-Image Translation", CVPR
    2018. Adam 1e-4, beta1 0.5, beta2 0.999; n_critic 5.
    """

    DEFAULT_G_OPTIMIZER = ("Adam", {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.999})
    DEFAULT_D_OPTIMIZER = ("Adam", {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.999})
    IMAGE_D_OPTIONS = False  # diff_augment / r1_weight refused: D judges images and their domains; not wired yet
    LOSS_NAMES = (
        "d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate",
        "d_domain_loss", "g_domain_loss", "reconstruction", "real_domain_accuracy",
    )

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_domains=3,
        domain_names=None,
        filters=64,
        n_blocks=6,
        d_filters=64,
        d_layers=3,
        domain_weight=1.0,
        reconstruction_weight=10.0,
        gp_weight=10.0,
        adversarial_loss="wasserstein",
        d_steps=5,
        seed=0,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        image_shape = layers.check_image_shape(image_shape)
        if int(num_domains) < 2:
            raise ValueError(f"num_domains must be >= 2, got {num_domains}.")
        if domain_names is not None and len(domain_names) != int(num_domains):
            raise ValueError(f"domain_names must name all {num_domains} domains, got {list(domain_names)}.")
        for name, value in (("domain_weight", domain_weight), ("reconstruction_weight", reconstruction_weight),
                            ("gp_weight", gp_weight)):
            if float(value) < 0:
                raise ValueError(f"{name} must be >= 0, got {value}.")
        generator = generator or layers.resnet_generator(
            image_shape, image_shape[-1], filters, n_blocks, "instance", name="generator",
            conditional_norm=lambda: ConditionalInstanceNormalization(int(num_domains)),
        )
        discriminator = discriminator or stargan_discriminator(image_shape, int(num_domains), d_filters, d_layers)
        super().__init__(
            generator=generator,
            discriminator=discriminator,
            adversarial_loss=adversarial_loss,
            d_steps=d_steps,
            seed=seed,
            **kwargs,
        )
        self.image_shape = image_shape
        self.num_domains = int(num_domains)
        self.domain_names = list(domain_names) if domain_names is not None else None
        self.filters, self.n_blocks = filters, n_blocks
        self.d_filters, self.d_layers = d_filters, d_layers
        self.domain_weight = float(domain_weight)
        self.reconstruction_weight = float(reconstruction_weight)
        self.gp_weight = float(gp_weight)

    # === Training ===

    def train_step(self, data):
        real, domains = self.unpack_labelled(data)
        real = tf.cast(real, tf.float32)
        batch = tf.shape(real)[0]
        # 1. Critic and domain classifier: d_steps updates, fresh targets each.
        for _ in range(self.d_steps):
            self._discriminator_step(real, domains, batch)
        # 2. Generator: fool the critic, land in the target domain, come back.
        self._generator_step(real, domains, batch)
        return self._logs()

    def random_domains(self, local_batch):
        """Target domains, uniform over all domains, for this replica's rows."""
        u = self.draw(local_batch, [], distribution="uniform")
        return tf.minimum(tf.cast(u * self.num_domains, tf.int32), self.num_domains - 1)

    def _critic(self, images, training=True):
        return self.discriminator(images, training=training)[0]

    def _discriminator_step(self, real, domains, batch):
        fake = self.generator([real, self.random_domains(batch)], training=True)
        mix = self.draw(batch, [1, 1, 1], distribution="uniform")
        with tf.GradientTape() as tape:
            real_logits, real_domain_logits = self.discriminator(real, training=True)
            fake_logits, _ = self.discriminator(fake, training=True)
            adversarial = self.d_loss_fn(real_logits, fake_logits)
            penalty = zoo_losses.gradient_penalty(self._critic, real, fake, mix)
            domain_loss = keras.losses.sparse_categorical_crossentropy(domains, real_domain_logits, from_logits=True)
            per_example = adversarial + self.gp_weight * penalty + self.domain_weight * domain_loss
            loss = self.global_mean(per_example) + self.regularization([self.discriminator])
        self.apply_update(self.d_optimizer, loss, self.discriminator_variables, tape)
        self._track("d_loss", per_example)
        self._track("gradient_penalty", penalty)
        self._track("wasserstein_estimate", tf.reduce_mean(real_logits - fake_logits, axis=[1, 2, 3]))
        self._track("d_domain_loss", domain_loss)
        correct = tf.equal(tf.argmax(real_domain_logits, axis=-1, output_type=tf.int32), domains)
        self._track("real_domain_accuracy", tf.cast(correct, tf.float32))

    def _generator_step(self, real, domains, batch):
        target = self.random_domains(batch)
        with tf.GradientTape() as tape:
            fake = self.generator([real, target], training=True)
            fake_logits, fake_domain_logits = self.discriminator(fake, training=True)
            adversarial = self.g_loss_fn(fake_logits)
            domain_loss = keras.losses.sparse_categorical_crossentropy(target, fake_domain_logits, from_logits=True)
            back = self.generator([fake, domains], training=True)
            reconstruction = tf.reduce_mean(tf.abs(back - real), axis=[1, 2, 3])
            per_example = (adversarial + self.domain_weight * domain_loss
                           + self.reconstruction_weight * reconstruction)
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)
        self._track("g_domain_loss", domain_loss)
        self._track("reconstruction", reconstruction)

    # === Inference: an image and a target domain in, an image out ===

    def conditions(self):
        """The image and its target domain (an id or a name, one for all or one per image)."""
        return (conditions.Image(self.image_shape), conditions.Domain(self.num_domains, self.domain_names))

    def preview_columns(self, batch):
        """The input, then its translation to each domain (first 8 of ``(images, domains)``)."""
        images = np.asarray(batch[0])[:8]
        return [images] + [self.generate(image=images, domain=d) for d in range(self.num_domains)]


# === Networks: the domain-conditioned norm and the two-head critic ===


@keras.saving.register_keras_serializable(package="zoo")
class ConditionalInstanceNormalization(keras.layers.Layer):
    """Instance normalization with a learned scale and offset per domain
    (Dumoulin et al. 2017's conditional instance norm for many styles in one
    network): ``[features, domain ids]`` -> ``gamma[d] * norm(x) + beta[d]``.
    Converts to TFLite (mean, rsqrt, GATHER)."""

    def __init__(self, num_domains, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_domains, self.epsilon = int(num_domains), float(epsilon)

    def build(self, input_shape):
        channels = input_shape[0][-1]
        self.gamma = self.add_weight(shape=(self.num_domains, channels), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.num_domains, channels), initializer="zeros", name="beta")

    def call(self, inputs):
        x, domain = inputs
        mean, variance = keras.ops.moments(x, axes=[1, 2], keepdims=True)
        normalized = (x - mean) * keras.ops.rsqrt(variance + self.epsilon)
        domain = keras.ops.cast(domain, "int32")
        gamma = keras.ops.take(self.gamma, domain, axis=0)[:, None, None, :]
        beta = keras.ops.take(self.beta, domain, axis=0)[:, None, None, :]
        return normalized * keras.ops.cast(gamma, x.dtype) + keras.ops.cast(beta, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_domains": self.num_domains, "epsilon": self.epsilon}


def stargan_discriminator(image_shape, num_domains, filters=64, n_layers=3, name="discriminator"):
    """StarGAN's D: stride-2 4x4 convs with LeakyReLU 0.01 and no
    normalization (the gradient penalty needs examples judged
    independently), then two heads: a PatchGAN map of critic values (3x3
    conv) and domain logits (a conv over the whole last feature map)."""
    image = keras.Input(tuple(image_shape), name="image")
    x = image
    for i in range(n_layers):
        x = keras.layers.Conv2D(filters * 2**i, 4, strides=2, padding="same")(x)
        x = keras.layers.LeakyReLU(0.01)(x)
    critic = keras.layers.Conv2D(1, 3, padding="same", use_bias=False)(x)
    critic = keras.layers.Activation("linear", dtype="float32", name="logits")(critic)
    domains = keras.layers.Conv2D(num_domains, tuple(x.shape[1:3]), padding="valid", use_bias=False)(x)
    domains = keras.layers.Activation("linear", dtype="float32", name="domain_logits")(keras.layers.Flatten()(domains))
    return keras.Model(image, [critic, domains], name=name)
