"""Evaluation: FID, KID, IS / classifier score, precision/recall, mode
coverage and memorization (``zoo.eval.evaluate`` runs them all); BLEU /
self-BLEU of text samples (``zoo.eval.bleu``)."""

from zoo.eval import bleu, classifiers, conditional, frechet, metrics, mixtures, reference, reports  # noqa: F401
