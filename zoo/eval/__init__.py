"""Evaluation: sample quality and mode coverage."""

from zoo.eval import mixtures  # noqa: F401
