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
