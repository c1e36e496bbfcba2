"""What a model's generator takes: one object per kind of input.

A model lists its inputs as condition objects (``GenerativeModel.conditions``
or, for several generators, ``endpoints``). Everything that used to switch on
a string tag asks these objects instead:

* ``spec()``: the serving ``TensorSpec`` (named after the input);
* ``check(value, n, seed)``: the numpy validation ``generate`` runs, with
  the default filled in where the input has one (class labels in turn, the
  default captions, latents drawn from ``seed``) and a clear error otherwise;
* ``guards(tensor)``: in-graph assertions of the export (an out-of-range id
  fails the request instead of gathering zeros);
* ``feed(tensor)``: what the generator receives (text -> token ids);
* ``example(n, seed)``: what a client sends (serving examples, tests);
* ``tflite()`` / ``to_tflite(value)``: the form a TFLite model takes (TFLite's
  built-in ops have no string processing, so text becomes token ids);
* ``resources``: layers holding non-variable state the export must track.

Leaf module: imports only TensorFlow, Keras and numpy.
"""

import warnings

import numpy as np
import tensorflow as tf

from zoo.layers import is_number


class Condition:
    """Base: one named input. Subclasses set ``name``, ``dtype``, ``shape``
    (per example) and override what differs."""

    name = None
    dtype = tf.float32
    shape = ()
    #: ``check(None, ...)`` fills a default (the model can sample without it).
    has_default = False
    #: How ``generate`` is told the value (an error message's hint).
    hint = ""

    resources = ()

    def spec(self):
        return tf.TensorSpec([None, *self.shape], self.dtype, name=self.name)

    def count(self, value):
        """How many samples ``value`` describes, or ``None`` if it fits any n."""
        return len(value) if np.ndim(value) > len(self.shape) else None

    def check(self, value, n, seed=0):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def guards(self, tensor):
        return []

    def feed(self, tensor):
        return tensor

    def example(self, n, seed=0):
        return self.check(None, n, seed)

    def tflite(self):
        return self

    def to_tflite(self, value):
        return value

    def missing(self):
        return ValueError(f"this model needs {self.name}= ({self.hint}).")


# === The latent ===


class Latent(Condition):
    """z ~ N(0, I) of ``dim`` values per sample; drawn from ``seed`` when not given."""

    name = "latent"
    has_default = True

    def __init__(self, dim):
        self.dim = int(dim)
        self.shape = (self.dim,)
        self.hint = f"float32 [n, {self.dim}]"

    def draw(self, n, seed=0):
        return np.random.default_rng(seed).standard_normal((n, self.dim)).astype("float32")

    def check(self, value, n, seed=0):
        if value is None:
            if n is None:
                raise ValueError("generate() needs n or latent=.")
            return self.draw(n, seed)
        value = np.asarray(value, dtype="float32")
        if value.ndim != 2 or value.shape[1] != self.dim or len(value) == 0:
            raise ValueError(f"latent must have shape [n, {self.dim}], got {value.shape}.")
        if n is not None and len(value) != n:
            raise ValueError(f"latent must hold {n} rows (one per sample), got {len(value)}.")
        return value


def truncate(latents, threshold, seed=0):
    """The truncation trick (Brock et al. 2019, BigGAN): every component of
    the standard-normal ``latents`` beyond ``threshold`` in absolute value is
    redrawn (from ``seed``'s own stream) until none is; the others are kept
    as they are. Smaller thresholds trade diversity for typical samples."""
    if not is_number(threshold) or not threshold > 0:
        raise ValueError(f"truncation must be a positive number (e.g. 1.0, in standard deviations), got {threshold!r}.")
    out = np.array(latents, dtype="float32", copy=True)
    rng = np.random.default_rng([int(seed), 1])  # not the stream that drew the latents
    beyond = np.abs(out) > threshold
    while beyond.any():
        out[beyond] = rng.standard_normal(int(beyond.sum()))
        beyond = np.abs(out) > threshold
    return out


# === Ids: class labels, target domains, token sequences ===


def check_ids(value, n, count, what="labels", kind="class ids"):
    """``value`` (an int or ``n`` ints) as int32 ``[n]`` in ``[0, count)``,
    or a ValueError/TypeError that says what was expected and found."""
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers ({kind}), got dtype {array.dtype} ({value!r:.60}).")
    if array.ndim == 0:
        if n is None:
            raise ValueError(f"generate() needs n, or one {what} value per sample.")
        array = np.full((n,), int(array))
    if array.ndim != 1 or (n is not None and array.shape != (n,)):
        raise ValueError(f"{what} must be one int or {n or 'n'} ints (one per sample), got shape {array.shape}.")
    bad = array[(array < 0) | (array >= count)]
    if bad.size:
        raise ValueError(f"{what} must be {kind} in [0, {count}); got {sorted(set(bad.tolist()))[:5]}.")
    return array.astype("int32")


def range_guards(tensor, count, message):
    return [
        tf.debugging.assert_non_negative(tensor, message=message),
        tf.debugging.assert_less(tensor, tf.constant(count, tensor.dtype), message=message),
    ]


class ClassLabels(Condition):
    """Int class ids in ``[0, num_classes)``; default: the classes in turn."""

    name = "labels"
    dtype = tf.int32
    has_default = True

    def __init__(self, num_classes):
        self.num_classes = int(num_classes)
        self.hint = f"an int or n ints in [0, {self.num_classes})"

    def check(self, value, n, seed=0):
        if value is None:
            if n is None:
                raise ValueError("generate() needs n or latent=.")
            value = np.arange(n) % self.num_classes
        return check_ids(value, n, self.num_classes)

    def guards(self, tensor):
        return range_guards(tensor, self.num_classes, f"labels must be class ids in [0, {self.num_classes})")


class Domain(Condition):
    """A target domain: an id in ``[0, num_domains)`` or one of ``names``
    (one for all samples or one per sample). No default."""

    name = "domain"
    dtype = tf.int32

    def __init__(self, num_domains, names=None):
        self.num_domains = int(num_domains)
        self.names = list(names) if names else []
        self.hint = "target domain ids" + (f" or names {self.names}" if self.names else "")

    def count(self, value):
        return len(value) if np.ndim(value) else None

    def check(self, value, n, seed=0):
        if value is None:
            raise self.missing()
        values = np.asarray(value)
        if values.dtype.kind in "US":
            unknown = sorted({str(v) for v in values.ravel()} - set(self.names))
            if unknown:
                raise ValueError(
                    f"Unknown domain name(s) {unknown}; this model's domains: {self.names or 'unnamed (use ids)'}."
                )
            values = np.vectorize(self.names.index)(values) if values.ndim else np.asarray(self.names.index(str(values)))
        return check_ids(values, n, self.num_domains, what="domain", kind="domain ids")

    def example(self, n, seed=0):
        return (np.arange(n) % self.num_domains).astype("int32")

    def guards(self, tensor):
        return range_guards(tensor, self.num_domains, f"domain must be domain ids in [0, {self.num_domains})")


class TokenIds(Condition):
    """Int token ids ``[n, length]`` in ``[0, vocab_size)`` (0 = padding):
    the TFLite form of text, and room for sequence models' prompts."""

    dtype = tf.int32

    def __init__(self, length, vocab_size, name="tokens"):
        self.name = name
        self.length, self.vocab_size = int(length), int(vocab_size)
        self.shape = (self.length,)
        self.hint = f"int32 [n, {self.length}] in [0, {self.vocab_size})"

    def check(self, value, n, seed=0):
        if value is None:
            raise self.missing()
        array = np.asarray(value)
        if array.dtype.kind not in "iu":
            raise TypeError(f"{self.name} must be integer token ids, got dtype {array.dtype}.")
        if array.ndim != 2 or array.shape[1] != self.length or (n is not None and len(array) != n):
            raise ValueError(f"{self.name} must have shape [{'n' if n is None else n}, {self.length}], got {array.shape}.")
        bad = array[(array < 0) | (array >= self.vocab_size)]
        if bad.size:
            raise ValueError(f"{self.name} must be token ids in [0, {self.vocab_size}); got {sorted(set(bad.tolist()))[:5]}.")
        return array.astype("int32")

    def example(self, n, seed=0):
        return np.random.default_rng(seed).integers(0, self.vocab_size, (n, self.length)).astype("int32")

    def guards(self, tensor):
        return range_guards(tensor, self.vocab_size, f"{self.name} must be token ids in [0, {self.vocab_size})")


# === Text ===


def standardize(text):
    """What TextVectorization's ``"lower_and_strip_punctuation"`` does to ASCII text."""
    return "".join(c for c in text.lower() if c.isalnum() or c.isspace())


class Text(Condition):
    """A caption string per sample, read by the model's own ``vectorizer``
    (a ``TextVectorization`` with ids 0 padding, 1 unknown, 2.. the words of
    ``vocabulary``). Default: ``default_captions`` in turn. Text with no
    vocabulary word is refused; unknown words beside known ones warn."""

    name = "text"
    dtype = tf.string
    has_default = True

    def __init__(self, vectorizer, vocabulary, max_tokens, default_captions):
        self.vectorizer = vectorizer
        self.vocabulary = list(vocabulary)
        self.max_tokens = int(max_tokens)
        self.default_captions = list(default_captions)
        self.resources = (vectorizer,)
        self.hint = "a string or n strings"

    def count(self, value):
        return None if isinstance(value, (str, bytes)) or np.ndim(value) == 0 else len(value)

    def tokenize(self, text):
        """Strings ``[batch]`` -> int32 token ids ``[batch, max_tokens]``."""
        return tf.cast(self.vectorizer(text), tf.int32)

    def check(self, value, n, seed=0):
        if value is None:
            if n is None:
                raise ValueError("generate() needs n or latent=.")
            value = [self.default_captions[i % len(self.default_captions)] for i in range(n)]
        array = np.asarray(value, dtype=object) if not isinstance(value, str) else np.asarray(value)
        if array.ndim == 0:
            if n is None:
                raise ValueError("generate() needs n, or one text per sample.")
            array = np.full((n,), str(array), dtype=object)
        if array.ndim != 1 or (n is not None and array.shape != (n,)):
            raise ValueError(f"text must be one string or {n} strings, got shape {array.shape}.")
        for t in array:
            if not isinstance(t, (str, bytes)):
                raise TypeError(f"text must be strings, got {type(t).__name__} ({t!r:.40}).")
            if not standardize(t.decode() if isinstance(t, bytes) else t).split():
                raise ValueError(f"text must contain at least one word; got {t!r}.")
        array = array.astype(str)
        self._check_words(array)
        return array

    def _check_words(self, texts):
        # A caption none of whose first max_tokens words is known would
        # condition G on the unknown token alone.
        known = set(self.vocabulary)
        unknown = set()
        for t in dict.fromkeys(texts):  # each distinct caption once
            words = standardize(t).split()[: self.max_tokens]
            if not known.intersection(words):
                raise ValueError(
                    f"text {t!r} has no word of this model's vocabulary ({len(known)} words, e.g. "
                    f"{', '.join(self.vocabulary[:8])}; the full list is in the config / metadata.json)."
                )
            unknown.update(w for w in words if w not in known)
        if unknown:
            warnings.warn(
                f"{len(unknown)} word(s) not in the vocabulary are read as one unknown token: "
                f"{', '.join(sorted(unknown)[:10])}.", stacklevel=4,
            )

    def guards(self, tensor):
        # Ids >= 2 are vocabulary words (0 padding, 1 unknown).
        words = tf.reduce_sum(tf.cast(self.tokenize(tensor) >= 2, tf.int32), axis=-1)
        return [tf.debugging.assert_positive(
            words, message="text must contain at least one word of the vocabulary (metadata.json)")]

    def feed(self, tensor):
        return self.tokenize(tensor)

    def tflite(self):
        """TFLite takes ``text_ids`` int32 ``[batch, max_tokens]``: tokenize on
        the device with ``vocabulary`` (ids: 0 padding, 1 unknown, 2 + index)."""
        return TokenIds(self.max_tokens, len(self.vocabulary) + 2, name="text_ids")

    def to_tflite(self, value):
        return self.tokenize(np.asarray(value).astype(str)).numpy()


# === Images ===


class Image(Condition):
    """Input images ``[n, *shape]`` in [-1, 1] (a single image gets a batch
    axis). No default. ``where`` names the domain in error messages."""

    name = "image"

    def __init__(self, shape, where=""):
        self.shape = tuple(int(d) for d in shape)
        self.where = where
        self.hint = f"input images [n, {', '.join(map(str, self.shape))}] in [-1, 1]"

    def count(self, value):
        return 1 if np.ndim(value) == len(self.shape) else len(value)

    def check(self, value, n, seed=0):
        if value is None:
            raise self.missing()
        image = np.asarray(value, dtype="float32")
        if image.ndim == len(self.shape):
            image = image[None]
        if image.shape[1:] != self.shape:
            raise ValueError(f"image must have shape [n, {', '.join(map(str, self.shape))}]{self.where}, "
                             f"got {image.shape}.")
        if n is not None and len(image) != n:
            raise ValueError(f"image must hold {n} images (one per sample), got {len(image)}.")
        return image

    def example(self, n, seed=0):
        return np.random.default_rng(seed).uniform(-1, 1, (n, *self.shape)).astype("float32")

    def missing(self):
        return ValueError(f"this model needs image=: {self.hint}{self.where}.")


def random_images(shape, n, seed=0):
    """Images in [-1, 1] with some spatial structure (not pure noise): the
    tiny training batches of ``example_batch``."""
    rng = np.random.default_rng(seed)
    h, w, c = shape
    base = rng.uniform(-1, 1, (n, max(h // 4, 1), max(w // 4, 1), c)).astype("float32")
    up = tf.image.resize(base, (h, w), method="bilinear").numpy()
    return np.clip(up + 0.1 * rng.standard_normal(up.shape), -1, 1).astype("float32")


class UniformNoise(Latent):
    """u ~ U[0, 1) per sampled token, ``[n, length]``: a sequence model's
    randomness (token t is the inverse CDF of its distribution at u[t], so
    a row's sentence depends on its own row alone); drawn from ``seed``
    when not given. The latent's shape checks, plus its range."""

    def __init__(self, length):
        super().__init__(length)
        self.length = self.dim
        self.hint = f"float32 [n, {self.length}] in [0, 1)"

    def draw(self, n, seed=0):
        return np.random.default_rng(seed).random((n, self.length)).astype("float32")

    def check(self, value, n, seed=0):
        value = super().check(value, n, seed)
        if not np.all((value >= 0) & (value < 1)):
            raise ValueError(f"latent must be uniform noise in [0, 1), got values in [{value.min()}, {value.max()}].")
        return value

    def guards(self, tensor):
        ok = tf.reduce_all(tf.logical_and(tensor >= 0.0, tensor < 1.0))
        return [tf.debugging.Assert(ok, ["latent must be uniform noise in [0, 1)"], name="check_latent_range")]


class Temperature(Condition):
    """Sampling temperature per sample, float32 ``[n]`` > 0 (default 1:
    the model's own distribution; below 1 sharper, above 1 flatter)."""

    name = "temperature"
    has_default = True
    hint = "float32 [n] > 0"

    def count(self, value):
        return len(value) if np.ndim(value) == 1 else None

    def check(self, value, n, seed=0):
        if value is None:
            if n is None:
                raise ValueError("generate() needs n, or latent= to say how many samples.")
            value = 1.0
        value = np.asarray(value, dtype="float32")
        if value.ndim == 0:
            if n is None:
                raise ValueError("a single temperature needs n= (or latent=) to say how many samples.")
            value = np.full((n,), float(value), "float32")
        if value.ndim != 1 or (n is not None and len(value) != n):
            raise ValueError(f"temperature must be one value or {'n' if n is None else n} values, got shape {value.shape}.")
        if not np.all(np.isfinite(value) & (value > 0)):
            raise ValueError(f"temperature must be > 0, got {value[~(np.isfinite(value) & (value > 0))][:5].tolist()}.")
        return value

    def guards(self, tensor):
        ok = tf.reduce_all(tensor > 0.0)
        return [tf.debugging.Assert(ok, ["temperature must be > 0"], name="check_temperature")]


# === Endpoints ===


class Endpoint:
    """One served function: the ``conditions`` it takes, in the order the
    ``network`` takes them (one input: the tensor; several: a list)."""

    def __init__(self, conditions, network):
        self.conditions = tuple(conditions)
        self.network = network

    def signature(self):
        return {c.name: c.spec() for c in self.conditions}

    def feed(self, values):
        parts = [c.feed(values[c.name]) for c in self.conditions]
        return parts[0] if len(parts) == 1 else parts

    def run(self, values, training=False):
        return self.network(self.feed(values), training=training)

    def tflite(self):
        return Endpoint([c.tflite() for c in self.conditions], self.network)

    def check(self, n, seed, given, model_name):
        """``given`` (numpy, by name) checked and completed for ``n``
        samples (``None``: as many as the given inputs describe)."""
        names = [c.name for c in self.conditions]
        unexpected = sorted(set(given) - set(names))
        if unexpected:
            raise TypeError(f"{model_name} takes {names or 'no inputs'}; got unexpected {unexpected}.")
        required = [c for c in self.conditions if not c.has_default]
        if any(c.name not in given for c in required):
            raise ValueError(f"{model_name} needs " + " and ".join(
                f"{c.name}= ({c.hint}{getattr(c, 'where', '')})" for c in required) + ".")
        if n is None:
            counts = [c.count(given[c.name]) for c in self.conditions if given.get(c.name) is not None]
            n = next((k for k in counts if k is not None), None)
        return {c.name: c.check(given.get(c.name), n, seed) for c in self.conditions}
