"""Scoring a text style transfer (any two-style pair): style accuracy by a
classifier trained on the training text, content by sacreBLEU against the
reference sentence and against the source, PINC and the copy rate, and
fluency as the perplexity under a language model of the target style
(an ``mle_lm`` trained on that style's text, e.g. the
``mle_lm_{ylt,bbe}_fluency`` recipes).

The shipped classifier ``style_ylt_bbe`` (``zoo/eval/weights/``, built by
``python -m zoo.eval.style``) reads YLT vs BBE verses; its test accuracy is
in its ``.json``. Numbers are comparable only with numbers from the same
classifier file (its SHA-256 is in every report).

Example:
    >>> from zoo.eval import style
    >>> judge = style.load("style_ylt_bbe")
    >>> judge.styles
    ['ylt', 'bbe']
    >>> judge.predict(["And he saith unto them, Come ye after me."]).tolist()
    ['ylt']
"""

import argparse
import json
import os

import keras
import numpy as np

from zoo import data as zoo_data
from zoo import text as zoo_text
from zoo.files import atomic_path, sha256, write_json

WEIGHTS_DIR = os.path.join(os.path.dirname(__file__), "weights")
#: name -> the pair it reads, how long to train, the bar it must pass on the test split.
PAIRS = {
    "style_ylt_bbe": {"source": "../shared/datasets/bible_style/ylt_bbe/{split}.{style}.txt",
                      "styles": ["ylt", "bbe"], "min_accuracy": 0.95, "epochs": 2},
}


class StyleClassifier:
    """A CNN over tokens (embedding 64, widths 1-3 x 128 filters, max over
    time) giving P(style b) of a sentence.

    Args:
        model: the Keras network (int ids ``[n, length]`` -> logit ``[n]``).
        vocabulary: its ``zoo.text.Vocabulary``.
        styles: the names of style a (logit < 0) and b (logit > 0).
        length: tokens read per sentence (longer ones are cut).
        info: what its ``.json`` says (accuracy, data, SHA-256).
    """

    def __init__(self, model, vocabulary, styles, length, info=None):
        self.model, self.vocabulary, self.styles, self.length = model, vocabulary, list(styles), int(length)
        self.info = info or {}

    def logits(self, sentences, batch_size=1000):
        sentences = _sentences(sentences)
        ids, _ = self.vocabulary.encode(sentences, self.length)
        return np.concatenate([np.asarray(self.model(ids[i:i + batch_size], training=False)).reshape(-1)
                               for i in range(0, len(ids), batch_size)])

    def predict(self, sentences):
        """The style name of each sentence (numpy array of str)."""
        return np.where(self.logits(sentences) > 0, self.styles[1], self.styles[0])

    def accuracy(self, sentences, style):
        """The share of ``sentences`` classified as ``style``."""
        if style not in self.styles:
            raise ValueError(f"style must be one of {self.styles}, got {style!r}.")
        return float(np.mean(self.predict(sentences) == style))


def _sentences(items):
    if isinstance(items, str) or not hasattr(items, "__len__"):
        raise ValueError(f"expected a list of sentences, got {type(items).__name__}.")
    items = [str(s) for s in items]
    if not items:
        raise ValueError("expected at least one sentence, got none.")
    return items


def network(vocab_size, length, embedding_dim=64, filters=128, widths=(1, 2, 3)):
    tokens = keras.Input((length,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, embedding_dim)(tokens)
    pooled = [keras.layers.GlobalMaxPooling1D()(keras.layers.Conv1D(filters, w, activation="relu")(x)) for w in widths]
    h = keras.layers.Dropout(0.3)(keras.layers.Concatenate()(pooled))
    return keras.Model(tokens, keras.layers.Reshape(())(keras.layers.Dense(1)(h)), name="style_classifier")


def train(source, styles, *, length=32, vocabulary_size=10000, epochs=2, batch_size=128, seed=0, verbose=1):
    """A ``StyleClassifier`` trained on the whole training split of both
    styles (the classifier may read the aligned verses: it is the judge,
    not the model), with its accuracy on the test split in ``info``."""
    keras.utils.set_random_seed(seed)
    lines = {}
    for split in ("train", "test"):
        lines[split] = zoo_data.style_lines(source, styles, split, aligned=True)
    vocabulary = zoo_text.Vocabulary.build(lines["train"][0] + lines["train"][1], max_size=vocabulary_size)

    def xy(split):
        a, b = lines[split]
        ids, _ = vocabulary.encode(a + b, length)
        return ids, np.concatenate([np.zeros(len(a)), np.ones(len(b))]).astype("float32")

    model = network(len(vocabulary), length)
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    x, y = xy("train")
    order = np.random.default_rng(seed).permutation(len(x))
    model.fit(x[order], y[order], epochs=epochs, batch_size=batch_size, verbose=verbose)
    classifier = StyleClassifier(model, vocabulary, styles, length)
    a, b = lines["test"]
    accuracy = (classifier.accuracy(a, styles[0]) * len(a) + classifier.accuracy(b, styles[1]) * len(b)) / (len(a) + len(b))
    classifier.info = {"styles": list(styles), "length": length, "vocabulary": list(vocabulary.words),
                       "test_accuracy": round(float(accuracy), 4), "test_sentences": len(a) + len(b),
                       "train_sentences": len(x), "epochs": epochs, "seed": seed, "source": source}
    return classifier


def save(classifier, name, directory=WEIGHTS_DIR):
    """Writes ``<name>.keras`` and ``<name>.json`` (info + the file's SHA-256)."""
    path = os.path.join(directory, f"{name}.keras")
    # An uncompiled copy: the optimizer's slots would triple the file.
    bare = keras.models.clone_model(classifier.model)
    bare.set_weights(classifier.model.get_weights())
    with atomic_path(path) as tmp:
        bare.save(tmp)
    write_json(os.path.join(directory, f"{name}.json"), {**classifier.info, "sha256": sha256(path)})
    return path


def load(name="style_ylt_bbe", directory=WEIGHTS_DIR):
    """The shipped (or ``directory``'s) classifier ``name``."""
    path = os.path.join(directory, f"{name}.keras")
    if not os.path.isfile(path):
        shipped = sorted(f[:-5] for f in os.listdir(WEIGHTS_DIR) if f.startswith("style_") and f.endswith(".json"))
        raise FileNotFoundError(f"no style classifier {name!r} in {directory}; shipped: {shipped}. "
                                "Build one with `python -m zoo.eval.style`.")
    with open(os.path.join(directory, f"{name}.json"), encoding="utf-8") as f:
        info = json.load(f)
    model = keras.saving.load_model(path, compile=False)
    return StyleClassifier(model, zoo_text.Vocabulary(info["vocabulary"]), info["styles"], info["length"],
                           {k: v for k, v in info.items() if k != "vocabulary"})


# === Content ===


def _pinc(source_tokens, output_tokens, max_n=4):
    """PINC (Chen & Dolan 2011): the mean over n = 1..4 of the share of the
    output's n-grams not in the source; 0 = a copy, 1 = nothing copied."""
    scores = []
    for n in range(1, max_n + 1):
        out = {tuple(output_tokens[i:i + n]) for i in range(len(output_tokens) - n + 1)}
        if not out:
            continue
        src = {tuple(source_tokens[i:i + n]) for i in range(len(source_tokens) - n + 1)}
        scores.append(1.0 - len(out & src) / len(out))
    return float(np.mean(scores)) if scores else 0.0


def content_scores(sources, outputs, references):
    """sacreBLEU (13a tokenizer, lower-cased: our models write lower case)
    of ``outputs`` against ``references`` and against ``sources``
    (self-BLEU), mean PINC, and the share of outputs that equal their
    source (after ``zoo.text.normalize``)."""
    import sacrebleu

    sources, outputs, references = _sentences(sources), _sentences(outputs), _sentences(references)
    if not len(sources) == len(outputs) == len(references):
        raise ValueError(f"sources, outputs and references must pair up, got {len(sources)}, {len(outputs)}, "
                         f"{len(references)} sentences.")
    bleu = sacrebleu.corpus_bleu(outputs, [references], lowercase=True).score
    self_bleu = sacrebleu.corpus_bleu(outputs, [sources], lowercase=True).score
    pinc = np.mean([_pinc(zoo_text.tokenize(s), zoo_text.tokenize(o)) for s, o in zip(sources, outputs)])
    copied = np.mean([zoo_text.normalize(s) == zoo_text.normalize(o) for s, o in zip(sources, outputs)])
    return {"bleu": round(bleu, 2), "self_bleu": round(self_bleu, 2), "pinc": round(float(pinc), 4),
            "copied": round(float(copied), 4)}


def fluency(language_model, sentences, batch_size=1000):
    """How much ``sentences`` read like the text ``language_model`` (an
    ``mle_lm`` trained on one style's sentences, with a vocabulary) was
    trained on: ``{"perplexity", "nats_per_token", "unknown_rate", "cut"}``.

    Each sentence is encoded as the model was trained (its vocabulary,
    unknown words as ``<unk>``, its ``length``: longer sentences are cut and
    lose their end). ``nats_per_token``: the total -log p of every counted
    token (words and the end) over their number, so long sentences weigh
    more; ``perplexity`` = exp of it. ``unknown_rate``: the share of word
    tokens outside the model's vocabulary (read as ``<unk>``: a copied
    word of the other style often is; they are scored as ``<unk>``, which
    the model gives the probability of a rare word). ``cut``: the share of
    sentences cut to the window."""
    sentences = _sentences(sentences)
    words = getattr(language_model, "vocabulary", None)
    if not words:
        raise ValueError(f"fluency needs a language model of words (an mle_lm trained on text, with a vocabulary); "
                         f"got {type(language_model).__name__} over bare ids (vocabulary={words!r}).")
    vocabulary = zoo_text.Vocabulary(words)
    length = int(language_model.length)
    ids, _ = vocabulary.encode(sentences, length)
    per_sentence = np.asarray(language_model.nll(ids, batch_size=batch_size), np.float64)
    counted = np.asarray(language_model.ids.mask(ids), np.float64).sum(axis=1)
    nats = float(np.sum(per_sentence * counted) / np.sum(counted))
    word_tokens = (ids != zoo_text.Vocabulary.PAD) & (ids != zoo_text.Vocabulary.END)
    unknown = float(np.sum(ids == zoo_text.Vocabulary.UNKNOWN) / max(int(np.sum(word_tokens)), 1))
    cut = float(np.mean(~np.any(ids == zoo_text.Vocabulary.END, axis=1)))  # truncated rows have no end
    return {"perplexity": round(float(np.exp(nats)), 2), "nats_per_token": round(nats, 4),
            "unknown_rate": round(unknown, 4), "cut": round(cut, 4)}


def transfer_scores(classifier, sources, outputs, references, target_style):
    """One direction's row: style accuracy of ``outputs`` as
    ``target_style`` plus ``content_scores``."""
    return {"style_accuracy": round(classifier.accuracy(outputs, target_style), 4),
            **content_scores(sources, outputs, references)}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train and ship a style classifier (zoo/eval/weights/).")
    parser.add_argument("name", nargs="?", default="style_ylt_bbe", choices=sorted(PAIRS))
    parser.add_argument("--source", help="the pair's path template (default: the shipped data's)")
    parser.add_argument("--directory", default=WEIGHTS_DIR)
    args = parser.parse_args(argv)
    spec = PAIRS[args.name]
    classifier = train(args.source or spec["source"], spec["styles"], epochs=spec["epochs"], verbose=2)
    accuracy = classifier.info["test_accuracy"]
    if accuracy < spec["min_accuracy"]:
        raise SystemExit(f"{args.name}: test accuracy {accuracy} is below its bar {spec['min_accuracy']}; not saved.")
    print(f"{args.name}: test accuracy {accuracy} on {classifier.info['test_sentences']} sentences; "
          f"wrote {save(classifier, args.name, args.directory)}")


if __name__ == "__main__":
    main()
