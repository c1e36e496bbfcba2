"""The SeqGAN synthetic benchmark's oracle (Yu et al. 2017, section 5).

A fixed, randomly initialised LSTM language model (vocabulary 5,000,
embedding 32, hidden 32, sequences of 20 tokens) plays the real data: it
samples the training and test sets, and it scores any model's samples by
its own negative log-likelihood (NLL-oracle, lower is better: the samples
look more like its own). Comparable with the published table only with the
paper's oracle parameters, which a user loads from a file
(:meth:`OracleLSTM.from_file`: the ``oracle_lstm.npz`` layout); without
one, :meth:`OracleLSTM.random` builds an oracle of the same shape from a
seed (the paper's initialisation: every parameter ~ N(0, 1)).

    oracle = OracleLSTM.from_file("../shared/datasets/seqgan_oracle/oracle_lstm.npz")
    train = oracle.sample(10_000, seed=0)             # int32 [10000, 20]
    oracle.nll(model_samples).mean()                  # NLL-oracle, nats per token
"""

import os

import keras
import numpy as np
import tensorflow as tf

#: The four gates in the order Keras's LSTM cell stacks them in its kernels.
_GATES = ("i", "f", "c", "o")
#: The arrays of an oracle file: name -> shape, given (vocabulary, embedding, hidden).
_ARRAYS = {
    "embeddings": lambda v, e, h: (v, e),
    **{f"W_{g}": (lambda v, e, h: (e, h)) for g in _GATES},
    **{f"U_{g}": (lambda v, e, h: (h, h)) for g in _GATES},
    **{f"b_{g}": (lambda v, e, h: (h,)) for g in _GATES},
    "W_out": lambda v, e, h: (h, v),
    "b_out": lambda v, e, h: (v,),
}


class OracleLSTM:
    """The oracle: ``sample(n, seed)`` -> int32 ``[n, length]`` tokens,
    ``nll(tokens)`` -> float64 ``[n]``, each sequence's mean over its tokens
    of -log p_oracle(token | prefix), in nats.

    One step, x the embedding of the previous token (of ``start_token`` at
    t = 0), h and c zero at t = 0: i = sigmoid(x W_i + h U_i + b_i), f, o
    alike, g = tanh(x W_c + h U_c + b_c), c = f c + i g, h = o tanh(c),
    logits = h W_out + b_out; tokens drawn at temperature 1.

    Args:
        params: dict of the arrays named in the module's ``oracle_lstm.npz``
            layout (``embeddings``, ``W_i`` ... ``b_c``, ``W_out``, ``b_out``).
        length: tokens per sequence (the paper: 20).
        start_token: the token fed at t = 0 (the paper: 0).

    Example:
        >>> oracle = OracleLSTM.random(seed=0, vocabulary=50, length=5)
        >>> oracle.sample(3, seed=1).shape
        (3, 5)

    Reference: Yu, Zhang, Wang, Yu, "SeqGAN: Sequence Generative Adversarial
    Nets with Policy Gradient", AAAI 2017 (their ``target_lstm``).
    """

    def __init__(self, params, length=20, start_token=0):
        missing = sorted(set(_ARRAYS) - set(params))
        if missing:
            raise ValueError(f"oracle parameters lack {missing}; expected the arrays {sorted(_ARRAYS)}.")
        vocabulary, embedding = np.shape(params["embeddings"])
        hidden = np.shape(params["U_i"])[0]
        for name, shape_of in _ARRAYS.items():
            expected = shape_of(vocabulary, embedding, hidden)
            if tuple(np.shape(params[name])) != expected:
                raise ValueError(f"oracle array {name!r} has shape {tuple(np.shape(params[name]))}, expected "
                                 f"{expected} (vocabulary {vocabulary}, embedding {embedding}, hidden {hidden}).")
        self.length = int(length)
        self.start_token = int(start_token)
        if self.length < 1 or not 0 <= self.start_token < vocabulary:
            raise ValueError(f"length must be >= 1 and start_token in [0, {vocabulary}); "
                             f"got {length!r} and {start_token!r}.")
        self.vocabulary, self.embedding_dim, self.hidden = int(vocabulary), int(embedding), int(hidden)
        self.params = {k: np.asarray(params[k], np.float32) for k in _ARRAYS}
        self._embed = keras.layers.Embedding(vocabulary, embedding)
        self._lstm = keras.layers.LSTM(hidden, return_sequences=True, return_state=True)
        self._out = keras.layers.Dense(vocabulary)
        tokens = np.zeros((1, 1), np.int32)
        self._out(self._lstm(self._embed(tokens))[0])
        p = self.params
        self._embed.set_weights([p["embeddings"]])
        self._lstm.set_weights([np.concatenate([p[f"W_{g}"] for g in _GATES], axis=1),
                                np.concatenate([p[f"U_{g}"] for g in _GATES], axis=1),
                                np.concatenate([p[f"b_{g}"] for g in _GATES])])
        self._out.set_weights([p["W_out"], p["b_out"]])

    @classmethod
    def from_file(cls, path, **kwargs):
        """The oracle of a ``.npz`` file of the ``oracle_lstm.npz`` layout."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no oracle file {path!r}: expected a .npz such as "
                                    "../shared/datasets/seqgan_oracle/oracle_lstm.npz.")
        with np.load(path) as arrays:
            return cls({k: arrays[k] for k in arrays.files}, **kwargs)

    @classmethod
    def random(cls, seed=0, vocabulary=5000, embedding=32, hidden=32, **kwargs):
        """An oracle of the paper's shape with every parameter ~ N(0, 1) (the
        paper's initialisation of its target LSTM), from ``seed``."""
        rng = np.random.default_rng(seed)
        return cls({name: rng.standard_normal(shape_of(vocabulary, embedding, hidden)).astype(np.float32)
                    for name, shape_of in _ARRAYS.items()}, **kwargs)

    def save(self, path):
        """Writes the parameters in the ``oracle_lstm.npz`` layout."""
        np.savez(path, **self.params)

    # === Scoring and sampling ===

    def logits(self, tokens):
        """Teacher-forced next-token logits ``[n, length, vocabulary]`` of
        int tokens ``[n, length]``: step t sees the start token and tokens < t."""
        tokens = tf.convert_to_tensor(tokens, tf.int32)
        inputs = tf.concat([tf.fill([tf.shape(tokens)[0], 1], self.start_token), tokens[:, :-1]], axis=1)
        return self._out(self._lstm(self._embed(inputs))[0])

    def nll(self, tokens, batch_size=1000):
        """Per sequence: the mean over its tokens of -log p_oracle, nats."""
        tokens = self.check_tokens(tokens)
        out = []
        for i in range(0, len(tokens), batch_size):
            part = tokens[i : i + batch_size]
            losses = keras.losses.sparse_categorical_crossentropy(part, self.logits(part), from_logits=True)
            out.append(keras.ops.convert_to_numpy(losses).astype(np.float64).mean(axis=1))
        return np.concatenate(out) if out else np.zeros(0)

    def sample(self, n, seed=0, batch_size=1000):
        """``n`` sequences drawn from the oracle at temperature 1 (int32)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a whole number >= 0, got {n!r}.")
        out = [self._sample(min(batch_size, n - i), tf.constant([int(seed), i], tf.int32))
               for i in range(0, n, batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.length), np.int32)

    def _sample(self, n, seed):
        cell = self._lstm.cell
        token = tf.fill([n], self.start_token)
        state = [tf.zeros([n, self.hidden]), tf.zeros([n, self.hidden])]
        tokens = []
        for t in range(self.length):
            h, state = cell(self._embed(token), state)
            step_seed = tf.random.experimental.stateless_fold_in(seed, t)
            token = tf.cast(tf.random.stateless_categorical(self._out(h), 1, step_seed)[:, 0], tf.int32)
            tokens.append(token)
        return tf.stack(tokens, axis=1).numpy()

    def check_tokens(self, tokens):
        """int32 numpy ``[n, length]`` in [0, vocabulary), or a clear error."""
        array = np.asarray(tokens)
        if array.ndim != 2 or array.shape[1] != self.length or array.dtype.kind not in "iu":
            raise ValueError(f"tokens must be ints of shape [n, {self.length}], got {array.dtype} of shape "
                             f"{array.shape}.")
        if array.size and (array.min() < 0 or array.max() >= self.vocabulary):
            raise ValueError(f"tokens must be in [0, {self.vocabulary}), got [{array.min()}, {array.max()}].")
        return array.astype(np.int32)
