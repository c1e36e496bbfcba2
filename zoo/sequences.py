"""What every sequence model shares: the LSTM token generator, inverse-CDF
sampling, teacher-forced log-likelihoods, and the served outputs (token ids
and, in the graph, their text).

Sampling is written so that a sentence depends on its own noise row alone:
token t of a row is the inverse CDF of the model's distribution (at the
sampling temperature) evaluated at that row's ``u[t] ~ U[0, 1)``. The same
noise therefore gives the same sentence in ``generate``, the SavedModel and
the TFLite model, on one replica or two.

Token conventions (``zoo.text.Vocabulary``): with a vocabulary, id 0 is
padding, 1 the start, 2 the end; the generator never samples padding or the
start, and after it samples the end every later token is padding. Without a
vocabulary (the SeqGAN oracle's 5,000 ids), every id is a word, sequences
have no end and the start input is ``start_token`` (the oracle's: 0).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo import text as zoo_text


# === Sampling ===


def inverse_cdf(logits, uniform, temperature):
    """Token ids ``[batch]`` drawn from ``softmax(logits / temperature)`` by
    the inverse CDF at ``uniform`` ``[batch]`` in [0, 1)."""
    logits = tf.cast(logits, tf.float32) / temperature[:, None]
    probabilities = tf.nn.softmax(logits, axis=-1)
    cdf = tf.cumsum(probabilities, axis=-1)
    # Scaled by the last CDF value: rounding leaves it a hair off 1.
    below = tf.cast(cdf < uniform[:, None] * cdf[:, -1:], tf.int32)
    return tf.minimum(tf.reduce_sum(below, axis=-1), tf.shape(logits)[-1] - 1)


def gumbel_noise(uniform):
    """Standard Gumbel noise ``-log(-log(u))`` of uniforms in [0, 1)."""
    tiny = 1e-10
    return -tf.math.log(-tf.math.log(uniform + tiny) + tiny)


def shift_right(tokens, start_token):
    """The teacher-forcing inputs of ``tokens`` ``[batch, length]``: the
    start token, then each token but the last."""
    start = tf.fill([tf.shape(tokens)[0], 1], tf.constant(start_token, tokens.dtype))
    return tf.concat([start, tokens[:, :-1]], axis=1)


def token_mask(tokens, end_token):
    """1.0 at the positions a sequence's likelihood counts: every position
    (``end_token=None``), else up to and including the first end token."""
    if end_token is None:
        return tf.ones_like(tokens, tf.float32)
    ended_before = tf.cumsum(tf.cast(tf.equal(tokens, end_token), tf.int32), axis=1, exclusive=True)
    return tf.cast(tf.equal(ended_before, 0), tf.float32)


def sequence_nll(logits, tokens, mask):
    """Per sequence: the mean over its counted positions of -log p(token |
    prefix), in nats (``[batch]``)."""
    per_token = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tokens, logits=tf.cast(logits, tf.float32))
    return tf.reduce_sum(per_token * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)


# === The generator ===


@keras.saving.register_keras_serializable(package="zoo")
class TokenGenerator(layers.Layer):
    """An LSTM language model over ``vocab_size`` ids: token embedding, one
    LSTM layer, a dense layer to the logits (the SeqGAN generator's and
    oracle's shape).

    ``call([noise, temperature])`` samples ``[batch, length]`` int32 ids;
    ``logits(inputs)`` gives teacher-forced logits ``[batch, T, vocab]``
    for input ids (``shift_right`` of the targets): the distribution
    ``sample`` draws from, banned ids included (at -1e9).

    Args:
        vocab_size: number of ids.
        length: tokens per sampled sequence.
        embedding_dim, hidden_dim: sizes of the embedding and the LSTM state.
        start_token: the input id at the first step.
        end_token: the id that ends a sequence (then padding follows), or
            ``None`` for fixed-length sequences without one.
        pad_token: the id after the end.
        banned: ids never sampled (padding and the start, for text).
    """

    def __init__(self, vocab_size, length, embedding_dim=32, hidden_dim=32, start_token=0, end_token=None,
                 pad_token=0, banned=(), **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.length = int(vocab_size), int(length)
        self.embedding_dim, self.hidden_dim = int(embedding_dim), int(hidden_dim)
        self.start_token, self.pad_token = int(start_token), int(pad_token)
        self.end_token = None if end_token is None else int(end_token)
        self.banned = [int(b) for b in banned]
        self.embedding = layers.Embedding(self.vocab_size, self.embedding_dim, name="embedding")
        self.cell = layers.LSTMCell(self.hidden_dim, name="lstm_cell")
        self.rnn = layers.RNN(self.cell, return_sequences=True, name="lstm")
        self.output_layer = layers.Dense(self.vocab_size, dtype="float32", name="logits")
        self.embedding.build((None, None))
        self.cell.build((None, self.embedding_dim))
        self.output_layer.build((None, self.hidden_dim))
        self._ban = np.zeros([self.vocab_size], "float32")
        self._ban[self.banned] = -1e9
        self.built = True

    def get_config(self):
        return dict(super().get_config(), vocab_size=self.vocab_size, length=self.length,
                    embedding_dim=self.embedding_dim, hidden_dim=self.hidden_dim, start_token=self.start_token,
                    end_token=self.end_token, pad_token=self.pad_token, banned=list(self.banned))

    def logits(self, inputs, training=False):
        """Teacher-forced logits ``[batch, T, vocab]`` of input ids ``[batch, T]``."""
        return self.output_layer(self.rnn(self.embedding(inputs), training=training)) + self._ban

    def initial_state(self, batch):
        zeros = tf.zeros([batch, self.hidden_dim], self.compute_dtype)
        return [zeros, zeros]

    def step(self, token, state):
        """One step: ``(logits [batch, vocab], new state)`` after input ids ``token``."""
        output, state = self.cell(self.embedding(token), state)
        return self.output_layer(output) + self._ban, state

    def sample(self, noise, temperature, prefix=None, given=0):
        """``[batch, length]`` ids: the first ``given`` of ``prefix`` kept
        (teacher-forced), the rest sampled with ``noise`` at ``temperature``."""
        batch = tf.shape(noise)[0]
        state = self.initial_state(batch)
        token = tf.fill([batch], self.start_token)
        done = tf.zeros([batch], tf.bool)
        out = []
        for t in range(self.length):
            if t < given:  # teacher-forced: the state is all that is needed
                _, state = self.cell(self.embedding(token), state)
                token = tf.cast(prefix[:, t], tf.int32)
            else:
                logits, state = self.step(token, state)
                token = inverse_cdf(logits, noise[:, t], temperature)
                if self.end_token is not None:
                    token = tf.where(done, self.pad_token, token)
            if self.end_token is not None:
                done = tf.logical_or(done, tf.equal(token, self.end_token))
            out.append(token)
        return tf.stack(out, axis=1)

    def relaxed_sample(self, gumbel, inverse_temperature):
        """Gumbel-softmax samples (RelGAN's): ``(tokens [batch, length],
        one_hot [batch, length, vocab])``. Token t is ``argmax(logits_t +
        g_t)`` (an exact draw from the model, fed back as the next input);
        its relaxation ``softmax(inverse_temperature * (logits_t + g_t))``
        is differentiable in G's weights. ``gumbel``: standard Gumbel noise
        ``[batch, length, vocab]`` (``gumbel_noise``). After an end token,
        padding (and its exact one-hot)."""
        batch = tf.shape(gumbel)[0]
        state = self.initial_state(batch)
        token = tf.fill([batch], self.start_token)
        done = tf.zeros([batch], tf.bool)
        tokens, relaxed = [], []
        for t in range(self.length):
            logits, state = self.step(token, state)
            perturbed = tf.cast(logits, tf.float32) + gumbel[:, t]
            token = tf.argmax(perturbed, axis=-1, output_type=tf.int32)
            soft = tf.nn.softmax(inverse_temperature * perturbed, axis=-1)
            if self.end_token is not None:
                token = tf.where(done, self.pad_token, token)
                soft = tf.where(done[:, None], tf.one_hot(token, self.vocab_size), soft)
                done = tf.logical_or(done, tf.equal(token, self.end_token))
            tokens.append(token)
            relaxed.append(soft)
        return tf.stack(tokens, axis=1), tf.stack(relaxed, axis=1)

    def call(self, inputs):
        noise, temperature = inputs
        return self.sample(noise, temperature)


def generator_network(vocab_size, length, name="generator", **kwargs):
    """A functional model ``(latent: uniform [batch, length], temperature
    [batch]) -> int32 ids [batch, length]`` around a ``TokenGenerator``
    (``network.get_layer("tokens")``)."""
    noise = keras.Input((length,), name="latent")
    temperature = keras.Input((), name="temperature")
    tokens = TokenGenerator(vocab_size, length, name="tokens", **kwargs)([noise, temperature])
    return keras.Model([noise, temperature], tokens, name=name)


# === The discriminator ===


#: SeqGAN's discriminator (LantaoYu/SeqGAN, sequence_gan.py): n-gram widths and filters per width.
SEQGAN_FILTER_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20)
SEQGAN_NUM_FILTERS = (100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160)


def cnn_discriminator(vocab_size, length, embedding_dim=64, filter_sizes=SEQGAN_FILTER_SIZES,
                      num_filters=SEQGAN_NUM_FILTERS, l2=0.2, one_hot=False, name="discriminator"):
    """SeqGAN's CNN: token embedding, one convolution per n-gram width with
    max-over-time pooling, a highway layer (transform-gate bias -2), dropout,
    one logit (real vs generated).

    Dropout is an input, ``keep``: the mask scaled by 1 / keep-probability,
    ``[batch, sum(num_filters)]`` (ones at inference). The model draws it
    from its replica-aware seed generator, so the masks of a global batch do
    not depend on the number of replicas. ``l2``: the paper's weight on the
    output layer's ``tf.nn.l2_loss`` (half the squared norm). ``one_hot``:
    the input is (relaxed) one-hot vectors ``[batch, length, vocab_size]``
    embedded by a matrix product (a Gumbel-softmax GAN's D, through which
    G's gradient flows) instead of int ids.
    """
    if len(filter_sizes) != len(num_filters) or not filter_sizes:
        raise ValueError(f"filter_sizes and num_filters must pair up, got {list(filter_sizes)} and {list(num_filters)}.")
    too_wide = [w for w in filter_sizes if not 1 <= int(w) <= length]
    if too_wide:
        raise ValueError(f"filter widths must be in [1, length={length}], got {too_wide}.")
    features = int(sum(num_filters))
    keep = keras.Input((features,), name="keep")
    if one_hot:
        tokens = keras.Input((length, vocab_size), name="one_hot")
        x = layers.Dense(embedding_dim, use_bias=False, name="embedding")(tokens)
    else:
        tokens = keras.Input((length,), dtype="int32", name="tokens")
        x = layers.Embedding(vocab_size, embedding_dim, name="embedding")(tokens)
    pooled = [layers.GlobalMaxPooling1D()(layers.Conv1D(int(f), int(w), activation="relu", name=f"conv_{w}")(x))
              for w, f in zip(filter_sizes, num_filters)]
    h = layers.Concatenate()(pooled) if len(pooled) > 1 else pooled[0]
    gate = layers.Dense(features, activation="sigmoid", bias_initializer=keras.initializers.Constant(-2.0),
                        name="highway_gate")(h)
    transformed = layers.Dense(features, activation="relu", name="highway")(h)
    h = gate * transformed + (1.0 - gate) * h
    h = h * keep
    regularizer = keras.regularizers.L2(l2 / 2.0) if l2 else None
    logits = layers.Dense(1, dtype="float32", kernel_regularizer=regularizer, bias_regularizer=regularizer,
                          name="logit")(h)
    return keras.Model([tokens, keep], layers.Reshape(())(logits), name=name)


def copy_pretrained_generator(model, path, targets):
    """Sets each network of ``targets`` to the generator weights of the
    ``mle_lm`` (or other sequence model) at ``path`` (a ``.keras`` file or a
    work directory), after checking that its ids and sizes match ``model``'s."""
    from zoo import files

    source = files.load_model(files.keras_file(path))
    theirs = getattr(source, "generator", None)
    if not isinstance(getattr(source, "ids", None), TokenSpace) or theirs is None:
        raise ValueError(f"{path} holds a {getattr(source, 'registry_name', type(source).__name__)}; "
                         "pretrained_generator takes a sequence model (mle_lm).")
    if [tuple(w.shape) for w in theirs.weights] != [tuple(w.shape) for w in targets[0].weights] or (
            source.vocabulary != model.vocabulary):
        raise ValueError(f"{path}'s generator (vocab_size {source.vocab_size}, embedding {source.embedding_dim}, "
                         f"hidden {source.hidden_dim}) does not match this one (vocab_size {model.vocab_size}, "
                         f"embedding {model.embedding_dim}, hidden {model.hidden_dim}), or its vocabulary differs.")
    for network in targets:
        network.set_weights(theirs.get_weights())


# === Served outputs ===


def token_text(tokens, words):
    """In-graph text of id rows ``[batch, length]`` (string ``[batch]``):
    ``Vocabulary(words).decode`` (words up to the first end id, padding and
    start skipped, punctuation against the word before it); without a
    vocabulary (``words=None``), the ids in decimal, space-separated."""
    tokens = tf.cast(tokens, tf.int32)
    if words is None:
        return tf.strings.reduce_join(tf.strings.as_string(tokens), axis=1, separator=" ")
    vocab = zoo_text.Vocabulary(words)
    table = tf.constant(vocab.tokens)
    no_space_before = tf.constant([t in zoo_text.NO_SPACE_BEFORE for t in vocab.tokens])
    no_space_after = tf.constant([t in zoo_text.NO_SPACE_AFTER for t in vocab.tokens])
    kept = tf.logical_and(token_mask(tokens, vocab.END) > 0, tokens > vocab.START)
    kept = tf.logical_and(kept, tf.not_equal(tokens, vocab.END))
    # The space before a kept token: none for the first one, none before
    # closing punctuation or after opening punctuation (detokenize's rule).
    first = tf.equal(tf.cumsum(tf.cast(kept, tf.int32), axis=1), 1)
    previous = tf.concat([tf.fill([tf.shape(tokens)[0], 1], vocab.PAD), tokens[:, :-1]], axis=1)
    glued = first | tf.gather(no_space_before, tokens) | tf.gather(no_space_after, previous)
    pieces = tf.strings.join([tf.where(glued, "", " "), tf.gather(table, tokens)])
    return tf.strings.reduce_join(tf.where(kept, pieces, ""), axis=1)


def tokens_outputs(tokens, words):
    """The export's outputs of a sequence model: ``tokens`` int32 and ``text``."""
    tokens = tf.cast(tokens, tf.int32)
    return {"tokens": tokens, "text": token_text(tokens, words)}


# === The ids of a sequence model ===


class TokenSpace:
    """The id conventions of a sequence model, from its config: with a
    vocabulary (words of ``zoo.text.Vocabulary``): its size, start 1, end
    2, padding 0, and padding / start never sampled; without one,
    ``vocab_size`` ids that are all words and a given ``start_token``.
    Every sequence model asks this object, so their conventions agree."""

    def __init__(self, vocab_size, length, start_token, vocabulary=None):
        from zoo.layers import whole_number

        self.length = whole_number("length", length, minimum=2)
        if vocabulary is not None:
            vocab = zoo_text.Vocabulary(vocabulary)
            self.words, self.vocab_size, self.start_token = list(vocab.words), len(vocab), vocab.START
            self.end_token = vocab.END
            self.generator_ids = dict(end_token=vocab.END, pad_token=vocab.PAD, banned=(vocab.PAD, vocab.START))
        else:
            self.vocab_size = whole_number("vocab_size", vocab_size, minimum=2)
            self.start_token = whole_number("start_token", start_token, minimum=0)
            if self.start_token >= self.vocab_size:
                raise ValueError(f"start_token must be an id in [0, {self.vocab_size}), got {self.start_token}.")
            self.words, self.end_token, self.generator_ids = None, None, {}

    def generator(self, embedding_dim, hidden_dim, name="generator"):
        """A ``generator_network`` with these ids."""
        return generator_network(self.vocab_size, self.length, name=name, embedding_dim=embedding_dim,
                                 hidden_dim=hidden_dim, start_token=self.start_token, **self.generator_ids)

    def conditions(self):
        from zoo import conditions as zoo_conditions

        return (zoo_conditions.UniformNoise(self.length), zoo_conditions.Temperature())

    def example_batch(self, n=8, seed=0):
        """Random training sequences (with a vocabulary: words, an end, padding)."""
        rng = np.random.default_rng(seed)
        if self.words is None:
            return rng.integers(0, self.vocab_size, (n, self.length)).astype("int32")
        ids = rng.integers(zoo_text.Vocabulary.UNKNOWN, self.vocab_size, (n, self.length)).astype("int32")
        for row, words in zip(ids, rng.integers(1, self.length, n)):
            row[words] = zoo_text.Vocabulary.END
            row[words + 1:] = zoo_text.Vocabulary.PAD
        return ids

    def check(self, tokens):
        """``tokens`` as int32 ``[n, length]`` ids, or a clear error."""
        from zoo import conditions as zoo_conditions

        return zoo_conditions.TokenIds(self.length, self.vocab_size).check(tokens, None)

    def mask(self, tokens):
        return token_mask(tokens, self.end_token)

    def nll(self, sampler, tokens, training=False, temperature=1.0):
        """Per sequence: mean nats per counted token (``[batch]``) under
        ``sampler`` (a ``TokenGenerator``) at ``temperature``, by teacher forcing."""
        logits = sampler.logits(shift_right(tokens, self.start_token), training=training)
        logits = logits / temperature if temperature != 1.0 else logits
        return sequence_nll(logits, tokens, self.mask(tokens))

    def sentences(self, tokens):
        """The text of id rows, as the export serves it."""
        tokens = self.check(tokens)
        return [s.decode("utf-8") for s in token_text(tf.constant(tokens), self.words).numpy()]

    def outputs(self, tokens, names):
        """The served outputs ``names`` (of ``tokens``, ``text``)."""
        outputs = tokens_outputs(tokens, self.words)
        return {k: outputs[k] for k in names}

    def metadata(self):
        """The id -> token table (what a TFLite client decodes with; ``None``
        when the ids are the words) and the special ids."""
        tokens = None if self.words is None else zoo_text.Vocabulary(self.words).tokens
        return {"id_to_token": tokens, "end_token": self.end_token, "start_token": self.start_token}


def batched_nll(ids, sampler, tokens, temperature=1.0, batch_size=1000):
    """``TokenSpace.nll`` of many sequences, float64 ``[n]``, in batches."""
    tokens = ids.check(tokens)
    temperature = float(temperature)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}.")
    step = tf.function(lambda t: ids.nll(sampler, t, temperature=temperature))
    return np.concatenate([step(tf.constant(tokens[i : i + batch_size])).numpy().astype(np.float64)
                           for i in range(0, len(tokens), batch_size)])


def dropout_keep(draw, batch, features, rate):
    """A dropout mask scaled by 1 / keep-probability, ``[batch, features]``,
    drawn by ``draw`` (a model's replica-aware ``draw``); ones at rate 0."""
    if rate == 0.0:
        return tf.ones([batch, features])
    keep = 1.0 - rate
    return tf.cast(draw(batch, [features], "uniform") < keep, tf.float32) / keep


# === What the sequence models share as models ===


class TokenModel:
    """The methods ``mle_lm``, ``seqgan`` and ``gumbel_gan`` share, mixed in
    ahead of their base (``GenerativeModel`` or ``AdversarialModel``: one
    sequence model is not a GAN, two are, so no single base can hold them).
    A model calls ``_use_token_space`` in its constructor and sets
    ``self.sampler`` (its generator's ``TokenGenerator``); everything here
    follows from those two."""

    OUTPUTS = ("tokens", "text")
    TFLITE_OUTPUTS = ("tokens",)

    def _use_token_space(self, ids, embedding_dim, hidden_dim):
        """Stores ``ids`` and the config attributes that follow from it."""
        self.ids = ids
        self.vocab_size, self.length, self.start_token, self.vocabulary = (
            ids.vocab_size, ids.length, ids.start_token, ids.words)
        self.embedding_dim, self.hidden_dim = embedding_dim, hidden_dim

    @property
    def end_token(self):
        return self.ids.end_token

    def conditions(self):
        return self.ids.conditions()

    def example_batch(self, n=8, seed=0):
        """Random training sequences (with a vocabulary: words, an end, padding)."""
        return self.ids.example_batch(n, seed)

    def nll(self, tokens, temperature=1.0, batch_size=1000):
        """Each sequence's mean -log p(token | prefix) in nats (float64
        ``[n]``) under the generator at ``temperature``: NLL-test on
        held-out sequences."""
        return batched_nll(self.ids, self.sampler, tokens, temperature, batch_size)

    def sentences(self, tokens):
        """The text of id rows, as the export serves it."""
        return self.ids.sentences(tokens)

    def sample_text(self, n, seed=0, temperature=1.0):
        """``n`` sampled sentences."""
        return self.sentences(self.generate(n, seed=seed, temperature=temperature))

    def export_metadata(self):
        return self.ids.metadata()

    def serving_outputs(self, generated, tflite=False):
        return self.ids.outputs(generated, self.TFLITE_OUTPUTS if tflite else self.OUTPUTS)
