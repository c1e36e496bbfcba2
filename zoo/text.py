"""Text for the sequence models: lines -> words -> a vocabulary -> fixed-length
token ids with start / end / padding, and back.

    vocab = Vocabulary.build(read_lines("train.bbe.txt"), max_size=5000)
    ids, kept = vocab.encode(lines, length=20, longer="drop")   # int32 [n, 20]
    vocab.decode(ids[:2])                                        # two sentences

Words are lower-cased runs of letters and digits (with an apostrophe
suffix, ``lord's``); every other visible character is a token of its own,
so punctuation is modelled and ``detokenize`` puts it back against the
word before it. Ids: 0 padding, 1 start, 2 end, 3 unknown, then the words
by falling frequency (ties alphabetical: the same corpus gives the same
ids). The vocabulary is plain data (``get_config``), stored in a model's
config the way ``text2image`` stores its own.
"""

import collections
import os
import re

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
#: Tokens written against the word before them / the word after them.
NO_SPACE_BEFORE = frozenset(",.;:!?)]'")
NO_SPACE_AFTER = frozenset("([")


def tokenize(line):
    """Lower-cased words and single punctuation tokens of ``line``."""
    return _TOKEN.findall(str(line).lower())


def detokenize(tokens):
    """Tokens joined back into a sentence: ``tokenize``'s inverse on
    ``normalize``d text."""
    out = ""
    for token in tokens:
        if out and token not in NO_SPACE_BEFORE and out[-1] not in NO_SPACE_AFTER:
            out += " "
        out += token
    return out


def normalize(line):
    """The text ``decode`` gives back for ``line`` (lower case, punctuation
    against the word before it)."""
    return detokenize(tokenize(line))


def read_lines(path):
    """The non-empty lines of a UTF-8 text file, stripped."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no text file {path!r}: expected one sentence per line.")
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    if not lines:
        raise ValueError(f"{path!r} has no non-empty line.")
    return lines


class Vocabulary:
    """Words <-> ids, with the four special ids first.

    Args:
        words: the vocabulary words, most frequent first (no duplicates, no
            special token).

    Example:
        >>> vocab = Vocabulary.build(["the cat sat.", "the dog sat!"])
        >>> ids, _ = vocab.encode(["the dog sat."], length=6)
        >>> ids.tolist(), vocab.decode(ids)
        ([[5, 9, 4, 7, 2, 0]], ['the dog sat.'])
    """

    SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")
    PAD, START, END, UNKNOWN = 0, 1, 2, 3

    def __init__(self, words):
        words = [str(w) for w in words]
        clash = sorted(set(words) & set(self.SPECIALS))
        if clash:
            raise ValueError(f"vocabulary words may not be special tokens, found {clash}.")
        if len(set(words)) != len(words):
            repeated = sorted(w for w, c in collections.Counter(words).items() if c > 1)
            raise ValueError(f"vocabulary words must be unique, repeated: {repeated[:10]}.")
        self.words = words
        self.tokens = list(self.SPECIALS) + words
        self._ids = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, lines, max_size=None, min_count=1):
        """The words of ``lines`` seen at least ``min_count`` times, the
        ``max_size`` most frequent (ids included: specials count)."""
        counts = collections.Counter(token for line in lines for token in tokenize(line))
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        if max_size is not None:
            if int(max_size) <= len(cls.SPECIALS):
                raise ValueError(f"max_size must exceed the {len(cls.SPECIALS)} special ids, got {max_size!r}.")
            words = words[: int(max_size) - len(cls.SPECIALS)]
        return cls(words)

    def __len__(self):
        return len(self.tokens)

    def get_config(self):
        return {"words": list(self.words)}

    @classmethod
    def from_config(cls, config):
        return cls(config["words"])

    def encode(self, lines, length, longer="truncate"):
        """``(ids int32 [n, length], kept)``: each line's word ids, then the
        end id, then padding. A line of ``length`` tokens or more has no room
        for its end: ``longer="truncate"`` keeps its first ``length`` tokens
        (no end id: it runs past the window), ``"drop"`` leaves it out;
        ``kept`` is the index of each row's line in ``lines``."""
        if longer not in ("truncate", "drop"):
            raise ValueError(f"longer must be 'truncate' or 'drop', got {longer!r}.")
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 2:
            raise ValueError(f"length must be a whole number >= 2, got {length!r}.")
        rows, kept = [], []
        for i, line in enumerate(lines):
            ids = [self._ids.get(token, self.UNKNOWN) for token in tokenize(line)] + [self.END]
            if len(ids) > length:
                if longer == "drop":
                    continue
                ids = ids[:length]
            rows.append(ids + [self.PAD] * (length - len(ids)))
            kept.append(i)
        return np.array(rows, np.int32).reshape(len(rows), length), np.array(kept, np.int64)

    def decode(self, ids):
        """Sentences of id rows ``[n, length]``: up to the first end id,
        padding and start ids skipped, unknown words as ``<unk>``."""
        return [detokenize(tokens) for tokens in self.token_lists(ids)]

    def token_lists(self, ids):
        """The tokens ``decode`` joins, one list per row (what BLEU counts)."""
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(f"ids must be ints of shape [n, length], got {ids.dtype} of shape {ids.shape}.")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must be in [0, {len(self)}), got [{ids.min()}, {ids.max()}].")
        rows = []
        for row in ids:
            tokens = []
            for i in row:
                if i == self.END:
                    break
                if i not in (self.PAD, self.START):
                    tokens.append(self.tokens[i])
            rows.append(tokens)
        return rows
