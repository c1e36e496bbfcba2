"""Unpaired text style transfer: the CycleGAN idea for sentences, with
differentiable (straight-through Gumbel-free softmax) decoding so the style
discriminators' gradient reaches the translators."""

import warnings

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo import conditions
from zoo import sequences
from zoo import text as zoo_text
from zoo.base import AdversarialModel
from zoo.layers import is_number, whole_number
from zoo.registry import register

DIRECTIONS = ("a2b", "b2a")
#: ``zoo.text.tokenize``'s token pattern, as one RE2 group for the graph.
_TOKEN_GROUP = r"([a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9])"


# === Text <-> ids in the graph ===


@keras.saving.register_keras_serializable(package="zoo")
class SentenceIds(layers.Layer):
    """Strings ``[batch]`` -> int32 ids ``[batch, length]``, in the graph:
    ``zoo.text.Vocabulary(words).encode(lines, length)`` (lower case, words
    and punctuation tokens, unknown words -> ``<unk>`` (3), then the end id,
    padding; a sentence of ``length`` tokens or more is cut to its first
    ``length`` and has no end id). ``report`` counts, per sentence, the
    unknown words and whether it was cut, so a server can say so."""

    def __init__(self, words, length, **kwargs):
        super().__init__(**kwargs)
        self.words, self.length = list(words), int(length)
        # Out-of-vocabulary -> 0, word i -> i + 1; shifted below to the
        # Vocabulary's ids (unknown 3, word i -> i + 4).
        self.lookup = layers.StringLookup(vocabulary=self.words, num_oov_indices=1, mask_token=None,
                                          name="lookup")
        self.built = True

    def get_config(self):
        return dict(super().get_config(), words=list(self.words), length=self.length)

    def _tokens(self, text):
        text = tf.strings.lower(tf.convert_to_tensor(text, tf.string), encoding="utf-8")
        return tf.strings.split(tf.strings.regex_replace(text, _TOKEN_GROUP, r" \1 "))

    def _word_ids(self, text):
        found = tf.cast(self.lookup(self._tokens(text)), tf.int32)
        return tf.where(found == 0, zoo_text.Vocabulary.UNKNOWN, found + len(zoo_text.Vocabulary.SPECIALS) - 1)

    def call(self, text):
        ids = self._word_ids(text)
        end = tf.fill([ids.nrows(), 1], zoo_text.Vocabulary.END)
        ids = tf.concat([ids, tf.RaggedTensor.from_tensor(end)], axis=1)
        return ids.to_tensor(default_value=zoo_text.Vocabulary.PAD, shape=[None, self.length])

    def report(self, text):
        """``{"unknown_words": int32 [batch], "truncated": bool [batch]}``."""
        ids = self._word_ids(text)
        unknown = tf.reduce_sum(tf.cast(ids == zoo_text.Vocabulary.UNKNOWN, tf.int32), axis=1)
        return {"unknown_words": unknown, "truncated": ids.row_lengths() + 1 > self.length}


class Sentences(conditions.Condition):
    """A sentence per example (string ``[batch]``), tokenized in the graph
    by ``tokenizer`` (a ``SentenceIds``); TFLite takes its ids (``tokens``
    int32 ``[batch, length]``). Empty text (no token) is refused; a
    sentence longer than ``length`` tokens is cut (a warning in Python,
    ``truncated`` in the export's response), unknown words are read as
    ``<unk>`` (warned, and counted in ``unknown_words``)."""

    name = "text"
    dtype = tf.string

    def __init__(self, tokenizer, where=""):
        self.tokenizer = tokenizer
        self.resources = (tokenizer,)
        self.where = where
        self.hint = "a string or a list of strings"

    def count(self, value):
        return None if isinstance(value, (str, bytes)) else len(value)

    def check(self, value, n, seed=0):
        if value is None:
            raise self.missing()
        texts = [value] if isinstance(value, (str, bytes)) else list(value)
        if n is not None and len(texts) == 1 and n > 1:
            texts = texts * n
        if n is not None and len(texts) != n:
            raise ValueError(f"text must be one string or {n} strings, got {len(texts)}.")
        for t in texts:
            if not isinstance(t, (str, bytes)):
                raise TypeError(f"text must be strings, got {type(t).__name__} ({t!r:.40}).")
        texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in texts]
        tokens = [zoo_text.tokenize(t) for t in texts]
        empty = [i for i, ts in enumerate(tokens) if not ts]
        if empty:
            raise ValueError(f"text must have at least one word or punctuation mark; sentence(s) {empty[:5]} "
                             f"are empty ({texts[empty[0]]!r}).")
        known = set(self.tokenizer.words)
        unknown = sorted({w for ts in tokens for w in ts if w not in known})
        cut = [i for i, ts in enumerate(tokens) if len(ts) + 1 > self.tokenizer.length]
        if unknown:
            warnings.warn(f"{len(unknown)} word(s) not in the vocabulary are read as <unk>: "
                          f"{', '.join(unknown[:10])}.", stacklevel=5)
        if cut:
            warnings.warn(f"{len(cut)} sentence(s) have {self.tokenizer.length} tokens or more and are cut to their "
                          f"first {self.tokenizer.length} (sentences {cut[:5]}).", stacklevel=5)
        return np.asarray(texts, dtype=str)

    def example(self, n, seed=0):
        rng = np.random.default_rng(seed)
        words = self.tokenizer.words[:50] or ["."]
        return np.asarray([" ".join(rng.choice(words, size=rng.integers(2, 6))) + "." for _ in range(n)])

    def guards(self, tensor):
        tokens = tf.cast(self.tokenizer._tokens(tensor).row_lengths(), tf.int32)
        return [tf.debugging.assert_positive(tokens, message="text must have at least one word or punctuation mark")]

    def feed(self, tensor):
        return self.tokenizer(tensor)

    def tflite(self):
        return conditions.TokenIds(self.tokenizer.length, len(self.tokenizer.words) + 4, name="tokens")

    def to_tflite(self, value):
        return self.tokenizer(tf.constant(np.asarray(value).astype(str))).numpy()


# === The translator ===


@keras.saving.register_keras_serializable(package="zoo")
class StyleTranslator(layers.Layer):
    """A sentence-to-sentence network: a bidirectional GRU encoder, a GRU
    decoder with dot-product (Luong) attention over the encoder states,
    output logits tied to the token embedding.

    ``call(ids)`` decodes greedily (int32 ``[batch, length]``, padding after
    the end id), the served translation. For training: ``teacher(source,
    target)`` gives teacher-forced logits ``[batch, length, vocab]`` and
    ``soft(source, temperature)`` decodes free-running with differentiable
    outputs (``(ids, one_hot)``: the softmax at ``temperature``, or with
    ``straight_through`` the exact one-hot of the argmax carrying the
    softmax's gradient), fed back as the next input. The encoder reads ids
    or such one-hot vectors (``source_one_hot``), so a cycle's gradient
    flows back through the first translation.
    """

    def __init__(self, vocab_size, length, embedding_dim=128, hidden_dim=256, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.length = int(vocab_size), int(length)
        self.embedding_dim, self.hidden_dim = int(embedding_dim), int(hidden_dim)
        # Unit-normal rows: tied logits start with a usable spread.
        self.embedding = layers.Embedding(self.vocab_size, self.embedding_dim, name="embedding",
                                          embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0))
        # unroll=True: a fixed-length loop TFLite converts with built-in ops.
        self.encoder = layers.Bidirectional(
            layers.GRU(self.hidden_dim, return_sequences=True, return_state=True, unroll=True), name="encoder")
        self.bridge = layers.Dense(self.hidden_dim, activation="tanh", name="bridge")
        self.keys = layers.Dense(self.hidden_dim, use_bias=False, name="keys")
        self.cell = layers.GRUCell(self.hidden_dim, name="decoder")
        self.combine = layers.Dense(self.embedding_dim, activation="tanh", name="combine")
        self.output_bias = self.add_weight(shape=(self.vocab_size,), initializer="zeros", name="output_bias")
        self.embedding.build((None, None))
        self.encoder.build((None, self.length, self.embedding_dim))
        self.bridge.build((None, 2 * self.hidden_dim))
        self.keys.build((None, self.length, 2 * self.hidden_dim))
        self.cell.build((None, self.embedding_dim))
        self.combine.build((None, 3 * self.hidden_dim))
        self.built = True

    def get_config(self):
        return dict(super().get_config(), vocab_size=self.vocab_size, length=self.length,
                    embedding_dim=self.embedding_dim, hidden_dim=self.hidden_dim)

    def _embed(self, ids=None, one_hot=None):
        if one_hot is not None:
            return tf.matmul(tf.cast(one_hot, self.compute_dtype), self.embedding.embeddings)
        return self.embedding(ids)

    def encode(self, source, source_one_hot=None, training=False):
        """``(memory, keys, mask, state)`` of source ids ``[batch, length]``."""
        outputs, forward, backward = self.encoder(self._embed(source, source_one_hot), training=training)
        mask = tf.cast(tf.not_equal(source, zoo_text.Vocabulary.PAD), outputs.dtype)
        state = self.bridge(tf.concat([forward, backward], axis=-1))
        return outputs, self.keys(outputs), mask, state

    def step(self, inputs, state, memory, keys, mask, training=False):
        """One decoder step: ``(logits [batch, vocab], state)``."""
        output, state = self.cell(inputs, state, training=training)
        state = state[0] if isinstance(state, (list, tuple)) else state
        scores = tf.einsum("bh,blh->bl", output, keys) - 1e9 * (1.0 - mask)
        context = tf.einsum("bl,blh->bh", tf.nn.softmax(scores, axis=-1), memory)
        features = self.combine(tf.concat([output, context], axis=-1))
        logits = tf.matmul(features, self.embedding.embeddings, transpose_b=True) + self.output_bias
        return tf.cast(logits, tf.float32), state

    def teacher(self, source, target, source_one_hot=None, training=False):
        """Teacher-forced logits ``[batch, length, vocab]`` for ``target``."""
        memory, keys, mask, state = self.encode(source, source_one_hot, training)
        inputs = self._embed(sequences.shift_right(tf.cast(target, tf.int32), zoo_text.Vocabulary.START))
        out = []
        for t in range(self.length):
            logits, state = self.step(inputs[:, t], state, memory, keys, mask, training)
            out.append(logits)
        return tf.stack(out, axis=1)

    def soft(self, source, temperature, straight_through=True, source_one_hot=None, training=False):
        """Free-running decoding with differentiable outputs: ``(ids int32
        [batch, length], one_hot [batch, length, vocab])``."""
        memory, keys, mask, state = self.encode(source, source_one_hot, training)
        batch = tf.shape(source)[0]
        inputs = self._embed(tf.fill([batch], zoo_text.Vocabulary.START))
        done = tf.zeros([batch], tf.bool)
        ids, vectors = [], []
        for t in range(self.length):
            logits, state = self.step(inputs, state, memory, keys, mask, training)
            token = tf.argmax(logits, axis=-1, output_type=tf.int32)
            probabilities = tf.nn.softmax(logits / temperature, axis=-1)
            hard = tf.one_hot(token, self.vocab_size)
            vector = hard + probabilities - tf.stop_gradient(probabilities) if straight_through else probabilities
            token = tf.where(done, zoo_text.Vocabulary.PAD, token)
            vector = tf.where(done[:, None], tf.one_hot(token, self.vocab_size), vector)
            done = tf.logical_or(done, tf.equal(token, zoo_text.Vocabulary.END))
            ids.append(token)
            vectors.append(vector)
            inputs = self._embed(one_hot=vector)
        return tf.stack(ids, axis=1), tf.stack(vectors, axis=1)

    def call(self, source, training=False):
        memory, keys, mask, state = self.encode(source, training=training)
        batch = tf.shape(source)[0]
        token = tf.fill([batch], zoo_text.Vocabulary.START)
        done = tf.zeros([batch], tf.bool)
        out = []
        for t in range(self.length):
            logits, state = self.step(self._embed(token), state, memory, keys, mask, training)
            token = tf.where(done, zoo_text.Vocabulary.PAD, tf.argmax(logits, axis=-1, output_type=tf.int32))
            done = tf.logical_or(done, tf.equal(token, zoo_text.Vocabulary.END))
            out.append(token)
        return tf.stack(out, axis=1)


def translator_network(vocab_size, length, embedding_dim, hidden_dim, name):
    """A functional model ``ids [batch, length] -> greedy ids`` around a
    ``StyleTranslator`` (``network.get_layer("translator")``)."""
    source = keras.Input((length,), dtype="int32", name="tokens")
    out = StyleTranslator(vocab_size, length, embedding_dim, hidden_dim, name="translator")(source)
    return keras.Model(source, out, name=name)


def sentence_loss(logits, target):
    """Per sentence: mean cross-entropy of ``target`` (up to its end id)."""
    target = tf.cast(target, tf.int32)
    return sequences.sequence_nll(logits, target, sequences.token_mask(target, zoo_text.Vocabulary.END))


# === The model ===


@register("text_cyclegan", "Unpaired text style transfer: two seq2seq translators, two CNN style Ds, cycle + self reconstruction, straight-through decoding")
class TextCycleGAN(AdversarialModel):
    """CycleGAN for sentences: style A <-> style B without paired examples.

    Two translators, G: A -> B (``generator``) and F: B -> A
    (``generator_ba``), each an attention seq2seq (``StyleTranslator``), and
    two CNN discriminators (SeqGAN's, on one-hot inputs), D_B
    (``discriminator``: is this sentence style B?) and D_A. Decoding is
    not differentiable; G hands D_B the straight-through one-hot vectors of
    its free-running output (forward: the exact one-hot of each argmax
    token; backward: the gradient of the softmax at ``temperature``), so D_B's
    gradient reaches G, and F reads the same vectors for the cycle.

    One ``train_step`` on an unpaired batch ``(sentences_a, sentences_b)``:

    1. translators, on ``adversarial_weight * adversarial + cycle_weight *
       cycle + self_weight * self``:
       adversarial: D_B(G(a)) and D_A(F(b)) judged real (non-saturating);
       cycle: cross-entropy of a under F reading G(a), of b under G reading
       F(b) (the notes' point: the translation must keep what is needed to
       undo it);
       self (CycleGAN's identity): G(b) = b and F(a) = a, teacher-forced,
       which teaches both to copy what is already in the target style and,
       early on, to read and write sentences at all;
    2. discriminators: real sentences (one-hot) against this step's
       translations.

    For the first ``pretrain_steps`` steps only the self term trains (the
    translators learn to reproduce sentences, the Style Transformer's and
    most unpaired systems' start). ``paired=True`` trains the supervised
    upper bound instead: teacher-forced G(a) = b and F(b) = a on aligned
    pairs (``[data] aligned = true``), no D.

    Args:
        vocabulary: the words both styles share (``zoo.text.Vocabulary``),
            from the data (``[data] tokens = "style_pair"``).
        styles: the names of A and B (e.g. ``["ylt", "bbe"]``).
        length: tokens per sentence, end id included (longer ones are cut).
        embedding_dim, hidden_dim: the translators' sizes.
        d_embedding_dim, filter_sizes, num_filters: the CNN discriminators.
        adversarial_weight, cycle_weight, self_weight: the loss weights
            (the Style Transformer's 1, 0.5, 0.25; 0 switches a term off:
            the ablations).
        temperature: the softmax temperature of the relaxed outputs.
        straight_through: exact one-hots forward (True) or the softmax
            itself (False; D then sees soft vectors beside one-hot reals).
        pretrain_steps: self-reconstruction-only steps first (500, the
            Style Transformer's).
        paired: the supervised upper bound (see above).
        adversarial_loss: a family of ``zoo.losses``.
        seed, generator, generator_ba, discriminator, discriminator_a: as
            ``AdversarialModel``.

    Example:
        >>> import zoo
        >>> model = zoo.get("text_cyclegan", vocabulary=["the", "lord", "said", "."], length=6,
        ...                 embedding_dim=8, hidden_dim=8, d_embedding_dim=4, filter_sizes=[2], num_filters=[4])
        >>> len(model.translate(["The Lord said."], direction="a2b"))
        1

    Reference: Zhu et al., "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", ICCV 2017; for text: Dai et
    al., "Style Transformer", ACL 2019 (self + cycle + style D, soft
    outputs, pretraining by reconstruction); Shen et al., "Style Transfer
    from Non-Parallel Text by Cross-Alignment", NeurIPS 2017 (CNN style
    discriminators on soft decodings). Not theirs: GRU seq2seq with
    attention, one D per style, straight-through outputs, and the
    translators' Adam at 1e-3 (theirs: 1e-4; a GRU from scratch on 2 CPU
    cores needs the faster start), D's at their 1e-4.
    """

    ENDPOINT_ARG = "direction"
    GENERATORS = ("generator", "generator_ba")
    DISCRIMINATORS = ("discriminator", "discriminator_a")
    IMAGE_D_OPTIONS = False  # diff_augment / r1_weight refused: the Ds judge sentences
    EMA_OPTION = False  # training reads the trained translators' layers
    OUTPUTS = ("text", "tokens", "unknown_words", "truncated")
    TFLITE_OUTPUTS = ("tokens",)
    LOSS_NAMES = ("d_loss_a", "d_loss_b", "g_loss", "g_adversarial", "cycle", "self_reconstruction")
    DEFAULT_G_OPTIMIZER = ("Adam", {"learning_rate": 1e-3})
    DEFAULT_D_OPTIMIZER = ("Adam", {"learning_rate": 1e-4})

    def __init__(self, vocabulary=None, styles=("a", "b"), length=24, embedding_dim=128, hidden_dim=256,
                 d_embedding_dim=64, filter_sizes=(2, 3, 4, 5), num_filters=(64, 64, 64, 64),
                 adversarial_weight=1.0, cycle_weight=0.5, self_weight=0.25, temperature=1.0,
                 straight_through=True, pretrain_steps=500, paired=False, adversarial_loss="non_saturating",
                 seed=0, generator=None, generator_ba=None, discriminator=None, discriminator_a=None, **kwargs):
        if vocabulary is None or isinstance(vocabulary, str) or not len(vocabulary):
            raise ValueError("text_cyclegan needs vocabulary= (the words of both styles); a recipe's "
                             "[data] tokens = \"style_pair\" supplies it.")
        ids = sequences.TokenSpace(None, length, None, list(vocabulary))
        if not isinstance(styles, (list, tuple)) or len(styles) != 2 or len(set(map(str, styles))) != 2:
            raise ValueError(f"styles must be two different names, got {styles!r}.")
        for name, value in (("adversarial_weight", adversarial_weight), ("cycle_weight", cycle_weight),
                            ("self_weight", self_weight)):
            if not is_number(value) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}.")
        if not is_number(temperature) or not temperature > 0:
            raise ValueError(f"temperature must be a number > 0, got {temperature!r}.")
        embedding_dim = whole_number("embedding_dim", embedding_dim, minimum=1)
        hidden_dim = whole_number("hidden_dim", hidden_dim, minimum=1)
        d_embedding_dim = whole_number("d_embedding_dim", d_embedding_dim, minimum=1)

        def translator(name):
            return translator_network(ids.vocab_size, ids.length, embedding_dim, hidden_dim, name)

        def style_d(name):
            return sequences.cnn_discriminator(ids.vocab_size, ids.length, d_embedding_dim, filter_sizes,
                                               num_filters, 0.0, one_hot=True, name=name)

        super().__init__(generator=generator or translator("generator"),
                         discriminator=discriminator or style_d("discriminator"),
                         adversarial_loss=adversarial_loss, seed=seed, **kwargs)
        self.generator_ba = generator_ba or translator("generator_ba")
        self.discriminator_a = discriminator_a or style_d("discriminator_a")
        self.ids = ids
        self.vocabulary, self.styles, self.length = list(ids.words), [str(s) for s in styles], ids.length
        self.vocab_size = ids.vocab_size
        self.embedding_dim, self.hidden_dim, self.d_embedding_dim = embedding_dim, hidden_dim, d_embedding_dim
        self.filter_sizes, self.num_filters = [int(w) for w in filter_sizes], [int(f) for f in num_filters]
        self.adversarial_weight, self.cycle_weight = float(adversarial_weight), float(cycle_weight)
        self.self_weight, self.temperature = float(self_weight), float(temperature)
        self.straight_through, self.paired = bool(straight_through), bool(paired)
        self.pretrain_steps = whole_number("pretrain_steps", pretrain_steps, minimum=0)
        self.tokenizer = SentenceIds(self.vocabulary, self.length, name="sentence_ids")

    def translators(self):
        """``(G, F)``: the ``StyleTranslator`` layers of A -> B and B -> A."""
        return self.generator.get_layer("translator"), self.generator_ba.get_layer("translator")

    # === Training ===

    def train_step(self, data):
        real_a, real_b = self.unpack(data)
        if real_b is None:
            raise ValueError("text_cyclegan trains on (sentences_a, sentences_b) batches of token ids; load them "
                             "with zoo.data.load_tokens(source, 'style_pair', styles=[...]).")
        real_a, real_b = tf.cast(real_a, tf.int32), tf.cast(real_b, tf.int32)
        if self.paired:
            self._paired_step(real_a, real_b)
            return self._logs()
        # 1. Translators: fool both Ds, undo each other (cycle), copy what
        #    is already in the target style (self).
        transferring = self.g_optimizer.iterations >= self.pretrain_steps  # read once: G's update moves it
        fake_b, fake_a = self._generator_step(real_a, real_b, transferring)
        # 2. Discriminators: real sentences vs this step's translations.
        self._discriminator_step(real_a, real_b, fake_a, fake_b, transferring)
        return self._logs()

    def _phase(self, transferring, transfer, pretraining):
        """``transfer()`` after the pretraining steps, else ``pretraining()``
        (a ``tf.cond``: the pretraining steps skip the decoding, cycle and D
        work instead of weighting it by zero)."""
        if not self.pretrain_steps:
            return transfer()
        return tf.cond(transferring, transfer, pretraining)

    def _generator_step(self, real_a, real_b, transferring):
        g, f = self.translators()
        batch = tf.shape(real_a)[0]

        def transfer():
            ids_b, fake_b = g.soft(real_a, self.temperature, self.straight_through, training=True)
            ids_a, fake_a = f.soft(real_b, self.temperature, self.straight_through, training=True)
            cycle = sentence_loss(f.teacher(ids_b, real_a, fake_b, training=True), real_a) + sentence_loss(
                g.teacher(ids_a, real_b, fake_a, training=True), real_b)
            adversarial = self.g_loss_fn(self._judge(self.discriminator, fake_b)) + self.g_loss_fn(
                self._judge(self.discriminator_a, fake_a))
            return adversarial, cycle, fake_b, fake_a

        def pretraining():
            nothing = tf.zeros([batch, self.length, self.vocab_size])
            return tf.zeros([batch]), tf.zeros([batch]), nothing, nothing

        with tf.GradientTape() as tape:
            own = sentence_loss(g.teacher(real_b, real_b, training=True), real_b) + sentence_loss(
                f.teacher(real_a, real_a, training=True), real_a)
            adversarial, cycle, fake_b, fake_a = self._phase(transferring, transfer, pretraining)
            per_example = self.adversarial_weight * adversarial + self.cycle_weight * cycle + self.self_weight * own
            loss = self.global_mean(per_example) + self.regularization([self.generator, self.generator_ba])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)
        self._track("g_adversarial", adversarial)
        self._track("cycle", cycle)
        self._track("self_reconstruction", own)
        return tf.stop_gradient(fake_b), tf.stop_gradient(fake_a)

    def apply_update(self, optimizer, loss, variables, tape):
        # Run eagerly, a tf.cond computes one branch: the pretraining one
        # leaves D unconnected. Zero gradients keep D and Adam's moments
        # still, as the traced cond's gradient does. (No EMA: EMA_OPTION.)
        grads = tape.gradient(loss, variables)
        grads = [tf.zeros(v.shape, v.dtype) if g is None else g for g, v in zip(grads, variables)]
        optimizer.apply_gradients(zip(grads, variables))

    def _judge(self, discriminator, one_hot):
        keep = tf.ones([tf.shape(one_hot)[0], sum(self.num_filters)])
        return discriminator([one_hot, keep], training=True)

    def _discriminator_step(self, real_a, real_b, fake_a, fake_b, transferring):
        def transfer():
            loss_b = self.d_loss_fn(self._judge(self.discriminator, tf.one_hot(real_b, self.vocab_size)),
                                    self._judge(self.discriminator, fake_b))
            loss_a = self.d_loss_fn(self._judge(self.discriminator_a, tf.one_hot(real_a, self.vocab_size)),
                                    self._judge(self.discriminator_a, fake_a))
            return loss_a, loss_b

        def pretraining():  # no D loss: zero gradients leave D and Adam's moments at rest
            return tf.zeros([tf.shape(real_a)[0]]), tf.zeros([tf.shape(real_a)[0]])

        with tf.GradientTape() as tape:
            loss_a, loss_b = self._phase(transferring, transfer, pretraining)
            loss = self.global_mean(loss_a + loss_b) + self.regularization([self.discriminator, self.discriminator_a])
        self.apply_update(self.d_optimizer, loss, self.discriminator_variables, tape)
        self._track("d_loss_a", loss_a)
        self._track("d_loss_b", loss_b)

    def _paired_step(self, real_a, real_b):
        g, f = self.translators()
        with tf.GradientTape() as tape:
            per_example = sentence_loss(g.teacher(real_a, real_b, training=True), real_b) + sentence_loss(
                f.teacher(real_b, real_a, training=True), real_a)
            loss = self.global_mean(per_example) + self.regularization([self.generator, self.generator_ba])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)

    # === Inference: a sentence in, a sentence out, either way ===

    def endpoints(self):
        """``_a2b`` (G) and ``_b2a`` (F): ``generate(text=, direction=)`` and
        one exported model each."""
        return {
            f"_{d}": conditions.Endpoint(
                [Sentences(self.tokenizer, f" (style {self.styles[i]!r}, direction {d!r})")], network)
            for i, (d, network) in enumerate((("a2b", self.generator), ("b2a", self.generator_ba)))
        }

    def direction_of(self, direction):
        """``"a2b"`` / ``"b2a"`` of a direction given as such or as
        ``"<from>2<to>"`` / a target style name (``"bbe"``)."""
        a, b = self.styles
        names = {"a2b": "a2b", "b2a": "b2a", f"{a}2{b}": "a2b", f"{b}2{a}": "b2a", b: "a2b", a: "b2a"}
        if direction not in names:
            raise ValueError(f"direction must be one of {sorted(set(names))} (to style {b!r}: a2b, to {a!r}: "
                             f"b2a), got {direction!r}.")
        return names[direction]

    def generate(self, n=None, *, direction="a2b", **inputs):
        return super().generate(n, direction=self.direction_of(direction), **inputs)

    def translate(self, text, direction="a2b", batch_size=256):
        """The translations (strings) of ``text`` (a string or strings)."""
        return self.sentences(self.generate(text=text, direction=direction, batch_size=batch_size))

    def sentences(self, tokens):
        """The text of id rows, as the export serves it."""
        return self.ids.sentences(tokens)

    def example_batch(self, n=8, seed=0):
        return self.ids.example_batch(n, seed), self.ids.example_batch(n, seed + 1)

    def preview_lines(self, batch, n=8):
        """``source -> translation -> back`` lines for the first ``n`` of
        each side of a training batch ``(ids_a, ids_b)``: the training
        samples file."""
        lines = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # training sentences already fit: cut ones were cut by the data
            for side, direction, back in ((0, "a2b", "b2a"), (1, "b2a", "a2b")):
                source = self.sentences(np.asarray(batch[side])[:n])
                there = self.translate(source, direction)
                lines += [f"{direction}: {s}  ->  {t}  ->  {r}"
                          for s, t, r in zip(source, there, self.translate(there, back))]
        return lines

    def serve_endpoint(self, endpoint, inputs, tflite=False):
        out = super().serve_endpoint(endpoint, inputs, tflite)
        if not tflite:
            out.update(self.tokenizer.report(inputs["text"]))
        return {k: out[k] for k in (self.TFLITE_OUTPUTS if tflite else self.OUTPUTS)}

    def serving_outputs(self, generated, tflite=False):
        return sequences.tokens_outputs(generated, self.vocabulary)

    def export_metadata(self):
        return {**self.ids.metadata(), "styles": list(self.styles),
                "directions": {"a2b": f"{self.styles[0]} -> {self.styles[1]}",
                               "b2a": f"{self.styles[1]} -> {self.styles[0]}"},
                "max_tokens": self.length,
                "longer_text": f"cut to its first {self.length} tokens (the response's 'truncated' is true)"}
