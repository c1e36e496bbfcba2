"""Learning-rate schedules the papers' recipes use."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant for ``constant_steps`` optimizer steps, then linearly down to
    0 over ``decay_steps`` more (CycleGAN: 100 epochs at 2e-4, then 100
    decaying to 0; pix2pix's code does the same). Serializable, so a
    ``.keras`` file or a checkpointed run continues on the same curve.

    Example:
        >>> lr = LinearDecay(2e-4, constant_steps=100, decay_steps=100)
        >>> [round(float(lr(s)), 6) for s in (0, 100, 150, 200, 300)]
        [0.0002, 0.0002, 0.0001, 0.0, 0.0]

    In a recipe: ``[g_optimizer] learning_rate = {class_name = "zoo>LinearDecay",
    config = {initial_learning_rate = 2e-4, constant_steps = 1000, decay_steps = 1000}}``.
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps):
        if float(initial_learning_rate) <= 0 or int(constant_steps) < 0 or int(decay_steps) < 1:
            raise ValueError(
                "LinearDecay needs initial_learning_rate > 0, constant_steps >= 0 and decay_steps >= 1; "
                f"got {initial_learning_rate}, {constant_steps}, {decay_steps}."
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        remaining = 1.0 - (step - self.constant_steps) / self.decay_steps
        return self.initial_learning_rate * ops.clip(remaining, 0.0, 1.0)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_steps": self.constant_steps,
            "decay_steps": self.decay_steps,
        }
