"""A Gumbel-softmax text GAN (RelGAN-style): relaxed one-hot samples carry
D's gradient into the generator (Nie et al. 2019)."""

import tensorflow as tf

from zoo import losses as zoo_losses
from zoo import sequences
from zoo.base import AdversarialModel
from zoo.layers import whole_number
from zoo.registry import register

LOSSES = {
    "relativistic": (zoo_losses.relativistic_generator_loss, zoo_losses.relativistic_discriminator_loss),
    "standard": (lambda real, fake: zoo_losses.non_saturating_generator_loss(fake),
                 zoo_losses.non_saturating_discriminator_loss),
}


def inverse_temperature(step, maximum, anneal_steps):
    """RelGAN's exponential schedule: ``maximum ** (min(step, N) / N)``,
    from 1 at step 0 to ``maximum`` at step N = ``anneal_steps``."""
    progress = tf.minimum(tf.cast(step, tf.float32) / float(anneal_steps), 1.0)
    return tf.pow(tf.constant(float(maximum)), progress)


@register("gumbel_gan", "Gumbel-softmax text GAN (RelGAN-style): relaxed one-hot samples, D's gradient reaches G")
class GumbelGAN(sequences.TokenModel, AdversarialModel):
    """A text GAN trained through a continuous relaxation of sampling.

    G (the LSTM of ``mle_lm``) draws token t as ``argmax(logits_t + g_t)``
    with Gumbel noise g (an exact sample) and hands D the relaxed one-hot
    ``softmax(beta * (logits_t + g_t))``, which is differentiable in G's
    weights; D embeds one-hot vectors by a matrix product, so its gradient
    reaches G without policy gradients. The inverse temperature beta rises
    from 1 to ``max_inverse_temperature`` over ``anneal_steps`` G steps
    (RelGAN's exponential schedule): small beta gives smooth, biased
    gradients, large beta near-one-hot inputs and noisier ones.

    One ``train_step`` on a batch of real sequences (as one-hot vectors):

    1. discriminator: ``d_steps`` updates, real against fresh relaxed samples;
    2. generator: one update through D on fresh relaxed samples.

    Losses: ``"relativistic"`` (RSGAN, RelGAN's: -log sigmoid(D(x) - D(G(z)))
    for D, the reverse for G) or ``"standard"`` (non-saturating). As
    ``seqgan``: G can start from a trained ``mle_lm`` (``pretrained_generator``,
    loaded before the first epoch of ``gan-zoo train``), and sampling, the
    export and the text follow ``zoo.sequences``.

    Args:
        vocab_size, length, embedding_dim, hidden_dim, start_token,
            vocabulary: G's ids and sizes, as ``mle_lm``'s.
        d_embedding_dim, filter_sizes, num_filters, dropout, d_l2: the
            CNN discriminator (``zoo.sequences.cnn_discriminator``, one-hot
            input; RelGAN's widths 2-5 with 300 filters each, embedding 64).
        max_inverse_temperature: beta at the end of annealing (RelGAN: 1000
            on the synthetic data).
        anneal_steps: G steps to reach it.
        loss: ``"relativistic"`` or ``"standard"``.
        d_steps: D updates per G update.
        pretrained_generator: a trained ``mle_lm`` (``.keras`` or work
            directory) G starts from, or ``None``.
        generator, discriminator: custom networks.
        seed: seeds every training draw (Gumbel noise, dropout).

    Example:
        >>> import zoo
        >>> model = zoo.get("gumbel_gan", vocab_size=30, length=6, embedding_dim=4, hidden_dim=4,
        ...                 d_embedding_dim=4, filter_sizes=[2, 3], num_filters=[4, 4])
        >>> model.generate(2).shape
        (2, 6)

    Reference: Nie, Narodytska, Patel, "RelGAN: Relational Generative
    Adversarial Networks for Text Generation", ICLR 2019 (Adam 1e-4 for G
    and D, batch 64). Not theirs: G is an LSTM (theirs: relational memory),
    and D has one representation of the input (theirs: 64).
    """

    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    IMAGE_D_OPTIONS = False  # diff_augment / r1_weight refused: D judges tokens
    EMA_OPTION = False  # nll and sampling read the trained generator's TokenGenerator
    LOSS_NAMES = ("d_loss", "g_loss", "inverse_temperature")
    DEFAULT_G_OPTIMIZER = ("Adam", {"learning_rate": 1e-4})
    DEFAULT_D_OPTIMIZER = ("Adam", {"learning_rate": 1e-4})

    def __init__(self, vocab_size=5000, length=20, embedding_dim=32, hidden_dim=32, start_token=0, vocabulary=None,
                 d_embedding_dim=64, filter_sizes=(2, 3, 4, 5), num_filters=(300, 300, 300, 300), dropout=0.25,
                 d_l2=0.0, max_inverse_temperature=1000.0, anneal_steps=2000, loss="relativistic", d_steps=1,
                 pretrained_generator=None, seed=0, generator=None, discriminator=None, **kwargs):
        ids = sequences.TokenSpace(vocab_size, length, start_token, vocabulary)
        embedding_dim = whole_number("embedding_dim", embedding_dim, minimum=1)
        hidden_dim = whole_number("hidden_dim", hidden_dim, minimum=1)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}.")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        if not float(max_inverse_temperature) >= 1.0:
            raise ValueError(f"max_inverse_temperature must be >= 1, got {max_inverse_temperature!r}.")
        super().__init__(
            generator=generator or ids.generator(embedding_dim, hidden_dim),
            discriminator=discriminator or sequences.cnn_discriminator(
                ids.vocab_size, ids.length, whole_number("d_embedding_dim", d_embedding_dim, minimum=1),
                filter_sizes, num_filters, float(d_l2), one_hot=True),
            latent_dim=None, d_steps=d_steps, seed=seed, **kwargs,
        )
        self._use_token_space(ids, embedding_dim, hidden_dim)
        self.d_embedding_dim = int(d_embedding_dim)
        self.filter_sizes, self.num_filters = [int(w) for w in filter_sizes], [int(f) for f in num_filters]
        self.dropout, self.d_l2 = float(dropout), float(d_l2)
        self.max_inverse_temperature = float(max_inverse_temperature)
        self.anneal_steps = whole_number("anneal_steps", anneal_steps, minimum=1)
        self.loss = loss
        self.g_loss_fn, self.d_loss_fn = LOSSES[loss]
        self.pretrained_generator = pretrained_generator
        self.sampler = self.generator.get_layer("tokens")

    # === Pieces of the step ===

    def beta(self):
        """The inverse temperature of this G step."""
        return inverse_temperature(self.g_optimizer.iterations, self.max_inverse_temperature, self.anneal_steps)

    def relaxed_samples(self, batch):
        """``(tokens, relaxed one-hot)`` of G with fresh Gumbel noise."""
        uniform = self.draw(batch, [self.length, self.vocab_size], "uniform")
        return self.sampler.relaxed_sample(sequences.gumbel_noise(uniform), self.beta())

    def _logits(self, one_hot, batch):
        keep = sequences.dropout_keep(self.draw, batch, sum(self.num_filters), self.dropout)
        return self.discriminator([one_hot, keep], training=True)

    def _discriminator_step(self, real, batch):
        _, fake = self.relaxed_samples(batch)
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self._logits(real, batch), self._logits(fake, batch)
            per_example = self.d_loss_fn(real_logits, fake_logits)
            loss = self.global_mean(per_example) + self.regularization([self.discriminator])
        self.apply_update(self.d_optimizer, loss, self.discriminator_variables, tape)
        self._track("d_loss", per_example)

    def _generator_step(self, real, batch):
        beta = self.beta()
        with tf.GradientTape() as tape:
            _, fake = self.relaxed_samples(batch)
            per_example = self.g_loss_fn(self._logits(real, batch), self._logits(fake, batch))
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)
        self._track("inverse_temperature", tf.fill([batch], beta))

    def train_step(self, data):
        tokens, _ = self.unpack(data)
        real = tf.one_hot(tf.cast(tokens, tf.int32), self.vocab_size)
        batch = tf.shape(real)[0]
        # 1. Discriminator: d_steps updates, real one-hots vs fresh relaxed samples.
        for _ in range(self.d_steps):
            self._discriminator_step(real, batch)
        # 2. Generator: one update through D, the relaxation carrying the gradient.
        self._generator_step(real, batch)
        return self._logs()

    # === Before the first epoch ===

    def init_from_data(self, load_split):
        if self.pretrained_generator:
            sequences.copy_pretrained_generator(self, self.pretrained_generator, [self.generator])
            print(f"gumbel_gan: generator from {self.pretrained_generator}")
