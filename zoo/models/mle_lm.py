"""LSTM language model trained by maximum likelihood (teacher forcing)."""

import tensorflow as tf

from zoo import sequences
from zoo.base import GenerativeModel
from zoo.layers import whole_number
from zoo.registry import register


@register("mle_lm", "LSTM language model trained by teacher forcing (MLE): the baseline and pretraining of text GANs")
class MLELanguageModel(sequences.TokenModel, GenerativeModel):
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

    def __init__(self, vocab_size=5000, length=20, embedding_dim=32, hidden_dim=32, start_token=0,
                 vocabulary=None, seed=0, generator=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self._use_token_space(sequences.TokenSpace(vocab_size, length, start_token, vocabulary),
                              whole_number("embedding_dim", embedding_dim, minimum=1),
                              whole_number("hidden_dim", hidden_dim, minimum=1))
        self.generator = generator or self.ids.generator(self.embedding_dim, self.hidden_dim)
        self.sampler = self.generator.get_layer("tokens")

    # === Training: teacher forcing ===

    def train_step(self, data):
        tokens, _ = self.unpack(data)
        tokens = tf.cast(tokens, tf.int32)
        with tf.GradientTape() as tape:
            per_example = self.ids.nll(self.sampler, tokens, training=True)
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        self.apply_update(self.optimizer, loss, self.generator.trainable_variables, tape)
        self._track("loss", per_example)
        return self._logs()
