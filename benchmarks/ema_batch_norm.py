"""Does the generator's moving average need its own batch-norm statistics?

``ema_decay`` averages G's trainable weights and copies the batch-norm
moving statistics from the trained G (``AdversarialModel._move_averages``).
The averaged weights are not the ones those statistics were gathered under,
so the average might sample worse than it could. This scores one trained
run's generators three ways on the same latents:

- ``stored``: the statistics the network holds (what ``generate`` and the
  exports use);
- ``batch``: batch statistics of each 250-sample batch (training mode);
- ``recalibrated``: "standing statistics" (Brock et al. 2019): cumulative
  means of the statistics over ``--batches`` fresh batches of latents, then
  inference mode.

Every row draws its latents with ``model.latents`` (``sampling.py``: the
draw of ``model.generate``), so the average's stored row is what
``generate`` and the exports give. Each with ``zoo.eval.evaluate`` on
``-n`` samples against the test split and the shipped classifier's
features, for the trained G and, with ``ema_decay``, the average.

    python benchmarks/training_options.py --variants ema5="train.epochs=5"   # the run scored in the README
    python benchmarks/ema_batch_norm.py runs/options_dcgan_mnist_ema5/model.keras
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

MODES = ("stored", "batch", "recalibrated")
RECALIBRATION_SEED = 12345


def batch_norm_layers(network):
    import keras

    return [layer for layer in network._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


def trainable_copy(network):
    """A copy whose batch norm can run in training mode (Keras runs a
    non-trainable BatchNormalization in inference mode whatever ``training``
    says, and the average is built non-trainable)."""
    import keras

    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    for layer in copy._flatten_layers():
        layer.trainable = True
    return copy


def recalibrate(network, latent_batches):
    """A copy of ``network`` whose batch-norm moving statistics are the mean,
    over ``latent_batches``, of each batch's statistics (momentum
    (i - 1) / i at batch i: a cumulative average, not an exponential one)."""
    copy = trainable_copy(network)
    layers = batch_norm_layers(copy)
    if not layers:
        raise ValueError(f"{network.name} has no batch normalization to recalibrate.")
    momenta = [layer.momentum for layer in layers]
    for i, latents in enumerate(latent_batches, start=1):
        for layer in layers:
            layer.momentum = (i - 1) / i
        copy(latents, training=True)
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum
    return copy


def sampler(model, network, mode, batches=100, batch_size=256):
    """``(n, seed) -> images`` of ``network`` (one of ``model``'s generators)
    with the statistics of ``mode``, on ``model.latents(n, seed)``; the
    recalibration runs over ``model.latents(batch_size, seed)`` for seeds
    ``RECALIBRATION_SEED + i``, apart from every scored seed."""
    from sampling import network_sampler

    if mode == "batch":
        network = trainable_copy(network)
    elif mode == "recalibrated":
        network = recalibrate(network, (model.latents(batch_size, RECALIBRATION_SEED + i) for i in range(batches)))
    elif mode != "stored":
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
    return network_sampler(model, network, training=mode == "batch", batch_size=250)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a trained image GAN's model.keras")
    parser.add_argument("-n", type=int, default=10_000, help="samples scored per row")
    parser.add_argument("--batches", type=int, default=100, help="latent batches of 256 for the recalibration")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "ema_batch_norm.json"))
    args = parser.parse_args(argv)

    from likelihood_models import cpu
    from sampling import load_run
    from zoo import files
    from zoo.eval import evaluate

    model, dataset = load_run(args.model)
    networks = {"trained": model.generator}
    if getattr(model, "ema_decay", None):
        networks["average"] = model.generator_ema
    rows = []
    for name, network in networks.items():
        for mode in MODES:
            start = time.perf_counter()
            report = evaluate.evaluate(sampler(model, network, mode, args.batches), dataset, n=args.n,
                                       memorization=False, seed=args.seed)
            c = report["classifier"]
            rows.append({"generator": name, "statistics": mode, "cfid": c["fid"], "precision": c["precision"],
                         "recall": c["recall"], "seconds": time.perf_counter() - start})
            print(f"{name:8s} {mode:13s} cFID {c['fid']:.2f}  precision {c['precision']:.3f}  "
                  f"recall {c['recall']:.3f}", flush=True)
    files.write_json(args.out, {
        "model": args.model, "machine": cpu(), "rows": rows,
        "protocol": (f"{args.n} samples (latent seed {args.seed}, the same latents in every row) against the "
                     f"{dataset} test split, features of the shipped classifier (zoo.eval.evaluate); "
                     f"recalibration: {args.batches} batches of 256 latents (model.latents, seeds "
                     f"{RECALIBRATION_SEED}-{RECALIBRATION_SEED + args.batches - 1})"),
    })


if __name__ == "__main__":
    main()
