"""Evaluation: FID, KID, IS / classifier score, precision/recall, mode
coverage and memorization (``zoo.eval.evaluate`` runs them all); the
classifier two-sample test, which needs no pretrained network
(``zoo.eval.two_sample``); BLEU / self-BLEU of text samples
(``zoo.eval.bleu``)."""

from zoo.eval import bleu, classifiers, conditional, frechet, metrics, mixtures, reference, reports, two_sample  # noqa: F401
