"""Text-to-image (GAN-CLS): the shared checks, the model-owned tokenizer, and
string inputs through the SavedModel."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from helpers import build
from tiny import TINY as CASES
from zoo import export
from zoo.models.text2image import Text2Image

TINY = CASES["text2image"].kwargs


def client_tokenize(texts, vocabulary, max_tokens):
    """What a TFLite client does with the vocabulary from metadata.json:
    lower case, drop punctuation, split on spaces, 0 pad / 1 unknown / 2+i."""
    index = {w: i + 2 for i, w in enumerate(vocabulary)}
    out = np.zeros((len(texts), max_tokens), "int32")
    for row, text in enumerate(texts):
        words = "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()
        ids = [index.get(w, 1) for w in words][:max_tokens]
        out[row, : len(ids)] = ids
    return out


def test_documented_client_tokenization_matches_the_model(tmp_path):
    model = build(Text2Image, TINY)
    texts = ["An ANKLE boot!", "a boot for the ankle, in leather", "zebra sandals", "t-shirt",
             "a a a a a a a a a a a"]
    path = export.saved_model(model, str(tmp_path), "t2i")
    meta = json.load(open(os.path.join(path, "metadata.json")))
    vocabulary, max_tokens = meta["config"]["vocabulary"], meta["config"]["max_tokens"]
    np.testing.assert_array_equal(client_tokenize(texts, vocabulary, max_tokens), model.tokenize(np.array(texts)).numpy())
    assert client_tokenize(["zebra"], vocabulary, max_tokens)[0, 0] == 1  # unknown word


def test_text_changes_the_output_and_order_of_words_does_not():
    model = build(Text2Image, TINY)
    latent = model.latents(2, seed=0)
    boot = model.generate(latent=latent, text="an ankle boot")
    assert not np.allclose(boot, model.generate(latent=latent, text="a summer dress"))
    # Bag of words: the mean of the word embeddings ignores order.
    np.testing.assert_allclose(boot, model.generate(latent=latent, text="boot ankle an"), atol=1e-6)


@pytest.mark.parametrize("text, error, message", [
    ("", ValueError, "at least one word"),
    ([" ,; ", "a boot"], ValueError, "at least one word"),
    ([1, 2], TypeError, "must be strings"),
    (["a", "b", "c"], ValueError, "one string or 2 strings"),
    (["a boot", "zebra quantum"], ValueError, "no word of this model's vocabulary"),
])
def test_bad_text_is_a_clear_error(text, error, message):
    with pytest.raises(error, match=message):
        build(Text2Image, TINY).generate(2, text=text)


def test_exported_model_rejects_empty_text(tmp_path):
    model = build(Text2Image, TINY)
    fn = tf.saved_model.load(export.saved_model(model, str(tmp_path), "t2i")).signatures["serving_default"]
    latent = tf.constant(model.latents(2))
    assert fn(latent=latent, text=tf.constant(["a boot", "dress"]))["images"].shape == (2, 28, 28, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least one word"):
        fn(latent=latent, text=tf.constant(["a boot", "!!"]))
    # Words the model does not know are one unknown token: text of only those is refused too.
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least one word of the vocabulary"):
        fn(latent=latent, text=tf.constant(["a boot", "zebra quantum"]))


def test_unknown_words_beside_known_ones_are_named_in_a_warning():
    model = build(Text2Image, TINY)
    with pytest.warns(UserWarning, match=r"2 word\(s\) not in the vocabulary.*quantum, zebra"):
        images = model.generate(2, text=["a zebra boot", "quantum dress"])
    assert images.shape == (2, 28, 28, 1)


def test_fit_on_image_batches_says_what_is_needed():
    model = build(Text2Image, TINY)
    with pytest.raises(ValueError, match="mismatched_text"):
        model.fit(tf.data.Dataset.from_tensors(np.zeros((4, 28, 28, 1), "float32")), verbose=0)
