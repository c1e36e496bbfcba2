"""Samplers the image benchmarks score: ``(n, seed) -> images``, the shape
``zoo.eval.evaluate`` takes.

Every sampler here draws its latents with the model's own
``model.latents(n, seed)`` (the draw ``model.generate(n, seed=seed)``
makes), so a row that scores one network on a seed and a row that scores
another on the same seed see the same latents, and the stored average's
row equals what ``generate`` and the exports produce.
"""

import os

import numpy as np


def load_run(path):
    """``(model, dataset)``: a trained run's ``model.keras`` (``path``) and
    the data source its ``recipe.json`` beside it names."""
    from zoo import files

    recipe = os.path.join(os.path.dirname(path), "recipe.json")
    if not os.path.exists(recipe):
        raise FileNotFoundError(f"{path} is scored against its run's dataset, named in {recipe}; no such file "
                                "(give the model.keras of a gan-zoo train work directory).")
    return files.load_model(path), files.read_json(recipe)["data"]["source"]


def network_sampler(model, network, training=False, batch_size=256):
    """``(n, seed) -> images`` of ``network`` (one of ``model``'s generators,
    or a copy of one) on ``model.latents(n, seed)``, ``batch_size`` at a
    time; ``training=True`` runs batch norm on each batch's statistics."""

    def generate(n, seed=0):
        z = model.latents(n, seed)
        return np.concatenate([np.asarray(network(z[i:i + batch_size], training=training), "float32")
                               for i in range(0, n, batch_size)])

    return generate


def truncated_sampler(model, threshold):
    """``(n, seed) -> model.generate(n, seed=seed, truncation=threshold)``
    (``None``: no truncation): the network ``generate`` uses (the average
    with ``ema_decay``), each latent component beyond ``threshold``
    redrawn."""

    def generate(n, seed=0):
        return model.generate(n, seed=seed, truncation=threshold)

    return generate
