"""One process of the multi-worker test (``test_multi_worker.py``).

Usage: python multi_worker_job.py MODE INIT_WEIGHTS DATA OUT
  MODE "worker": MultiWorkerMirroredStrategy from TF_CONFIG, zoo.multi_worker.fit
  MODE "single": one process, plain keras fit on the same global batches
Writes the final weights and logs to OUT (.npz).
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zoo import distribute, multi_worker  # noqa: E402
from zoo.models.dcgan import DCGAN  # noqa: E402

TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4)
STEPS, EPOCHS = 3, 2


def main(mode, init_weights, data, out):
    strategy = distribute.make_strategy("multi_worker" if mode == "worker" else "default")
    with strategy.scope():
        model = DCGAN(**TINY)
        model.compile()
    init = np.load(init_weights)
    model.set_weights([init[f"w{i}"] for i in range(len(init.files))])
    batches = np.load(data)["batches"]  # [EPOCHS * STEPS, global_batch, ...]
    dataset = tf.data.Dataset.from_tensor_slices(batches)
    if mode == "worker":
        history = multi_worker.fit(model, dataset, epochs=EPOCHS, steps_per_epoch=STEPS, verbose=0)
    else:
        history = model.fit(dataset, epochs=EPOCHS, steps_per_epoch=STEPS, verbose=0, shuffle=False).history
    weights = {f"w{i}": w.numpy() for i, w in enumerate(model.weights)}
    logs = {f"log_{k}": np.array(v) for k, v in history.items() if k in model.LOSS_NAMES}
    np.savez(out, **weights, **logs, replicas=strategy.num_replicas_in_sync)


if __name__ == "__main__":
    main(*sys.argv[1:5])
