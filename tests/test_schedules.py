"""zoo.schedules: CycleGAN's constant-then-linear learning rate."""

import keras
import numpy as np
import pytest

from zoo.schedules import LinearDecay


def test_linear_decay_is_constant_then_linear_to_zero():
    lr = LinearDecay(2e-4, constant_steps=10, decay_steps=4)
    got = [float(lr(step)) for step in (0, 9, 10, 11, 12, 13, 14, 100)]
    np.testing.assert_allclose(got, [2e-4, 2e-4, 2e-4, 1.5e-4, 1e-4, 0.5e-4, 0.0, 0.0], atol=1e-10)


def test_linear_decay_survives_an_optimizer_config_round_trip():
    # What a recipe's [g_optimizer] table and a .keras file go through.
    spec = {"class_name": "Adam", "config": {"beta_1": 0.5, "learning_rate": {
        "class_name": "zoo>LinearDecay", "config": {"initial_learning_rate": 1e-3, "constant_steps": 2, "decay_steps": 2}}}}
    optimizer = keras.optimizers.get(spec)
    clone = keras.optimizers.Adam.from_config(optimizer.get_config())
    assert isinstance(clone._learning_rate, LinearDecay)
    assert clone._learning_rate.get_config() == {"initial_learning_rate": 1e-3, "constant_steps": 2, "decay_steps": 2}
    optimizer.iterations.assign(3)
    assert np.isclose(float(optimizer.learning_rate), 0.5e-3)


def test_bad_schedules_are_clear_errors():
    with pytest.raises(ValueError, match="decay_steps >= 1"):
        LinearDecay(2e-4, constant_steps=10, decay_steps=0)
