"""Generator latency per call at batch 1 and 64: Keras, the exported
SavedModel (what TF Serving runs), and TFLite float32 / float16 / dynamic
range (LiteRT interpreter), with each TFLite file's size and max abs error
against Keras.

    python benchmarks/serving_latency.py [MODEL.keras] [--recipe dcgan_mnist] [--repeats 50] [--threads 2]

Without a .keras file the recipe's model is built untrained (latency does not
depend on the weights' values). Prints a table and, last, one JSON line per
row.
"""

import argparse
import json
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import zoo  # noqa: E402,F401  (before TensorFlow: it turns oneDNN on, zoo.cpu)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zoo import export  # noqa: E402

BATCHES = (1, 64)


def median_ms(fn, repeats):
    fn()  # warm-up (tracing, allocation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def load_model(path, recipe_name):
    if path:
        return keras.saving.load_model(path)
    from zoo import distribute, recipes, train

    return train.build_model(recipes.load(recipe_name), distribute.make_strategy("default", None))


def measure(model, repeats, threads, label=""):
    """Rows for every serving endpoint (one; a CycleGAN's two directions).
    A mixed-precision model is measured as it is served: its float32 copy
    (``zoo.precision``), which every export is made from."""
    from zoo import precision

    model = precision.float32_copy(model)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        written = export.saved_model(model, tmp, "model")
        folders = [written] if isinstance(written, str) else written
        for (suffix, (serve, _)), folder in zip(model.serving_endpoints().items(), folders):
            direction = suffix.lstrip("_") or None
            for row in measure_endpoint(model, suffix, serve, folder, direction, repeats, threads, tmp):
                rows.append(dict(row, benchmark="serving_latency", recipe=label, **({"direction": direction} if direction else {})))
    return rows


def measure_endpoint(model, suffix, serve, folder, direction, repeats, threads, tmp):
    from ai_edge_litert.interpreter import Interpreter

    # Serving inputs by batch (latent + labels / text, or images).
    inputs = {b: {k: tf.constant(v) for k, v in model.endpoint_example(suffix, b, seed=0).items()} for b in BATCHES}
    expected = serve(inputs[64])["images"].numpy()
    rows = []
    predict = tf.function(lambda feeds: serve(feeds)["images"])
    for b in BATCHES:
        rows.append({"format": "keras (tf.function)", "batch": b, "ms": median_ms(lambda: predict(inputs[b]), repeats)})
    serving = tf.saved_model.load(folder).signatures[export.SIGNATURE]
    for b in BATCHES:
        rows.append({"format": "SavedModel", "batch": b, "ms": median_ms(lambda: serving(**inputs[b]), repeats)})
    # TFLite takes the model's tflite_inputs (token ids instead of text).
    lite = {b: model.tflite_inputs({k: v.numpy() for k, v in inputs[b].items()}) for b in BATCHES}
    for quantize in (None, "float16", "dynamic"):
        path = export.tflite(model, os.path.join(tmp, f"{quantize}{suffix}.tflite"), quantize=quantize, direction=direction)
        error = float(np.abs(export.tflite_runner(path)(**lite[64])["images"] - expected).max())
        runner = Interpreter(model_path=path, num_threads=threads).get_signature_runner(export.SIGNATURE)
        for b in BATCHES:
            feeds = {k: np.asarray(v) for k, v in lite[b].items()}
            rows.append({
                "format": f"TFLite {quantize or 'float32'}",
                "batch": b,
                "ms": median_ms(lambda: runner(**feeds), repeats),
                "size_mb": os.path.getsize(path) / 1e6,
                "max_abs_error": error,
            })
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help=".keras file (default: the recipe's untrained model)")
    parser.add_argument("--recipe", default="dcgan_mnist")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="TFLite interpreter threads")
    args = parser.parse_args()
    rows = measure(load_model(args.model, args.recipe), args.repeats, args.threads, args.model or args.recipe)
    print(f"{'direction':<9} {'format':<22} {'batch':>5} {'ms/call':>9} {'size MB':>8} {'max abs err':>12}")
    for r in rows:
        size = f"{r['size_mb']:.2f}" if "size_mb" in r else ""
        error = f"{r['max_abs_error']:.1e}" if "max_abs_error" in r else ""
        print(f"{r.get('direction') or '':<9} {r['format']:<22} {r['batch']:>5} {r['ms']:>9.3f} {size:>8} {error:>12}")
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
