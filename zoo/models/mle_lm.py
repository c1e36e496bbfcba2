"""LSTM language model trained by maximum likelihood (teacher forcing)."""

import numpy as np
import tensorflow as tf

from zoo import conditions as zoo_conditions
from zoo import sequences
from zoo import text as zoo_text
from zoo.base import GenerativeModel
from zoo.layers import whole_number
from zoo.registry import register


@register("mle_lm", "LSTM language model trained by teacher forcing (MLE): the baseline and pretraining of text GANs")
class MLELanguageModel(GenerativeModel):
    """An LSTM language model: the baseline the sequence GANs are measured
    against, and the pretraining of their generators.

    ``train_step`` minimizes each sequence's mean negative log-likelihood of
    its tokens given their prefixes (teacher forcing: the inputs are the
    start token then the true tokens), averaged over the *global* batch;
    ``loss`` is logged in nats per token. Training batches are int32 ids
    ``[batch, length]`` (``zoo.data.load_tokens``).

    Two kinds of ids:

    * ``vocabulary=None`` (the SeqGAN oracle): ``vocab_size`` ids that are
      all words, fixed-length sequences, ``start_token`` fed at the first
      step; the served text is the ids in decimal.
    * ``vocabulary=[words]`` (``zoo.text.Vocabulary`` words, most frequent
      first): ids 0 pad, 1 start, 2 end, 3 unknown, then the words; the
      likelihood counts the tokens up to and including the end, samples
      stop at the end (padding after) and never draw padding or the start;
      the served text is detokenized in the graph. ``vocab_size`` and
      ``start_token`` then follow from the vocabulary.

    Sampling (``generate``, the export): ``latent`` is uniform noise
    ``[n, length]`` in [0, 1) (token t is the inverse CDF at u[t], see
    ``zoo.sequences``) and ``temperature`` ``[n]`` scales the logits;
    ``generate`` returns the int32 ids, ``sentences`` their text.

    Args:
        vocab_size: number of ids (without a vocabulary).
        length: tokens per sequence (20: the SeqGAN benchmark's).
        embedding_dim, hidden_dim: the LSTM's sizes (32 / 32: the SeqGAN
            generator's and oracle's).
        start_token: the first input id (without a vocabulary; the
            oracle's is 0).
        vocabulary: the words of a ``zoo.text.Vocabulary``, or ``None``.
        generator: a custom ``zoo.sequences.generator_network``.
        seed: seeds the training draws (none here; kept for the base).

    Example:
        >>> import zoo
        >>> model = zoo.get("mle_lm", vocab_size=50, length=6, embedding_dim=8, hidden_dim=8)
        >>> model.generate(2).shape
        (2, 6)

    Reference: the MLE baseline of Yu, Zhang, Wang, Yu, "SeqGAN: Sequence
    Generative Adversarial Nets with Policy Gradient", AAAI 2017 (Adam 1e-2
    there for pretraining; we default to Adam 1e-2 too, see ``recipes/``).
    """

    NETWORKS = ("generator",)
    GENERATORS = ("generator",)
    DEFAULT_OPTIMIZERS = {"optimizer": ("Adam", {"learning_rate": 1e-2})}
    LOSS_NAMES = ("loss",)
    OUTPUTS = ("tokens", "text")
    TFLITE_OUTPUTS = ("tokens",)

    def __init__(self, vocab_size=5000, length=20, embedding_dim=32, hidden_dim=32, start_token=0,
                 vocabulary=None, seed=0, generator=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        length = whole_number("length", length, minimum=2)
        embedding_dim = whole_number("embedding_dim", embedding_dim, minimum=1)
        hidden_dim = whole_number("hidden_dim", hidden_dim, minimum=1)
        if vocabulary is not None:
            vocab = zoo_text.Vocabulary(vocabulary)
            vocabulary, vocab_size, start_token = list(vocab.words), len(vocab), vocab.START
            ids = dict(end_token=vocab.END, pad_token=vocab.PAD, banned=(vocab.PAD, vocab.START))
        else:
            vocab_size = whole_number("vocab_size", vocab_size, minimum=2)
            start_token = whole_number("start_token", start_token, minimum=0)
            if start_token >= vocab_size:
                raise ValueError(f"start_token must be an id in [0, {vocab_size}), got {start_token}.")
            ids = {}
        self.vocab_size, self.length, self.start_token = vocab_size, length, start_token
        self.embedding_dim, self.hidden_dim, self.vocabulary = embedding_dim, hidden_dim, vocabulary
        self.generator = generator or sequences.generator_network(
            vocab_size, length, embedding_dim=embedding_dim, hidden_dim=hidden_dim, start_token=start_token, **ids)
        self.sampler = self.generator.get_layer("tokens")

    @property
    def end_token(self):
        return self.sampler.end_token

    # === Inputs ===

    def conditions(self):
        return (zoo_conditions.UniformNoise(self.length), zoo_conditions.Temperature())

    def example_batch(self, n=8, seed=0):
        """Random training sequences (with a vocabulary: words, an end, padding)."""
        rng = np.random.default_rng(seed)
        if self.vocabulary is None:
            return rng.integers(0, self.vocab_size, (n, self.length)).astype("int32")
        first_word = zoo_text.Vocabulary.UNKNOWN
        ids = rng.integers(first_word, self.vocab_size, (n, self.length)).astype("int32")
        for row, words in zip(ids, rng.integers(1, self.length, n)):
            row[words] = zoo_text.Vocabulary.END
            row[words + 1:] = zoo_text.Vocabulary.PAD
        return ids

    def check_tokens(self, tokens):
        """``tokens`` as int32 ``[n, length]`` ids, or a clear error."""
        return zoo_conditions.TokenIds(self.length, self.vocab_size).check(tokens, None)

    # === Training: teacher forcing ===

    def sequence_nll(self, tokens, training=False, temperature=1.0):
        """Per sequence: mean nats per counted token (``[batch]``) under the
        model at ``temperature`` (logits / temperature)."""
        logits = self.sampler.logits(sequences.shift_right(tokens, self.start_token), training=training)
        logits = logits / temperature if temperature != 1.0 else logits
        return sequences.sequence_nll(logits, tokens, sequences.token_mask(tokens, self.end_token))

    def train_step(self, data):
        tokens, _ = self.unpack(data)
        tokens = tf.cast(tokens, tf.int32)
        with tf.GradientTape() as tape:
            per_example = self.sequence_nll(tokens, training=True)
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        self.apply_update(self.optimizer, loss, self.generator.trainable_variables, tape)
        self._track("loss", per_example)
        return self._logs()

    # === Likelihood, samples, text ===

    def nll(self, tokens, temperature=1.0, batch_size=1000):
        """Each sequence's mean -log p(token | prefix) in nats (float64
        ``[n]``) under the model at ``temperature``: NLL-test on held-out
        sequences."""
        tokens = self.check_tokens(tokens)
        temperature = float(temperature)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}.")
        step = tf.function(lambda t: self.sequence_nll(t, temperature=temperature))
        return np.concatenate([step(tf.constant(tokens[i : i + batch_size])).numpy().astype(np.float64)
                               for i in range(0, len(tokens), batch_size)])

    def sentences(self, tokens):
        """The text of id rows, as the export serves it."""
        tokens = self.check_tokens(tokens)
        return [s.decode("utf-8") for s in sequences.token_text(tf.constant(tokens), self.vocabulary).numpy()]

    def sample_text(self, n, seed=0, temperature=1.0):
        """``n`` sampled sentences."""
        return self.sentences(self.generate(n, seed=seed, temperature=temperature))

    def export_metadata(self):
        """The id -> token table (what a TFLite client decodes with), or
        ``None`` when the ids are the words."""
        tokens = None if self.vocabulary is None else zoo_text.Vocabulary(self.vocabulary).tokens
        return {"id_to_token": tokens, "end_token": self.end_token, "start_token": self.start_token}

    def serving_outputs(self, generated, tflite=False):
        outputs = sequences.tokens_outputs(generated, self.vocabulary)
        return {k: outputs[k] for k in (self.TFLITE_OUTPUTS if tflite else self.OUTPUTS)}
