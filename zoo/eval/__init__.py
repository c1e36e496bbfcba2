"""Evaluation: FID, KID, IS / classifier score, precision/recall, mode
coverage and memorization (``zoo.eval.evaluate`` runs them all)."""

from zoo.eval import classifiers, conditional, frechet, metrics, mixtures, reference, reports  # noqa: F401
