"""Text for the sequence models: tokenization round trip on the real BBE
verses, deterministic ids, the end / padding / truncation layout, errors."""

import doctest
import os

import numpy as np
import pytest

from helpers import SHARED
from zoo import text
from zoo.text import Vocabulary

BBE_TRAIN = os.path.join(SHARED, "datasets", "bible_style", "ylt_bbe", "train.bbe.txt")


def test_the_docstring_examples():
    assert doctest.testmod(text).failed == 0


def test_real_verses_round_trip_through_ids():
    """Every test verse of the BBE side, encoded with the vocabulary of the
    training verses and decoded, reads as the verse itself (normalized:
    lower case); only words outside the vocabulary come back as <unk>."""
    train = text.read_lines(BBE_TRAIN)
    vocab = Vocabulary.build(train)
    test = text.read_lines(BBE_TRAIN.replace("train", "test"))
    ids, kept = vocab.encode(test, length=200, longer="drop")
    assert len(kept) == len(test)  # no verse is 200 tokens long
    decoded = vocab.decode(ids)
    unknown = sum("<unk>" in d for d in decoded)
    assert unknown < 0.25 * len(test)  # 324 of 1,835 verses (names seen only in test), measured
    same = [d == text.normalize(t) for d, t in zip(decoded, test) if "<unk>" not in d]
    assert all(same) and len(same) > 1400
    # The normalization keeps the verse: only case changes.
    verse = "And he said to them, Is it still not clear to you?"
    assert text.normalize(verse) == verse.lower()


def test_ids_follow_frequency_and_are_deterministic():
    lines = ["b a a", "c b a", "d"]
    vocab = Vocabulary.build(lines)
    assert vocab.tokens[:4] == ["<pad>", "<s>", "</s>", "<unk>"]
    assert vocab.words == ["a", "b", "c", "d"]  # 3, 2, 1, 1 (tie: alphabetical)
    assert Vocabulary.build(list(reversed(lines))).words == vocab.words
    assert Vocabulary.build(lines, min_count=2).words == ["a", "b"]
    assert Vocabulary.build(lines, max_size=6).words == ["a", "b"]
    again = Vocabulary.from_config(vocab.get_config())
    assert again.tokens == vocab.tokens


def test_end_padding_truncation_and_drop():
    vocab = Vocabulary(["a", "b", "."])
    ids, kept = vocab.encode(["a b .", "a zebra", "b a b a b"], length=5)
    np.testing.assert_array_equal(ids, [[4, 5, 6, 2, 0], [4, 3, 2, 0, 0], [5, 4, 5, 4, 5]])
    np.testing.assert_array_equal(kept, [0, 1, 2])
    assert vocab.decode(ids) == ["a b.", "a <unk>", "b a b a b"]
    dropped, kept = vocab.encode(["a b .", "a zebra", "b a b a b", "a b a b"], length=5, longer="drop")
    np.testing.assert_array_equal(kept, [0, 1, 3])  # "a b a b" + end fits exactly
    assert dropped.shape == (3, 5) and dropped[2, -1] == Vocabulary.END


def test_errors_say_what_was_expected(tmp_path):
    with pytest.raises(ValueError, match=r"special tokens, found \['</s>'\]"):
        Vocabulary(["a", "</s>"])
    with pytest.raises(ValueError, match=r"unique, repeated: \['a'\]"):
        Vocabulary(["a", "b", "a"])
    vocab = Vocabulary(["a"])
    with pytest.raises(ValueError, match="longer must be 'truncate' or 'drop', got 'cut'"):
        vocab.encode(["a"], length=4, longer="cut")
    with pytest.raises(ValueError, match="length must be a whole number >= 2, got 1"):
        vocab.encode(["a"], length=1)
    with pytest.raises(ValueError, match=r"ids must be in \[0, 5\), got \[0, 7\]"):
        vocab.decode([[0, 7]])
    with pytest.raises(ValueError, match=r"ids must be ints of shape \[n, length\]"):
        vocab.decode([1, 2])
    with pytest.raises(FileNotFoundError, match="one sentence per line"):
        text.read_lines(str(tmp_path / "none.txt"))
    (tmp_path / "empty.txt").write_text("\n  \n")
    with pytest.raises(ValueError, match="no non-empty line"):
        text.read_lines(str(tmp_path / "empty.txt"))
