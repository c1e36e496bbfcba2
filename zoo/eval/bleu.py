"""BLEU of generated text against a corpus, by NLTK: the protocol of the
text-GAN papers (Texygen; Zhu et al. 2018).

``bleu``: every hypothesis is scored as one sentence against the whole
reference corpus (all references at once: n-gram counts clipped by their
most frequent use in any one reference, brevity by the closest reference
length), BLEU-n with uniform weights over 1..n-grams and NLTK's smoothing
``method1`` (Texygen's), then averaged over hypotheses: quality.
``self_bleu``: every sample against all the other samples: high means the
samples repeat each other (diversity lost). Both take token lists
(``zoo.text.tokenize``, ``Vocabulary.token_lists``) or strings (tokenized
with ``zoo.text.tokenize``).

Not corpus BLEU of a translation (``sacrebleu``): there each hypothesis has
its own reference.
"""

import numpy as np

from zoo import text as zoo_text

ORDERS = (2, 3, 4, 5)


def _token_lists(name, items):
    if isinstance(items, str) or not hasattr(items, "__len__"):
        raise ValueError(f"{name} must be a list of sentences (strings or token lists), got {type(items).__name__}.")
    out = [zoo_text.tokenize(item) if isinstance(item, str) else [str(t) for t in item] for item in items]
    if not out:
        raise ValueError(f"{name} is empty: expected at least one sentence.")
    return out


def _orders(orders):
    orders = tuple(orders)
    if not orders or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in orders):
        raise ValueError(f"orders must be whole numbers >= 1, got {orders!r}.")
    return orders


def _mean_scores(hypotheses, references_of, orders):
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    weights = [tuple([1.0 / n] * n) for n in orders]
    smoothing = SmoothingFunction().method1
    totals = np.zeros(len(orders))
    for i, hypothesis in enumerate(hypotheses):
        if hypothesis:  # an empty sentence shares nothing: 0 (NLTK would warn)
            totals += sentence_bleu(references_of(i), hypothesis, weights=weights, smoothing_function=smoothing)
    return {f"bleu{n}": float(total / len(hypotheses)) for n, total in zip(orders, totals)}


def bleu(hypotheses, references, orders=ORDERS):
    """``{"bleu2": ..., "bleu5": ...}``: mean sentence BLEU-n of each
    hypothesis against all ``references``."""
    hypotheses, references = _token_lists("hypotheses", hypotheses), _token_lists("references", references)
    references = [r for r in references if r]
    if not references:
        raise ValueError("every reference is empty: expected at least one with a token.")
    return _mean_scores(hypotheses, lambda i: references, _orders(orders))


def self_bleu(samples, orders=ORDERS, limit=None):
    """``{"bleu2": ...}``: mean BLEU-n of each sample (the first ``limit``,
    default all) against all the other samples."""
    samples = _token_lists("samples", samples)
    if len(samples) < 2:
        raise ValueError(f"self-BLEU needs at least 2 samples, got {len(samples)}.")
    count = len(samples) if limit is None else int(limit)
    if not 1 <= count <= len(samples):
        raise ValueError(f"limit must be in [1, {len(samples)}], got {limit!r}.")
    return _mean_scores(samples[:count], lambda i: samples[:i] + samples[i + 1:], _orders(orders))
