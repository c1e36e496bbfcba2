"""zoo.eval.mixtures: mode coverage and sample quality on known point sets."""

import numpy as np

from zoo.eval import mixtures


def test_true_samples_cover_every_mode():
    for centers, std in ((mixtures.ring_centers(), mixtures.RING_STD), (mixtures.grid_centers(), mixtures.GRID_STD)):
        stats = mixtures.mode_stats(mixtures.sample(centers, std, 2500, seed=0), centers, std)
        assert stats["modes_covered"] == len(centers)
        # Within 3 std in 2-D: 1 - exp(-4.5) = 98.9% of a Gaussian's mass.
        assert abs(stats["high_quality"] - (1 - np.exp(-4.5))) < 0.01


def test_a_collapsed_generator_is_caught():
    centers = mixtures.ring_centers()
    collapsed = mixtures.sample(centers[:3], mixtures.RING_STD, 2500, seed=1)
    stats = mixtures.mode_stats(collapsed, centers, mixtures.RING_STD)
    assert stats["modes_covered"] == 3 and stats["high_quality"] > 0.95


def test_blurry_samples_are_low_quality_and_sparse_modes_do_not_count():
    centers = mixtures.ring_centers()
    blurry = mixtures.sample(centers, 0.5, 2500, seed=2)  # 25x the modes' std
    assert mixtures.mode_stats(blurry, centers, mixtures.RING_STD)["high_quality"] < 0.05
    few = np.concatenate([mixtures.sample(centers[:1], mixtures.RING_STD, 2490, seed=3), centers[1:2].repeat(10, 0)])
    assert mixtures.mode_stats(few, centers, mixtures.RING_STD)["modes_covered"] == 1  # 10 < 20 samples


def test_grid_geometry():
    grid = mixtures.grid_centers()
    assert grid.shape == (25, 2) and grid.min() == -4 and grid.max() == 4
    ring = mixtures.ring_centers()
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 2.0, rtol=1e-6)
