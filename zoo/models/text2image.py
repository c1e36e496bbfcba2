"""Text-to-image GAN with a matching-aware discriminator (GAN-CLS, Reed et al. 2016)."""

import numpy as np
import tensorflow as tf
import keras

from zoo import conditions
from zoo import data as zoo_data
from zoo import layers
from zoo.base import AdversarialModel
from zoo.models.cgan import conditional_generator_step, matching_aware_discriminator_step
from zoo.registry import register


def caption_vocabulary(caption_set="fashion_mnist"):
    """The words of a caption set's *training* phrasings, in order of first
    use, after the model's standardization (lower case, no punctuation)."""
    words = []
    for phrasings in zoo_data.load_captions(caption_set)["train"]:
        for phrase in phrasings:
            for word in conditions.standardize(phrase).split():
                if word not in words:
                    words.append(word)
    return words


@register("text2image", "Text-to-image GAN-CLS: G(z, text), matching-aware D(x, text) (Reed et al. 2016)")
class Text2Image(AdversarialModel):
    """GAN conditioned on a caption string, with its own text encoder.

    The model owns the whole text path: a ``TextVectorization`` layer with a
    fixed vocabulary (a constructor argument, so it is part of the config
    and of every export) turns strings into token ids; G and D each embed
    the tokens and average them (padding masked) into a condition vector.
    G is DCGAN's generator on ``[z, text vector]``; D judges (image, text)
    pairs like ``cgan``'s. The exported SavedModel takes a string tensor
    ``text``: nothing outside the model is needed to serve it.

    D's loss is GAN-CLS's: real image + its caption is positive; generated
    image + its caption, and real image + a caption of *another* class
    (``mismatched_text``), are negatives weighted 1/2 each.

    Training batches are dicts ``{"images", "text", "mismatched_text"}``:
    ``zoo.data.load(..., captions="fashion_mnist")`` composes them from
    class labels; for your own captioned data, pair each image with a
    caption of a different image as ``mismatched_text``.

    Args:
        image_shape: (height, width, channels).
        vocabulary: list of known words (lower case, no punctuation);
            default: the words of the ``fashion_mnist`` training captions.
            Unknown words map to one out-of-vocabulary token.
        default_captions: captions used in turn when ``generate`` gets no
            ``text`` (sample grids, FID); default: the first training
            phrasing of each ``fashion_mnist`` class.
        latent_dim: size of z.
        max_tokens: captions are cut / padded to this many words.
        embedding_dim: word embedding size (G's and D's own).
        condition_dim: size of G's text vector.
        discriminator_type: ``"concat"`` or ``"projection"`` (see ``cgan``).
        mismatched_negatives: train D on real images with wrong captions.
        g_filters / d_filters / kernel_size: DCGAN widths.
        adversarial_loss, d_steps, seed, generator, discriminator: see
            ``AdversarialModel``; custom networks take ``[latent, text_ids]``
            and ``[images, text_ids]``.

    Example:
        >>> import zoo
        >>> model = zoo.get("text2image")
        >>> model.generate(2, text="an ankle boot").shape
        (2, 28, 28, 1)

    Reference: Reed, Akata, Yan, Logeswaran, Schiele, Lee, "Generative
    Adversarial Text to Image Synthesis", ICML 2016 (GAN-CLS; the paper's
    char-CNN-RNN encoder is pretrained, here a bag-of-words encoder is
    trained with each network). Adam 2e-4 / 0.5.
    """

    LOSS_NAMES = ("d_loss", "g_loss", "d_real", "d_fake", "d_mismatched")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        vocabulary=None,
        default_captions=None,
        latent_dim=100,
        max_tokens=8,
        embedding_dim=64,
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
        image_shape = layers.check_image_shape(image_shape)
        vocabulary = list(caption_vocabulary() if vocabulary is None else vocabulary)
        if not vocabulary or len(set(vocabulary)) != len(vocabulary):
            raise ValueError(f"vocabulary must be a non-empty list of distinct words, got {vocabulary[:10]}.")
        max_tokens = int(max_tokens)
        if default_captions is None:
            default_captions = [p[0] for p in zoo_data.load_captions("fashion_mnist")["train"]]
        default_captions = [str(c) for c in default_captions]
        if not default_captions:
            raise ValueError("default_captions must hold at least one caption.")
        # Ids: 0 = padding, 1 = out of vocabulary, 2.. = the words.
        condition = token_condition(len(vocabulary) + 2, max_tokens, embedding_dim)
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
        self.vocabulary = vocabulary
        self.default_captions = default_captions
        self.max_tokens = max_tokens
        self.embedding_dim = embedding_dim
        self.condition_dim = condition_dim
        self.discriminator_type = discriminator_type
        self.mismatched_negatives = bool(mismatched_negatives)
        self.g_filters = g_filters
        self.d_filters = d_filters
        self.kernel_size = kernel_size
        self.vectorizer = keras.layers.TextVectorization(
            standardize="lower_and_strip_punctuation",
            vocabulary=vocabulary,
            output_mode="int",
            output_sequence_length=max_tokens,
            name="text_vectorizer",
        )
        self.vectorizer.build((None,))  # exports track built layers only

    # === Text ===

    def tokenize(self, text):
        """Strings ``[batch]`` -> int32 token ids ``[batch, max_tokens]``."""
        return self.text_condition().tokenize(text)

    # === Training ===

    def train_step(self, data):
        if not isinstance(data, dict) or not {"images", "text", "mismatched_text"} <= set(data):
            found = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(
                "text2image trains on dict batches {'images', 'text', 'mismatched_text'} "
                f"(zoo.data.load(..., captions=...)); got {found}."
            )
        real = data["images"]
        text, wrong = self.tokenize(data["text"]), self.tokenize(data["mismatched_text"])
        batch = tf.shape(real)[0]
        # 1. Discriminator: (real, text) positive; (fake, text), (real, wrong text) negative.
        for _ in range(self.d_steps):
            matching_aware_discriminator_step(self, real, text, wrong, batch)
        # 2. Generator: make D accept (G(z, text), text).
        conditional_generator_step(self, text, batch)
        return self._logs()

    # === Conditioning: a string per sample ===

    def text_condition(self):
        return conditions.Text(self.vectorizer, self.vocabulary, self.max_tokens, self.default_captions)

    def conditions(self):
        """The SavedModel takes a string tensor ``text``; the TFLite model
        takes its token ids ``text_ids`` (``conditions.Text.tflite``)."""
        return (conditions.Latent(self.latent_dim), self.text_condition())

    def example_batch(self, n=8, seed=0):
        text = self.text_condition().example(n, seed)
        images = conditions.random_images(self.image_shape, n, seed)
        return {"images": images, "text": text, "mismatched_text": np.roll(text, 1)}


# === The text encoder ===


def token_condition(vocab_size, max_tokens, embedding_dim):
    """A condition builder for tokenized text (int32 ids, 0 = padding):
    ``build(dim)`` returns ``(ids_input, vector)``: word embeddings averaged
    over the non-padding tokens, then Dense(dim) + LeakyReLU."""

    def build(dim):
        ids = keras.Input((max_tokens,), dtype="int32", name="text_ids")
        x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="word_embedding")(ids)
        x = keras.layers.GlobalAveragePooling1D(name="mean_over_words")(x)
        x = keras.layers.Dense(dim, name="text_projection")(x)
        return ids, keras.layers.LeakyReLU(0.2)(x)

    return build
