"""Auxiliary-classifier GAN (Odena et al. 2017)."""

import keras
import tensorflow as tf

from zoo import conditions
from zoo import layers
from zoo import losses as zoo_losses
from zoo.base import AdversarialModel
from zoo.registry import register


@register("acgan", "ACGAN: class-conditional G, D with an adversarial and a class head (Odena et al. 2017)")
class ACGAN(AdversarialModel):
    """GAN with an auxiliary classifier in the discriminator.

    G maps ``[z, embed(y)]`` to an image (as in ``cgan``); D sees only the
    image and has two heads: real/fake logit and class logits. D minimises
    its adversarial loss plus the class cross-entropy on real *and*
    generated images; G minimises its adversarial loss plus the class
    cross-entropy of its images for the labels it was asked for
    (tensorflow-gan's ``acgan_discriminator_loss`` / ``acgan_generator_loss``).

    Training batches are ``(images, labels)``; fakes are generated for the
    batch's labels.

    Args:
        image_shape: (height, width, channels).
        num_classes: number of classes.
        latent_dim: size of z.
        condition_dim: size of G's label embedding.
        class_loss_weight: weight of the class terms in both losses (1 in
            the paper).
        g_filters / d_filters / kernel_size: DCGAN widths.
        adversarial_loss, d_steps, seed, generator, discriminator: see
            ``AdversarialModel``; a custom discriminator returns
            ``[logits, class_logits]``.

    Example:
        >>> import zoo
        >>> model = zoo.get("acgan", num_classes=10)
        >>> model.generate(2, labels=3).shape
        (2, 28, 28, 1)

    Reference: Odena, Olah, Shlens, "Conditional Image Synthesis with
    Auxiliary Classifier GANs", ICML 2017. Adam 2e-4 / 0.5 for both networks
    (the paper's setting).
    """

    LOSS_NAMES = ("d_loss", "g_loss", "d_class_loss", "g_class_loss", "real_class_accuracy")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        latent_dim=100,
        condition_dim=50,
        class_loss_weight=1.0,
        g_filters=64,
        d_filters=64,
        kernel_size=4,
        adversarial_loss="non_saturating",
        d_steps=1,
        seed=0,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}.")
        image_shape = layers.check_image_shape(image_shape)
        if generator is None:
            generator = layers.conditional_dcgan_generator(
                image_shape, latent_dim, layers.label_condition(int(num_classes)),
                condition_dim, g_filters, kernel_size,
            )
        if discriminator is None:
            discriminator = auxiliary_classifier_discriminator(
                image_shape, int(num_classes), d_filters, kernel_size
            )
        super().__init__(
            generator=generator,
            discriminator=discriminator,
            latent_dim=latent_dim,
            adversarial_loss=adversarial_loss,
            d_steps=d_steps,
            seed=seed,
            **kwargs,
        )
        self.image_shape = image_shape
        self.num_classes = int(num_classes)
        self.condition_dim = condition_dim
        self.class_loss_weight = float(class_loss_weight)
        self.g_filters = g_filters
        self.d_filters = d_filters
        self.kernel_size = kernel_size

    def conditions(self):
        return (conditions.Latent(self.latent_dim), conditions.ClassLabels(self.num_classes))

    def train_step(self, data):
        real, labels = self.unpack_labelled(data)
        one_hot = tf.one_hot(labels, self.num_classes)
        batch = tf.shape(real)[0]
        # 1. Discriminator: real vs fake, and the class of both.
        for _ in range(self.d_steps):
            self._discriminator_step(real, labels, one_hot, batch)
        # 2. Generator: fool D and be classified as the label asked for.
        self._generator_step(labels, one_hot, batch)
        return self._logs()

    def _discriminator_step(self, real, labels, one_hot, batch):
        fake = self.generator([self.sample_latents(batch), labels], training=True)
        with tf.GradientTape() as tape:
            (real_logits, real_classes), r1 = self.score_real(
                lambda x: self.discriminator(x, training=True), self.d_input(real))
            fake_logits, fake_classes = self.discriminator(self.d_input(fake), training=True)
            adversarial = self.d_loss_fn(real_logits, fake_logits)
            classification = zoo_losses.acgan_discriminator_loss(real_classes, fake_classes, one_hot)
            per_example = adversarial + self.class_loss_weight * classification + r1
            loss = self.global_mean(per_example) + self.regularization([self.discriminator])
        self.apply_update(self.d_optimizer, loss, self.discriminator_variables, tape)
        self._track("d_loss", per_example)
        self._track("d_class_loss", classification)
        correct = tf.cast(tf.equal(tf.argmax(real_classes, -1, output_type=tf.int32), labels), tf.float32)
        self._track("real_class_accuracy", correct)

    def _generator_step(self, labels, one_hot, batch):
        latents = self.sample_latents(batch)
        with tf.GradientTape() as tape:
            fake_logits, fake_classes = self.discriminator(
                self.d_input(self.generator([latents, labels], training=True)), training=True
            )
            classification = zoo_losses.acgan_generator_loss(fake_classes, one_hot)
            per_example = self.g_loss_fn(fake_logits) + self.class_loss_weight * classification
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)
        self._track("g_class_loss", classification)


# === The two-head discriminator ===


def auxiliary_classifier_discriminator(image_shape, num_classes, filters=64, kernel_size=4,
                                       name="discriminator"):
    """ACGAN's discriminator: DCGAN features, then two heads, an adversarial
    logit ``[batch, 1]`` and class logits ``[batch, num_classes]``."""
    images = keras.Input(image_shape, name="images")
    features = layers.dcgan_downsampler(images, image_shape, filters, kernel_size)
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(keras.layers.Dense(1)(features))
    classes = keras.layers.Activation("linear", dtype="float32", name="class_logits")(
        keras.layers.Dense(num_classes)(features)
    )
    return keras.Model(images, [logits, classes], name=name)
