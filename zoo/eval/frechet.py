"""The Frechet distance between Gaussians fitted to two feature sets (FID).

    d^2 = ||mu_1 - mu_2||^2 + tr(S_1) + tr(S_2) - 2 tr((S_1 S_2)^{1/2})

``S_1 S_2`` is similar to the symmetric positive semi-definite matrix
``M = S_1^{1/2} S_2 S_1^{1/2}``, so ``tr((S_1 S_2)^{1/2})`` is the sum of the
square roots of ``M``'s eigenvalues. Two symmetric eigendecompositions in
float64 (``eigh`` for ``S_1^{1/2}``, ``eigvalsh`` for ``M``) replace the
general matrix square root (``scipy.linalg.sqrtm``, a Schur decomposition
in complex arithmetic) that most FID code uses; the result is real by
construction, with no imaginary part to discard.
"""

import numpy as np


def feature_statistics(features):
    """Mean and covariance (float64, unbiased) of ``[n, d]`` features."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"features must have shape [n, d], got {features.shape}.")
    if features.shape[0] < 2:
        raise ValueError(f"need at least 2 feature vectors for a covariance, got {features.shape[0]}.")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _symmetric_sqrt(matrix):
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def trace_sqrt_product(sigma1, sigma2):
    """``tr((sigma1 sigma2)^{1/2})`` for symmetric PSD ``sigma1``, ``sigma2``."""
    root = _symmetric_sqrt(np.asarray(sigma1, dtype=np.float64))
    middle = root @ np.asarray(sigma2, dtype=np.float64) @ root
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Squared Frechet distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(
            "expected means of shape [d] and covariances of shape [d, d] for the same d, got "
            f"{mu1.shape}, {sigma1.shape}, {mu2.shape}, {sigma2.shape}."
        )
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    return float(max(value, 0.0))


def frechet_distance_from_features(features1, features2):
    """FID-style distance between two ``[n, d]`` feature sets."""
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2))
