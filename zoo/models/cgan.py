"""Class-conditional GAN (Mirza & Osindero 2014) with a matching-aware
discriminator (Reed et al. 2016's GAN-CLS negatives) and an optional
projection discriminator (Miyato & Koyama 2018)."""

import tensorflow as tf

from zoo import conditions
from zoo import layers
from zoo.base import AdversarialModel
from zoo.registry import register


@register("cgan", "Class-conditional GAN: G(z, y), D(x, y) with mismatched-label negatives (Mirza & Osindero 2014)")
class CGAN(AdversarialModel):
    """Class-conditional DCGAN.

    G maps ``[z, embed(y)]`` through DCGAN's generator; D judges an (image,
    label) pair. With ``mismatched_negatives`` (the default) D's loss has
    three terms, as in GAN-CLS: real images with their own labels are
    positives; generated images with the labels they were asked for, and
    real images paired with a *wrong* label, are negatives (each negative
    term weighted 1/2). Without them D can only ask "is this image real?",
    and nothing forces G's output to match its label except D learning the
    label-image relation on its own.

    Training batches are ``(images, labels)`` (``zoo.data.load(...,
    with_labels=True)``); fakes are generated for the batch's labels, and
    each wrong label is ``(y + k) mod num_classes`` with k uniform in
    ``1..num_classes-1``, so it never equals ``y``.

    Args:
        image_shape: (height, width, channels).
        num_classes: number of classes; labels are ints in ``[0, num_classes)``.
        latent_dim: size of z.
        condition_dim: size of G's label embedding.
        discriminator_type: ``"concat"`` (label as an extra image channel)
            or ``"projection"`` (inner product of a label embedding with D's
            features, Miyato & Koyama 2018).
        mismatched_negatives: add real-image/wrong-label pairs as negatives.
        g_filters / d_filters / kernel_size: DCGAN widths (see ``DCGAN``).
        adversarial_loss, d_steps, seed, generator, discriminator: see
            ``AdversarialModel``; custom networks take ``[latent, labels]``
            and ``[images, labels]``.

    Example:
        >>> import zoo
        >>> model = zoo.get("cgan", num_classes=10)
        >>> model.generate(3, labels=[7, 7, 1]).shape
        (3, 28, 28, 1)

    Reference: Mirza & Osindero, "Conditional Generative Adversarial Nets",
    arXiv:1411.1784; Reed et al., "Generative Adversarial Text to Image
    Synthesis", ICML 2016 (matching-aware D); Miyato & Koyama, "cGANs with
    Projection Discriminator", ICLR 2018. Adam 2e-4 / 0.5 (DCGAN's).
    """

    LOSS_NAMES = ("d_loss", "g_loss", "d_real", "d_fake", "d_mismatched")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        latent_dim=100,
        condition_dim=50,
        discriminator_type="concat",
        mismatched_negatives=True,
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
        condition = layers.label_condition(int(num_classes))
        if generator is None:
            generator = layers.conditional_dcgan_generator(
                image_shape, latent_dim, condition, condition_dim, g_filters, kernel_size
            )
        if discriminator is None:
            discriminator = layers.conditional_dcgan_discriminator(
                image_shape, condition, discriminator_type, d_filters, kernel_size
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
        self.discriminator_type = discriminator_type
        self.mismatched_negatives = bool(mismatched_negatives)
        self.g_filters = g_filters
        self.d_filters = d_filters
        self.kernel_size = kernel_size

    def train_step(self, data):
        real, labels = self.unpack_labelled(data)
        batch = tf.shape(real)[0]
        # 1. Discriminator: real/right positives; fake/right and real/wrong negatives.
        for _ in range(self.d_steps):
            wrong = lambda: self.wrong_labels(labels, batch)  # noqa: E731
            matching_aware_discriminator_step(self, real, labels, wrong, batch)
        # 2. Generator: make D accept (G(z, y), y).
        conditional_generator_step(self, labels, batch)
        return self._logs()

    def conditions(self):
        return (conditions.Latent(self.latent_dim), conditions.ClassLabels(self.num_classes))

    def wrong_labels(self, labels, batch):
        """A label != y for every example: (y + k) mod K, k in 1..K-1."""
        shift = 1 + tf.cast(self.draw(batch, [], "uniform") * (self.num_classes - 1), tf.int32)
        return (labels + tf.minimum(shift, self.num_classes - 1)) % self.num_classes


# === The matching-aware steps: shared with text2image ===


def matching_aware_discriminator_step(model, real, condition, wrong, batch):
    """One D update of GAN-CLS (Reed et al. 2016) for a D judging (image,
    condition) pairs: real/right positive; fake/right and, with
    ``model.mismatched_negatives``, real/wrong negatives (1/2 each).
    ``condition`` / ``wrong``: what G and D take as the condition (labels,
    token ids) for the right and a wrong class; ``wrong`` may be a callable,
    called after the fakes' latents are drawn (the draw order of cgan's
    published runs). Logs ``d_loss`` and sigmoid(D) on each kind of pair
    (``d_real``, ``d_fake``, ``d_mismatched``: the real/wrong pairs are
    scored in both settings, so the ablation shows whether D reads the
    condition at all)."""
    fake = model.generator([model.sample_latents(batch), condition], training=True)
    wrong = wrong() if callable(wrong) else wrong
    with tf.GradientTape() as tape:
        real_in = model.d_input(real)
        real_logits, r1 = model.score_real(lambda x: model.discriminator([x, condition], training=True), real_in)
        fake_logits = model.discriminator([model.d_input(fake), condition], training=True)
        wrong_logits = model.discriminator([real_in, wrong], training=True)
        per_example = model.d_loss_fn(real_logits, fake_logits)
        if model.mismatched_negatives:
            # L(real, right) + (L(fake, right) + L(real, wrong)) / 2.
            per_example = 0.5 * (per_example + model.d_loss_fn(real_logits, wrong_logits))
        per_example = per_example + r1
        loss = model.global_mean(per_example) + model.regularization([model.discriminator])
    model.apply_update(model.d_optimizer, loss, model.discriminator_variables, tape)
    model._track("d_loss", per_example)
    model._track("d_real", tf.sigmoid(real_logits))
    model._track("d_fake", tf.sigmoid(fake_logits))
    model._track("d_mismatched", tf.sigmoid(wrong_logits))


def conditional_generator_step(model, condition, batch):
    """One G update through a D judging (image, condition) pairs."""
    latents = model.sample_latents(batch)
    with tf.GradientTape() as tape:
        fake = model.generator([latents, condition], training=True)
        per_example = model.g_loss_fn(model.discriminator([model.d_input(fake), condition], training=True))
        loss = model.global_mean(per_example) + model.regularization([model.generator])
    model.apply_update(model.g_optimizer, loss, model.generator_variables, tape)
    model._track("g_loss", per_example)
