"""2-D mixtures of Gaussians, the standard mode-collapse probe.

The 8-Gaussian ring (radius 2, std 0.02) and the 5x5 grid (spacing 2, std
0.05) follow the settings of VEEGAN (Srivastava et al. 2017) and PacGAN
(Lin et al. 2018). A mode counts as covered when at least ``min_count`` of
the samples (20 of 2,500 in PacGAN) lie within 3 standard deviations of it;
a sample is high quality when it lies within 3 standard deviations of some
mode.
"""

import numpy as np

RING_STD = 0.02
GRID_STD = 0.05


def ring_centers(modes=8, radius=2.0):
    angles = 2 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).astype("float32")


def grid_centers(side=5, spacing=2.0):
    coords = (np.arange(side) - (side - 1) / 2) * spacing
    return np.array([(x, y) for x in coords for y in coords], dtype="float32")


def sample(centers, std, n, seed=0):
    """``n`` points from the equal-weight mixture of ``N(center, std^2 I)``."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(centers), n)
    return (centers[picks] + std * rng.standard_normal((n, 2))).astype("float32")


def mode_stats(points, centers, std, min_count=None):
    """Returns ``{"modes_covered", "modes", "high_quality"}`` for ``points``.

    Args:
        points: ``[n, 2]`` samples.
        centers: ``[k, 2]`` mode centres.
        std: the modes' standard deviation.
        min_count: samples a mode needs to count as covered; default
            ``max(1, round(20 * n / 2500))`` (PacGAN's 20 per 2,500).
    """
    points = np.asarray(points, dtype="float64").reshape(-1, 2)
    if min_count is None:
        min_count = max(1, round(20 * len(points) / 2500))
    distances = np.linalg.norm(points[:, None, :] - centers[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    close = distances[np.arange(len(points)), nearest] <= 3 * std
    counts = np.bincount(nearest[close], minlength=len(centers))
    return {
        "modes_covered": int((counts >= min_count).sum()),
        "modes": len(centers),
        "high_quality": float(close.mean()),
    }
