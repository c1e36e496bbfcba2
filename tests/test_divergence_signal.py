"""The notes' claim, measured small: once real and fake stop overlapping, the
optimal classic discriminator's JS estimate is stuck at log 2 whatever the
distance, while a WGAN-GP critic's estimate grows with it
(benchmarks/js_vs_wasserstein.py is the full version)."""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import js_vs_wasserstein  # noqa: E402


def test_js_is_flat_and_wasserstein_grows():
    result = js_vs_wasserstein.signal(distances=(0.0, 1.0, 2.0, 4.0), steps=300)
    js, w = result["js"], result["wasserstein"]
    assert abs(js[0]) < 0.05 and abs(w[0]) < 0.1  # same distribution: both ~0
    for value in js[1:]:
        assert abs(value - math.log(2)) < 0.02, js
    assert w[1] > 0.7 and w[2] > w[1] + 0.7 and w[3] > w[2] + 1.5, w
