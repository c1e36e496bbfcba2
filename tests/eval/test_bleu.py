"""Texygen BLEU / self-BLEU (zoo.eval.bleu) on cases worked by hand."""

import math

import numpy as np
import pytest

from zoo.eval import bleu
from zoo.text import Vocabulary


def test_bleu_of_a_hand_worked_sentence():
    # "a b c d" vs "a b x d": unigrams 3/4 match, bigrams 1/3 (a b only), same length.
    scores = bleu.bleu(["a b c d"], ["a b x d"], orders=(1, 2))
    assert scores["bleu1"] == pytest.approx(0.75)
    assert scores["bleu2"] == pytest.approx(math.sqrt(0.75 * (1 / 3)))


def test_bleu_clips_by_the_best_reference_and_averages_hypotheses():
    refs = ["a b c d", "w x y z"]
    # Each hypothesis equals one reference: 1 at every order up to its length, whichever reference it is.
    assert bleu.bleu(["w x y z", "a b c d"], refs, orders=(2, 3, 4)) == pytest.approx(
        {"bleu2": 1.0, "bleu3": 1.0, "bleu4": 1.0})
    # A repeated word counts only as often as one reference holds it: "a a a a" has 1 of 4 unigrams.
    assert bleu.bleu(["a a a a"], refs, orders=(1,))["bleu1"] == pytest.approx(0.25)
    # The mean over hypotheses: a perfect one and an empty one.
    assert bleu.bleu(["a b c d", ""], refs, orders=(1,))["bleu1"] == pytest.approx(0.5)


def test_bleu_brevity_penalty_uses_the_closest_reference_length():
    # 2 matching tokens against a 4-token reference: precision 1, BP = exp(1 - 4/2).
    assert bleu.bleu(["a b"], ["a b c d"], orders=(1,))["bleu1"] == pytest.approx(math.exp(-1.0))
    # With a 2-token reference in the set, no penalty.
    assert bleu.bleu(["a b"], ["a b c d", "a b"], orders=(1,))["bleu1"] == pytest.approx(1.0)


def test_self_bleu_high_for_repeats_low_for_distinct_samples():
    assert bleu.self_bleu(["the lord said", "the lord said", "the lord said"], orders=(2, 3)) == pytest.approx(
        {"bleu2": 1.0, "bleu3": 1.0})
    assert bleu.self_bleu(["a b c", "d e f", "g h i"], orders=(2,))["bleu2"] == 0.0
    # Each sample is left out of its own references: two distinct samples share nothing.
    assert bleu.self_bleu(["a b c", "d e f"], orders=(1,))["bleu1"] == 0.0
    # limit scores only the first samples (against all the others).
    assert bleu.self_bleu(["a b", "a b", "c d"], orders=(1,), limit=1)["bleu1"] == pytest.approx(1.0)


def test_token_lists_match_decode():
    vocab = Vocabulary.build(["the lord said, go.", "go to the city"])
    ids, _ = vocab.encode(["the lord said, go.", "go to the moon"], length=8)
    lists = vocab.token_lists(ids)
    assert lists == [["the", "lord", "said", ",", "go", "."], ["go", "to", "the", "<unk>"]]
    assert vocab.decode(ids) == ["the lord said, go.", "go to the <unk>"]
    # An unknown token stays one token (tokenizing "<unk>" would give three).
    assert bleu.bleu([lists[1]], [["go", "to", "the", "<unk>"]], orders=(4,))["bleu4"] == pytest.approx(1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: bleu.bleu([], ["a"]), "hypotheses is empty"),
    (lambda: bleu.bleu("a b", ["a"]), "list of sentences"),
    (lambda: bleu.bleu(["a"], [""]), "every reference is empty"),
    (lambda: bleu.bleu(["a"], ["a"], orders=(0,)), "orders must be whole numbers"),
    (lambda: bleu.self_bleu(["a"]), "at least 2 samples"),
    (lambda: bleu.self_bleu(["a", "b"], limit=3), "limit must be in"),
])
def test_bad_input_says_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_orders_accept_numpy_ints():
    assert set(bleu.bleu(["a b"], ["a b"], orders=np.array([1, 2]))) == {"bleu1", "bleu2"}
