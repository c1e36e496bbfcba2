"""Datasets: TFDS by name or a folder of images -> batched ``tf.data``.

Every image loader returns fixed-size batches of float32 images scaled to
[-1, 1] (and int32 labels when ``with_labels=True``), shuffled, cached and
prefetched; ``load_tokens`` gives int32 token ids of the SeqGAN oracle or of
a text file for the sequence models, on the same epoch core.

Shuffling is keyed on ``(seed, epoch)``: with ``epochs`` set, the dataset is
the concatenation of those epochs, each shuffled by its own key, so training
resumed at epoch k sees exactly the batches an uninterrupted run would
(``first_epoch=k``). Use it with ``fit(..., steps_per_epoch=steps_per_epoch(ds))``.
"""

import collections
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
_SHUFFLE_BUFFER = 20_000


class DataError(ValueError):
    """Bad dataset input: says what was expected and what was found."""


# === Public API ===


def load(source, *, captions=None, pairs=None, unpaired=None, unpaired_split=None, with_labels=False,
         with_index=False, tokens=None, **kwargs):
    """The loader a recipe's ``[data]`` names, by its keys: ``pairs=`` ->
    :func:`load_pairs`, ``unpaired=`` -> :func:`load_unpaired`,
    ``captions=`` -> :func:`load_captioned`, else :func:`load_images`. The
    other keyword arguments are the loaders' common ones (see
    :func:`load_images`); the modes exclude each other."""
    if pairs is not None and (with_labels or captions is not None):
        raise DataError("pairs= makes (input, target) batches; it cannot be combined with with_labels or captions.")
    if unpaired is not None and (with_labels or captions is not None or pairs is not None):
        raise DataError(
            "unpaired= makes (images_a, images_b) batches; it cannot be combined with with_labels, captions or pairs."
        )
    if with_index and (captions is not None or pairs is not None or unpaired is not None):
        raise DataError("with_index yields (images, indices) of one image source; it cannot be combined with "
                        "captions, pairs or unpaired.")
    if tokens is not None:
        if captions is not None or pairs is not None or unpaired is not None or with_labels or with_index:
            raise DataError("tokens= makes batches of token ids; it cannot be combined with captions, pairs, "
                            "unpaired, with_labels or with_index.")
        return load_tokens(source, tokens, **kwargs)
    if pairs is not None:
        return load_pairs(source, pairs, **kwargs)
    if unpaired is not None:
        split = kwargs.pop("split", "train")
        return load_unpaired(source, unpaired, split=split, split_b=unpaired_split or split, **kwargs)
    if captions is not None:
        return load_captioned(source, captions, **kwargs)
    return load_images(source, with_labels=with_labels, with_index=with_index, **kwargs)


def load_images(source, *, split="train", batch_size=128, image_size=None, channels=None, with_labels=False,
                with_index=False, shuffle=True, seed=0, epochs=None, first_epoch=0, steps_per_epoch=None, cache=True):
    """Batches of images (``with_labels``: ``(images, labels)``; ``with_index``:
    ``(images, indices)``) from ``source``.

    Args:
        source: TFDS dataset name (``"mnist"``, ``"fashion_mnist"``, ...,
            honouring ``TFDS_DATA_DIR``) or a folder: flat (``dir/*.jpg``) or
            ``dir/<split>/<label>/*.png``.
        split: split name (TFDS split, or the sub-folder of a folder dataset).
        batch_size: images per batch; the last partial batch of an epoch is
            dropped so every batch has this size.
        image_size: int or (height, width) to resize to; None keeps the size
            (all images must then share one size).
        channels: 1 (greyscale) or 3 (RGB); None keeps the source's.
        with_labels: yield ``(images, labels)`` instead of images.
        with_index: yield ``(images, indices)``, each image's int32 position
            in the split (stable: the split's own order, before shuffling),
            for models that keep state per training image (GLO's codes).
        shuffle / seed: shuffle each epoch with a key of (seed, epoch).
        epochs: None for a one-epoch dataset (``fit`` iterates it each epoch);
            an int for the concatenation of epochs ``first_epoch..epochs-1``.
        steps_per_epoch: cut each epoch to this many batches (short runs).
        cache: keep decoded images in memory after the first pass.
    """
    epoch_args = _epoch_args(batch_size, shuffle, seed, epochs, first_epoch, steps_per_epoch, cache)
    size = check_size(image_size)
    _check_channels(channels)
    if with_index and with_labels:
        raise DataError("with_index yields (images, indices); it cannot be combined with with_labels.")
    ds, count, channels = _examples(source, split, size, channels, with_labels)
    if with_index:
        ds = ds.enumerate().map(lambda i, image: (image, tf.cast(i, tf.int32)))
    return _epochs([(ds, count, source, split)], image_shape=(*size, channels) if size else None, **epoch_args)


def load_pairs(source, task, *, split="train", batch_size=128, image_size=None, channels=None, shuffle=True, seed=0,
               epochs=None, first_epoch=0, steps_per_epoch=None, cache=True):
    """Paired-translation batches ``(inputs, targets)`` (pix2pix) from the
    images of ``source`` (arguments as :func:`load_images`).

    ``task``, one of ``PAIR_TASKS``: ``"edges"`` (input: a deterministic
    edge map of the target, computed in the pipeline), ``"colorize"``
    (input: the target in greyscale), ``"side_by_side"`` /
    ``"side_by_side_reversed"`` (each file holds input|target side by side,
    the layout of the pix2pix datasets, or target|input; ``image_size`` is
    then the size of *one* half).
    """
    if task not in PAIR_TASKS:
        raise DataError(f"pairs must be one of {PAIR_TASKS}, got {task!r}.")
    epoch_args = _epoch_args(batch_size, shuffle, seed, epochs, first_epoch, steps_per_epoch, cache)
    size = check_size(image_size)
    if task in ("side_by_side", "side_by_side_reversed") and size is not None:
        size = (size[0], 2 * size[1])  # the file holds both halves
    _check_channels(channels)
    ds, count, channels = _examples(source, split, size, channels, False)
    if task == "colorize" and channels != 3:
        raise DataError(f"pairs='colorize' needs RGB targets (channels=3); {source!r} gives {channels} channel(s).")
    pair = _PAIR_FUNCTIONS[task]
    return _epochs([(ds, count, source, split)], image_shape=(*size, channels) if size else None,
                   finish=lambda batches, epoch: batches.map(pair, num_parallel_calls=tf.data.AUTOTUNE), **epoch_args)


def load_unpaired(source_a, source_b, *, split="train", split_b=None, batch_size=128, image_size=None, channels=None,
                  shuffle=True, seed=0, epochs=None, first_epoch=0, steps_per_epoch=None, cache=True):
    """Unpaired batches ``(images_a, images_b)`` of unrelated images of two
    domains (CycleGAN), each domain shuffled by its own key; an epoch has as
    many batches as the smaller domain fills. ``image_size`` and ``channels``
    apply to both (pass them when the domains' sizes differ, e.g. MNIST
    28x28 and USPS 16x16). ``split_b``: domain B's split (default:
    ``split``); the original CycleGAN folders ``<root>/trainA``,
    ``<root>/trainB`` are ``load_unpaired(root, root, split="trainA",
    split_b="trainB")``, TFDS ``cycle_gan/horse2zebra`` the same with its
    split names. Other arguments as :func:`load_images`.
    """
    epoch_args = _epoch_args(batch_size, shuffle, seed, epochs, first_epoch, steps_per_epoch, cache)
    size = check_size(image_size)
    _check_channels(channels)
    split_b = split_b or split
    ds, count, found = _examples(source_a, split, size, channels, False)
    ds_b, count_b, found_b = _examples(source_b, split_b, size, channels, False)
    if found_b != found:
        raise DataError(
            f"The domains give {found} ({source_a!r}) and {found_b} ({source_b!r}) channel(s); pass channels=1 or 3."
        )
    return _epochs([(ds, count, source_a, split), (ds_b, count_b, source_b, split_b)],
                   image_shape=(*size, found) if size else None, **epoch_args)


def load_captioned(source, captions, *, split="train", batch_size=128, image_size=None, channels=None, shuffle=True,
                   seed=0, epochs=None, first_epoch=0, steps_per_epoch=None, cache=True):
    """Captioned batches ``{"images", "text", "mismatched_text"}`` (GAN-CLS)
    composed from class labels: ``captions`` is a caption set
    (``CAPTION_SETS``, or a JSON path in that format) naming phrasings per
    class; per image, a random training phrasing of its class and one of
    another class (the matching-aware negatives), drawn per (seed, epoch,
    batch) so resumed runs see the same captions. Other arguments as
    :func:`load_images`.
    """
    epoch_args = _epoch_args(batch_size, shuffle, seed, epochs, first_epoch, steps_per_epoch, cache)
    table = load_captions(captions)["train"]
    size = check_size(image_size)
    _check_channels(channels)
    ds, count, channels = _examples(source, split, size, channels, True)
    return _epochs([(ds, count, source, split)], image_shape=(*size, channels) if size else None,
                   finish=lambda batches, epoch: _attach_captions(batches, table, seed, epoch), **epoch_args)


#: ``tokens=`` kinds: sequences sampled from an oracle LSTM file, the
#: words of a text file of one sentence per line, or two styles of the same
#: text (files ``{split}`` and ``{style}`` fill in: a style-transfer pair).
TOKEN_SOURCES = ("oracle", "words", "style_pair")
#: The oracle's splits: sequences sampled with these seeds (SeqGAN: 10,000
#: training sequences; the test split scores a model's NLL-test).
ORACLE_SPLIT_SEEDS = {"train": 0, "test": 1}


def text_path(source, split):
    """``source`` with ``{split}`` filled in (``.../{split}.bbe.txt``)."""
    if "{split}" not in source:
        raise DataError(f"a words source is a path template with {{split}} (e.g. 'data/{{split}}.txt'), got {source!r}.")
    return source.replace("{split}", split)


def token_arrays(source, tokens, *, split="train", length=20, vocabulary_size=None, longer="truncate",
                 num_sequences=10_000, styles=None, aligned=False):
    """``(ids int32 [n, length], vocabulary or None)`` of a token source:

    * ``tokens="oracle"``: ``source`` is an oracle file (``zoo.oracle``), or
      ``"random:<seed>"`` for the paper-shaped oracle built from a seed;
      ``num_sequences`` sequences sampled with the split's seed
      (``ORACLE_SPLIT_SEEDS``); no vocabulary (ids are the words).
    * ``tokens="words"``: ``source`` is a path template with ``{split}``;
      the vocabulary is built from the *train* split (``vocabulary_size``
      most frequent tokens, specials included) and each line encoded to
      ``length`` ids (``longer``: "truncate" or "drop", see
      ``zoo.text.Vocabulary.encode``).
    * ``tokens="style_pair"``: ``source`` is a template with ``{split}`` and
      ``{style}``, ``styles`` the two style names, and the ids are a pair
      ``(ids_a, ids_b)``; see :func:`style_lines` for which lines (unpaired
      halves of the train split unless ``aligned``) and the vocabulary
      (one, shared by both styles).
    """
    from zoo import text as zoo_text

    _check_token_source(tokens, length)
    if tokens == "oracle":
        if split not in ORACLE_SPLIT_SEEDS:
            raise DataError(f"an oracle's splits are {sorted(ORACLE_SPLIT_SEEDS)}, got {split!r}.")
        if not _is_int(num_sequences) or num_sequences < 1:
            raise DataError(f"num_sequences must be a whole number >= 1, got {num_sequences!r}.")
        return oracle_of(source, length).sample(int(num_sequences), seed=ORACLE_SPLIT_SEEDS[split]), None
    if tokens == "style_pair":
        vocabulary = _vocabulary(source, vocabulary_size, styles)
        lines_a, lines_b = style_lines(source, styles, split, aligned)
        pair = []
        for lines in (lines_a, lines_b):
            ids, _ = vocabulary.encode(lines, length, longer=longer)
            if not len(ids):
                raise DataError(f"no line of {source!r} split {split!r} fits {length} tokens (longer={longer!r}).")
            pair.append(ids)
        if aligned and len(pair[0]) != len(pair[1]):
            raise DataError("aligned pairs need longer='truncate' (dropping long lines breaks the alignment).")
        return tuple(pair), vocabulary
    vocabulary = _vocabulary(source, vocabulary_size)
    ids, _ = vocabulary.encode(zoo_text.read_lines(text_path(source, split)), length, longer=longer)
    if not len(ids):
        raise DataError(f"no line of {text_path(source, split)!r} fits {length} tokens (longer={longer!r}).")
    return ids, vocabulary


def style_lines(source, styles, split="train", aligned=False):
    """``(lines_a, lines_b)`` of a style pair (``source``: a template with
    ``{split}`` and ``{style}``; ``styles``: the two names, e.g. ``["ylt",
    "bbe"]``; line i of each file is the same sentence in each style).

    Unpaired training must not see the alignment: the *train* split gives
    style A's side of its first half of the lines and style B's side of
    the second half (disjoint sentences), unless ``aligned=True`` (the
    paired, supervised upper bound). Other splits keep the alignment, so a
    transfer can be scored against the real sentence."""
    from zoo import text as zoo_text

    if not isinstance(styles, (list, tuple)) or len(styles) != 2 or not all(isinstance(s, str) for s in styles):
        raise DataError(f"styles must name the two styles (e.g. ['ylt', 'bbe']), got {styles!r}.")
    if "{style}" not in source:
        raise DataError(f"a style_pair source is a path template with {{split}} and {{style}}, got {source!r}.")
    a, b = (zoo_text.read_lines(text_path(source.replace("{style}", s), split)) for s in styles)
    if len(a) != len(b):
        raise DataError(f"the two styles of {source!r} split {split!r} must have a line per sentence each; "
                        f"found {len(a)} ({styles[0]}) and {len(b)} ({styles[1]}) lines.")
    if split != "train" or aligned:
        return a, b
    half = len(a) // 2
    return a[:half], b[half:2 * half]


def token_model_kwargs(source, tokens, *, length=20, vocabulary_size=None, styles=None):
    """What a sequence model must know of a token source: ``length`` and
    the oracle's ``vocab_size`` or the text's ``vocabulary`` (its words)
    (a style pair: and its ``styles``)."""
    _check_token_source(tokens, length)
    if tokens == "oracle":
        return {"length": length, "vocab_size": oracle_of(source, length).vocabulary}
    if tokens == "style_pair":
        return {"length": length, "vocabulary": list(_vocabulary(source, vocabulary_size, styles).words),
                "styles": list(styles)}
    return {"length": length, "vocabulary": list(_vocabulary(source, vocabulary_size).words)}


def _check_token_source(tokens, length):
    if tokens not in TOKEN_SOURCES:
        raise DataError(f"tokens must be one of {TOKEN_SOURCES}, got {tokens!r}.")
    if not _is_int(length) or length < 2:
        raise DataError(f"length must be a whole number >= 2, got {length!r}.")


def oracle_of(source, length=20):
    """The ``OracleLSTM`` of an oracle source: a file, or ``random:<seed>``."""
    from zoo import oracle as zoo_oracle

    if source == "random" or source.startswith("random:"):
        seed = source.partition(":")[2] or "0"
        if not seed.isdigit():
            raise DataError(f"a random oracle is 'random' or 'random:<seed>', got {source!r}.")
        return zoo_oracle.OracleLSTM.random(seed=int(seed), length=length)
    return zoo_oracle.OracleLSTM.from_file(source, length=length)


def _vocabulary(source, vocabulary_size, styles=None):
    """The vocabulary of a words source: built from its train split (a
    style pair: from the lines unpaired training reads, both styles)."""
    from zoo import text as zoo_text

    if styles is not None or "{style}" in source:
        lines_a, lines_b = style_lines(source, styles, "train")
        return zoo_text.Vocabulary.build(lines_a + lines_b, max_size=vocabulary_size)
    return zoo_text.Vocabulary.build(zoo_text.read_lines(text_path(source, "train")), max_size=vocabulary_size)


def load_tokens(source, tokens, *, split="train", batch_size=64, length=20, vocabulary_size=None,
                longer="truncate", num_sequences=10_000, styles=None, aligned=False, shuffle=True, seed=0,
                epochs=None, first_epoch=0, steps_per_epoch=None, cache=True):
    """Batches of int32 token ids ``[batch_size, length]`` of a token source
    (see :func:`token_arrays`), shuffled per epoch like the image loaders.
    A style pair gives ``(ids_a, ids_b)`` batches: unrelated sentences of
    the two styles, each shuffled by its own key (``aligned``: the aligned
    pairs, shuffled together)."""
    epoch_args = _epoch_args(batch_size, shuffle, seed, epochs, first_epoch, steps_per_epoch, cache)
    ids, _ = token_arrays(source, tokens, split=split, length=length, vocabulary_size=vocabulary_size,
                          longer=longer, num_sequences=num_sequences, styles=styles, aligned=aligned)
    if tokens == "style_pair" and not aligned:
        return _epochs([(tf.data.Dataset.from_tensor_slices(x), len(x), source, split) for x in ids],
                       image_shape=None, **epoch_args)
    ds = tf.data.Dataset.from_tensor_slices(ids)
    return _epochs([(ds, len(ids[0]) if isinstance(ids, tuple) else len(ids), source, split)], image_shape=None,
                   **epoch_args)


# === The shared epoch core ===


def _check_channels(channels):
    if channels not in (None, 1, 3) or isinstance(channels, bool):
        raise DataError(f"channels must be 1 (greyscale) or 3 (RGB), got {channels!r}.")


def _epoch_args(batch_size, shuffle, seed, epochs, first_epoch, steps_per_epoch, cache):
    """The loaders' common arguments, checked."""
    if not _is_int(batch_size) or batch_size < 1:
        raise DataError(f"batch_size must be a whole number >= 1, got {batch_size!r}.")
    if steps_per_epoch is not None and (not _is_int(steps_per_epoch) or steps_per_epoch < 1):
        raise DataError(f"steps_per_epoch must be a whole number >= 1 or None, got {steps_per_epoch!r}.")
    if epochs is not None and int(epochs) <= int(first_epoch):
        raise DataError(f"epochs ({epochs}) must be greater than first_epoch ({first_epoch}).")
    return dict(batch_size=batch_size, shuffle=shuffle, seed=seed, epochs=epochs, first_epoch=first_epoch,
                steps_per_epoch=steps_per_epoch, cache=cache)


def _epochs(domains, *, image_shape, batch_size, shuffle, seed, epochs, first_epoch, steps_per_epoch, cache,
            finish=None):
    """Epochs of batches of ``domains`` (``[(examples, count, source, split)]``:
    one, or two zipped for unpaired data), each domain shuffled per epoch
    by a key of (seed, epoch, domain); ``finish(batches, epoch)`` adds
    what a loader composes per batch (captions, pairs)."""
    for _, count, source, split in domains:
        if count < batch_size:
            raise DataError(f"{source!r} split {split!r} has {count} images, fewer than one batch of {batch_size}.")
    domains = [(ds.cache() if cache else ds, count) for ds, count, _, _ in domains]
    batches = min(count for _, count in domains) // batch_size
    if steps_per_epoch is not None:
        batches = min(batches, int(steps_per_epoch))

    def batched(examples, n, epoch, salt):
        if shuffle:
            # A Python-int seed per epoch (a tensor seed trips TF's seed
            # handling when a global seed is set).
            examples = examples.shuffle(
                min(n, _SHUFFLE_BUFFER),
                seed=(int(seed) * 1_000_003 + int(epoch) + salt) % (2**31 - 1),
                # One-epoch datasets are iterated again by each fit() epoch:
                # a new order each time. Multi-epoch ones fix each epoch's.
                reshuffle_each_iteration=epochs is None,
            )
        return examples.batch(batch_size, drop_remainder=True).take(batches)

    def one_epoch(epoch):
        parts = [batched(ds, n, epoch, salt=500_009 * i) for i, (ds, n) in enumerate(domains)]
        epoch_ds = parts[0] if len(parts) == 1 else tf.data.Dataset.zip(*parts)
        return finish(epoch_ds, epoch) if finish else epoch_ds

    out = one_epoch(first_epoch)
    if epochs is not None:
        for epoch in range(int(first_epoch) + 1, int(epochs)):
            out = out.concatenate(one_epoch(epoch))
    out = out.prefetch(tf.data.AUTOTUNE)
    out.steps_per_epoch = batches
    out.num_examples = domains[0][1]
    out.image_shape = image_shape
    return out


#: Decoded TFDS splits kept by ``arrays`` for this process, most recently used
#: last, within ``ARRAYS_CACHE_BYTES`` (folders are read afresh each call:
#: their files can change, and anime faces alone take ~1 GB as float32).
_ARRAYS_CACHE = collections.OrderedDict()
ARRAYS_CACHE_BYTES = 512 * 2**20


def arrays(source, *, split="test", image_size=None, channels=None, with_labels=False,
           limit=None, seed=0):
    """The whole split as float32 numpy in [-1, 1], ``[n, H, W, C]`` (with
    ``with_labels=True``, ``(images, int32 labels)``), or a random subset of
    ``limit`` of them drawn with ``seed``. For evaluation, where every image
    counts and no batch may be dropped. A TFDS split is decoded once per
    process (up to ``ARRAYS_CACHE_BYTES`` of them); every call returns its
    own copy."""
    size = check_size(image_size)
    key = None if _looks_like_path(source) else (
        source, split, size, channels, bool(with_labels), os.environ.get("TFDS_DATA_DIR"))
    if key in _ARRAYS_CACHE:
        _ARRAYS_CACHE.move_to_end(key)
        images, labels = _ARRAYS_CACHE[key]
    else:
        ds, _, _ = _examples(source, split, size, channels, with_labels)
        batches = list(ds.batch(2048).as_numpy_iterator())
        if with_labels:
            images, labels = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
        else:
            images, labels = np.concatenate(batches), None
        if key is not None and images.nbytes <= ARRAYS_CACHE_BYTES:
            _ARRAYS_CACHE[key] = (images, labels)
            while sum(i.nbytes for i, _ in _ARRAYS_CACHE.values()) > ARRAYS_CACHE_BYTES:
                _ARRAYS_CACHE.popitem(last=False)
    count = len(images)
    if limit is not None and int(limit) > count:
        raise DataError(f"{source!r} split {split!r} has {count} images; asked for {limit}.")
    if limit is not None:
        keep = np.random.default_rng(seed).permutation(count)[: int(limit)]
        images, labels = images[keep], (labels[keep] if with_labels else None)  # fancy indexing: copies
    else:
        images, labels = images.copy(), (labels.copy() if with_labels else None)
    return (images, labels) if with_labels else images


def steps_per_epoch(dataset):
    """Batches per epoch of a dataset made by ``load``."""
    return dataset.steps_per_epoch


def to_unit_range(images):
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


# === Helpers ===


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_size(image_size):
    """``None``, an int or ``(height, width)`` ints >= 1 -> ``(height,
    width)``; anything else (a string such as ``"64"``, a float, 0) is a
    DataError, never reinterpreted."""
    if image_size is None:
        return None
    problem = f"image_size must be an int or (height, width) of whole numbers >= 1, got {image_size!r}"
    if _is_int(image_size):
        size = (int(image_size), int(image_size))
    elif isinstance(image_size, (tuple, list)) and len(image_size) == 2 and all(_is_int(s) for s in image_size):
        size = tuple(int(s) for s in image_size)
    else:
        raise DataError(f"{problem} ({type(image_size).__name__}).")
    if min(size) < 1:
        raise DataError(f"{problem}.")
    return size


def _looks_like_path(source):
    source = os.fspath(source)
    return os.sep in source or source.startswith(".") or os.path.exists(source)


def _to_model_image(image, size, channels, source_shape=None):
    """uint8 image with any channel count -> float32 [-1, 1] at size/channels.

    ``source_shape``: the images' static ``(height, width, channels)`` where
    known (TFDS features). Conversions it shows to be no-ops are skipped: the
    greyscale->RGB->greyscale round trip (not exact: the luma weights sum to
    0.9999) and a resize to the same size. Both ran on every image of the
    first epoch (before the cache is full) and of every uncached epoch, on the
    cores the training step needs.
    """
    source_shape = tuple(source_shape) if source_shape is not None else (None, None, None)
    if source_shape[-1] is not None and source_shape[-1] == channels:
        image = to_unit_range(image)
    else:
        have = tf.shape(image)[-1]
        rgb = tf.case(
            [
                (tf.equal(have, 1), lambda: tf.image.grayscale_to_rgb(image[..., :1])),
                (tf.equal(have, 2), lambda: tf.image.grayscale_to_rgb(image[..., :1])),
            ],
            default=lambda: image[..., :3],
        )
        image = rgb if channels == 3 else tf.image.rgb_to_grayscale(rgb)
        image = to_unit_range(image)
    if size is not None and tuple(source_shape[:2]) != tuple(size):
        image = tf.clip_by_value(tf.image.resize(image, size, antialias=True), -1.0, 1.0)
    return image


# === Paired translation (pix2pix) ===

PAIR_TASKS = ("edges", "colorize", "side_by_side", "side_by_side_reversed")


def edge_map(images, threshold=1.0):
    """Deterministic edges of images in [-1, 1]: Sobel gradient magnitude of
    the greyscale image (in [0, 1]) above ``threshold``, drawn as dark lines
    (-1) on white (+1), one channel. At 1.0 about a quarter of the pixels of
    the anime faces are edges: outlines of face, eyes and hair strands."""
    grey = tf.reduce_mean((tf.cast(images, tf.float32) + 1.0) / 2.0, axis=-1, keepdims=True)
    gradients = tf.image.sobel_edges(grey)  # [batch, H, W, 1, (dy, dx)]
    magnitude = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=-1))
    return tf.where(magnitude > threshold, -1.0, 1.0)


def greyscale(images):
    """Luma (ITU-R 601) of RGB images in [-1, 1], one channel."""
    return tf.image.rgb_to_grayscale(tf.cast(images, tf.float32))


def _split_halves(images, reverse=False):
    width = tf.shape(images)[2] // 2
    left, right = images[:, :, :width], images[:, :, width:]
    return (right, left) if reverse else (left, right)


_PAIR_FUNCTIONS = {
    "edges": lambda images: (edge_map(images), images),
    "colorize": lambda images: (greyscale(images), images),
    "side_by_side": lambda images: _split_halves(images),
    "side_by_side_reversed": lambda images: _split_halves(images, reverse=True),
}


# === Captions ===

CAPTION_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "captions")
CAPTION_SETS = ("fashion_mnist",)


def load_captions(name_or_path):
    """A caption set: ``{"classes", "train", "heldout"}``, where ``train``
    and ``heldout`` hold a list of phrasings per class (in label order).
    ``heldout`` phrasings are for evaluation only."""
    import json

    path = name_or_path
    if not str(name_or_path).endswith(".json"):
        if name_or_path not in CAPTION_SETS:
            raise DataError(
                f"Unknown caption set {name_or_path!r}; expected one of {list(CAPTION_SETS)} "
                "or a .json path with 'classes', 'train' and 'heldout'."
            )
        path = os.path.join(CAPTION_DIR, f"{name_or_path}.json")
    with open(path) as f:
        spec = json.load(f)
    for key in ("classes", "train", "heldout"):
        if key not in spec:
            raise DataError(f"Caption set {path} lacks {key!r} (has {sorted(spec)}).")
    for key in ("train", "heldout"):
        if len(spec[key]) != len(spec["classes"]) or not all(spec[key]):
            raise DataError(
                f"Caption set {path}: {key!r} needs a non-empty list of phrasings for each of "
                f"the {len(spec['classes'])} classes; found {[len(c) for c in spec[key]]}."
            )
    return spec


def _attach_captions(batches, phrasings, seed, epoch):
    """(images, labels) batches -> {"images", "text", "mismatched_text"}."""
    num_classes = len(phrasings)
    width = max(len(p) for p in phrasings)
    # Rows padded by repeating their phrasings; draws use each row's count.
    table = tf.constant([[p[i % len(p)] for i in range(width)] for p in phrasings])
    counts = tf.constant([len(p) for p in phrasings], tf.float32)

    def pick(labels, u):
        index = tf.cast(tf.floor(u * tf.gather(counts, labels)), tf.int32)
        return tf.gather_nd(table, tf.stack([labels, index], axis=1))

    def attach(step, batch):
        images, labels = batch
        key = tf.stack([tf.constant(int(seed), tf.int64), tf.cast(epoch, tf.int64) * 1_000_003 + step])
        u = tf.random.stateless_uniform([tf.shape(labels)[0], 3], seed=key)
        shift = 1 + tf.minimum(tf.cast(u[:, 1] * (num_classes - 1), tf.int32), num_classes - 2)
        wrong = (labels + shift) % num_classes
        return {"images": images, "text": pick(labels, u[:, 0]), "mismatched_text": pick(wrong, u[:, 2])}

    return batches.enumerate().map(attach, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


# === TFDS ===


def _examples(source, split, size, channels, with_labels):
    """Unbatched examples (images, or (image, label) pairs) of a TFDS name or
    a folder: ``(dataset, count, channels)``."""
    if _looks_like_path(source):
        images, labels, count, channels = _folder(source, split, size, channels, with_labels)
    else:
        images, labels, count, channels = _tfds(source, split, size, channels, with_labels)
    # Folders give labels as a separate dataset; TFDS gives (image, label) pairs.
    ds = tf.data.Dataset.zip((images, labels)) if labels is not None else images
    return ds, count, channels


def unreachable_hosts(builder, timeout=5.0):
    """The download hosts of a TFDS builder (from its registered URLs) that
    do not answer a TCP connection within ``timeout`` seconds. Empty when
    all answer, or when the builder lists no URLs (manual downloads)."""
    import socket
    from urllib.parse import urlsplit

    try:
        urls = list(builder.url_infos or {})
    except Exception:  # builders without a checksums file
        urls = []
    hosts = sorted({(u.hostname, u.port or (443 if u.scheme == "https" else 80))
                    for u in map(urlsplit, urls) if u.hostname})
    unreachable = []
    for host, port in hosts:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
        except OSError:
            unreachable.append(host)
    return unreachable


def _tfds(name, split, size, channels, with_labels):
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name)
    except Exception as e:  # DatasetNotFoundError and friends
        first_line = str(e).strip().splitlines()[0]
        raise DataError(
            f"Unknown TFDS dataset {name!r} and no folder of that name exists "
            f"({first_line}); see tfds.list_builders() for the names."
        ) from None
    if not builder.is_prepared():
        unreachable = unreachable_hosts(builder)
        if unreachable:
            # TFDS would retry each file for minutes before failing (PITFALLS 17).
            raise DataError(
                f"TFDS dataset {name!r} is not prepared in {builder.data_dir!r} and its download "
                f"host(s) {unreachable} cannot be reached (offline?). Point TFDS_DATA_DIR at a folder "
                "that holds the prepared dataset (export TFDS_DATA_DIR=/abs/path/to/tensorflow_datasets), "
                "or run once on a machine with network access."
            )
        try:
            builder.download_and_prepare()
        except Exception as e:
            raise DataError(
                f"TFDS dataset {name!r} is not prepared in {builder.data_dir!r} and could not "
                f"be downloaded ({type(e).__name__}: {str(e).strip().splitlines()[0][:200]}). "
                "Offline? Point TFDS_DATA_DIR at a folder that holds the prepared dataset."
            ) from None
    if split not in builder.info.splits:
        raise DataError(
            f"TFDS dataset {name!r} has no split {split!r}; "
            f"available splits: {sorted(builder.info.splits)}."
        )
    features = builder.info.features
    image_key = "image" if "image" in features else None
    if image_key is None:
        raise DataError(
            f"TFDS dataset {name!r} has no 'image' feature (features: {list(features)})."
        )
    if with_labels and "label" not in features:
        raise DataError(
            f"with_labels=True but TFDS dataset {name!r} has no 'label' feature "
            f"(features: {list(features)})."
        )
    source_shape = features[image_key].shape
    if size is None and (source_shape[0] is None or source_shape[1] is None):
        raise DataError(
            f"TFDS dataset {name!r} has images of varying size {source_shape}; "
            "pass image_size=."
        )
    if channels is None:
        channels = source_shape[-1]
    ds = builder.as_dataset(split=split, shuffle_files=False)
    count = builder.info.splits[split].num_examples

    def convert(example):
        image = _to_model_image(example[image_key], size, channels, source_shape)
        return (image, tf.cast(example["label"], tf.int32)) if with_labels else image

    # One map for images and labels: a second pass over the TFDS examples
    # for the labels would decode every image twice.
    examples = ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return examples, None, count, channels


# === Folders ===


def list_images(root, split="train"):
    """Image paths and labels of a folder: ``(paths, labels, class_names)``.

    ``root/<split>/<label>/*`` if ``root/<split>`` exists, else
    ``root/<label>/*`` if ``root`` holds only sub-folders, else the flat
    ``root/*``. ``labels`` is None for a flat folder.
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise DataError(f"Image folder {root!r} does not exist or is not a folder.")
    base = os.path.join(root, split) if os.path.isdir(os.path.join(root, split)) else root
    entries = sorted(os.listdir(base))
    subdirs = [e for e in entries if os.path.isdir(os.path.join(base, e))]
    files = [e for e in entries if e.lower().endswith(IMAGE_EXTENSIONS)]
    if subdirs and not files:
        paths, labels = [], []
        for index, label in enumerate(subdirs):
            folder = os.path.join(base, label)
            for f in sorted(os.listdir(folder)):
                if f.lower().endswith(IMAGE_EXTENSIONS):
                    paths.append(os.path.join(folder, f))
                    labels.append(index)
        class_names = subdirs
    else:
        paths, labels, class_names = [os.path.join(base, f) for f in files], None, None
    if not paths:
        raise DataError(
            f"No images ({', '.join(IMAGE_EXTENSIONS)}) found in {base!r}; expected "
            "a flat folder of images or <split>/<label>/<image> sub-folders."
        )
    return paths, labels, class_names


def _check_image(path):
    """Decodes one file fully; returns (height, width, channels) or raises."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.load()
            bands = len(im.getbands())
            if im.mode == "P":
                bands = 4 if "transparency" in im.info else 3
            return im.height, im.width, bands
    except Exception as e:
        raise DataError(f"Cannot read image {path!r}: {e}") from None


def _folder(root, split, size, channels, with_labels):
    paths, labels, _ = list_images(root, split)
    if with_labels and labels is None:
        raise DataError(
            f"with_labels=True but {root!r} is a flat folder; labels need "
            "<split>/<label>/<image> or <label>/<image> sub-folders."
        )
    # Decode every file once up front (threads; PIL frees the GIL while
    # decoding) so a corrupt file is reported by name, not as an anonymous
    # error deep inside fit().
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        shapes = list(pool.map(_check_image, paths))
    bands = {s[2] for s in shapes}
    if channels is None:
        if len(bands) > 1:
            raise DataError(
                f"Images in {root!r} mix channel counts {sorted(bands)}; pass channels=1 or 3."
            )
        channels = min(next(iter(bands)), 3)
    if size is None:
        sizes = {s[:2] for s in shapes}
        if len(sizes) > 1:
            raise DataError(
                f"Images in {root!r} have {len(sizes)} different sizes "
                f"(e.g. {sorted(sizes)[:3]}); pass image_size=."
            )
        size = next(iter(sizes))

    def decode(path):
        image = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
        image.set_shape([None, None, None])
        return _to_model_image(image, size, channels)

    images = tf.data.Dataset.from_tensor_slices(paths).map(
        decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    labels_ds = (
        tf.data.Dataset.from_tensor_slices(np.asarray(labels, np.int32)) if with_labels else None
    )
    return images, labels_ds, len(paths), channels
