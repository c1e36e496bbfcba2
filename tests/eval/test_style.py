"""zoo.eval.style: the shipped YLT / BBE classifier reads real verses,
content scores of a copy and of a hand-counted PINC case, bad input."""

import json
import os

import pytest

from helpers import SHARED
from zoo import text as zoo_text
from zoo.eval import style

TEST = os.path.join(SHARED, "datasets", "bible_style", "ylt_bbe", "test.{}.txt")


def test_the_shipped_classifier_tells_the_styles_apart_on_test_verses():
    judge = style.load("style_ylt_bbe")
    with open(os.path.join(style.WEIGHTS_DIR, "style_ylt_bbe.json"), encoding="utf-8") as f:
        assert json.load(f)["test_accuracy"] >= style.PAIRS["style_ylt_bbe"]["min_accuracy"]
    ylt, bbe = (zoo_text.read_lines(TEST.format(s))[:300] for s in ("ylt", "bbe"))
    assert judge.accuracy(ylt, "ylt") > 0.95 and judge.accuracy(bbe, "bbe") > 0.95
    with pytest.raises(ValueError, match="style must be one of"):
        judge.accuracy(ylt, "kjv")


def test_content_scores_of_a_copy_and_of_a_hand_counted_case():
    sources = ["and he saith unto them", "the lord is my shepherd"]
    copy = style.content_scores(sources, sources, ["and he said to them", "the lord is my keeper"])
    assert copy["self_bleu"] == pytest.approx(100.0) and copy["copied"] == 1.0 and copy["pinc"] == 0.0
    # PINC of "a b d" from "a b c": new 1-grams 1/3, 2-grams 1/2, 3-grams 1/1 (no 4-grams).
    assert style._pinc(["a", "b", "c"], ["a", "b", "d"]) == pytest.approx((1 / 3 + 1 / 2 + 1) / 3)
    with pytest.raises(ValueError, match="must pair up"):
        style.content_scores(sources, sources[:1], sources)
    with pytest.raises(FileNotFoundError, match="no style classifier .style_nope."):
        style.load("style_nope")


def _uniform_language_model(words, length, favourite=None, bias=0.0):
    """A tiny ``mle_lm`` whose next-token distribution ignores the prefix:
    zero output kernel, so its logits are the output bias alone (``bias`` on
    ``favourite``'s id, 0 elsewhere; padding and the start banned)."""
    import numpy as np

    import zoo

    model = zoo.get("mle_lm", vocabulary=words, length=length, embedding_dim=4, hidden_dim=4)
    dense = model.sampler.output_layer
    kernel, offsets = (np.zeros(w.shape, "float32") for w in dense.get_weights())
    if favourite is not None:
        offsets[zoo_text.Vocabulary(words).tokens.index(favourite)] = bias
    dense.set_weights([kernel, offsets])
    return model


def test_fluency_is_the_language_models_perplexity_per_token_counted_by_hand():
    import math

    words = ["the", "lord", "said", "."]
    # Ids: pad, start (both never drawn), end, unknown, 4 words: 6 drawable.
    flat = style.fluency(_uniform_language_model(words, 6), ["the lord said.", "lord"])
    assert flat["perplexity"] == pytest.approx(6.0, rel=1e-4)
    assert flat["nats_per_token"] == pytest.approx(math.log(6.0), rel=1e-4)

    # "the" at bias 2: p(the) = e^2 / (e^2 + 5), any other token 1 / (e^2 + 5).
    # "the the the" counts 3 x the + the end; "lord" counts lord + the end:
    # the per-token mean over all 6 tokens, not the mean of the 2 sentences.
    model = _uniform_language_model(words, 6, favourite="the", bias=2.0)
    z = math.exp(2.0) + 5.0
    nats = (3 * -math.log(math.exp(2.0) / z) + 3 * -math.log(1.0 / z)) / 6
    scores = style.fluency(model, ["the the the", "lord"])
    assert scores["nats_per_token"] == pytest.approx(nats, rel=1e-4)
    assert scores["perplexity"] == pytest.approx(math.exp(nats), rel=1e-3)
    assert scores["unknown_rate"] == 0.0 and scores["cut"] == 0.0

    # Unknown words are counted: "zebra", 1 of the 10 word tokens read (4, and
    # the 6 the window keeps of the second sentence, which is cut: 1 of 2).
    rough = style.fluency(model, ["the zebra said.", "the lord said the lord said."])
    assert rough["unknown_rate"] == pytest.approx(1 / 10) and rough["cut"] == 0.5


def test_fluency_refuses_a_model_without_words_and_empty_input():
    import zoo

    ids_only = zoo.get("mle_lm", vocab_size=20, length=6, embedding_dim=4, hidden_dim=4)
    with pytest.raises(ValueError, match="needs a language model of words"):
        style.fluency(ids_only, ["the lord said."])
    with pytest.raises(ValueError, match="at least one sentence"):
        style.fluency(_uniform_language_model(["the"], 4), [])
