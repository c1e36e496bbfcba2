"""TFLite sizes, accuracy against the Keras generator, and per-image CPU
latency (LiteRT interpreter) for a trained model.

    python benchmarks/tflite_latency.py runs/dcgan_mnist/model.keras [--threads 1]

Prints one row per quantization: file size, max abs error vs Keras on 64
latents (images in [-1, 1]), median latency of a batch-1 call.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import zoo  # noqa: E402,F401
from zoo import export  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", help=".keras file")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    model = keras.saving.load_model(args.model)
    inputs = model.serving_example(64, seed=0)
    expected = model.generate(latent=inputs["latent"])
    one = {k: v[:1] for k, v in inputs.items()}
    t0 = time.perf_counter()
    for _ in range(args.repeats):
        model.generator(one["latent"], training=False)
    keras_ms = (time.perf_counter() - t0) / args.repeats * 1e3
    print(f"{'format':<10} {'size MB':>8} {'max abs err':>12} {'ms/image':>9}")
    print(f"{'keras':<10} {'':>8} {'0':>12} {keras_ms:>9.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        for quantize in (None, "float16", "dynamic"):
            path = export.tflite(model, os.path.join(tmp, f"{quantize}.tflite"), quantize=quantize)
            from ai_edge_litert.interpreter import Interpreter

            run = export.tflite_runner(path)
            error = float(np.abs(run(**inputs)["images"] - expected).max())
            interpreter = Interpreter(model_path=path, num_threads=args.threads)
            runner = interpreter.get_signature_runner(export.SIGNATURE)
            runner(**one)  # warm-up
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                runner(**one)
                times.append(time.perf_counter() - t0)
            name = quantize or "float32"
            size = os.path.getsize(path) / 1e6
            print(f"{name:<10} {size:>8.2f} {error:>12.2e} {np.median(times) * 1e3:>9.3f}")


if __name__ == "__main__":
    main()
