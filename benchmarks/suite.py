"""The benchmark suite: one command, a table on stdout and in a results file.

    python benchmarks/suite.py [--out benchmarks/RESULTS.md] [--sections training levers eval serving memory]
        [--rounds 3] [--recipes dcgan_mnist ...] [--merge]
    python benchmarks/suite.py --sections serving --out /tmp/serving.md   # one section
    python benchmarks/suite.py --smoke --out /tmp/RESULTS.md   # seconds-long run of every benchmark

Sections (each row runs in a fresh process, so thread pools, XLA caches and
peak memory do not leak between rows):

- training: images/s of the DCGAN-MNIST and WGAN-GP-MNIST recipes and
  image pairs/s of CycleGAN MNIST <-> USPS, ours vs the keras.io train_step
  examples and PyTorch on the same networks, batch and optimizers
  (``benchmarks/throughput.py``, ``benchmarks/reference``);
- profile: where a DCGAN-MNIST step's time goes, per op class, ours with
  oneDNN on (as shipped) and off, and PyTorch (``benchmarks/profile_step.py``),
  run alternately;
- levers: ours on DCGAN-MNIST with one setting changed at a time;
- eval: Frechet distance at 2048-d (ours, tensorflow-gan, scipy) and
  features/s of InceptionV3 and the domain classifier (``benchmarks/eval_speed.py``);
- serving: generator latency at batch 1 and 64 through Keras, SavedModel and
  TFLite (``benchmarks/serving_latency.py``);
- memory: peak resident memory training each recipe (``benchmarks/memory.py``).

``--smoke`` runs every section in this process with tiny sizes (a test runs
it so the benchmarks cannot rot); its figures mean nothing.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SECTIONS = ("training", "profile", "levers", "eval", "serving", "memory")
TRAINING_RECIPES = ("dcgan_mnist", "wgan_gp_mnist", "cyclegan_mnist_usps")
IMPLS = ("zoo", "keras_io", "torch")


def have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_script(script, *args):
    """Runs a benchmark script in a fresh process; returns its JSON lines."""
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, script), *map(str, args)],
        capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    if out.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(map(str, args))} failed:\n{out.stderr[-3000:]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


# === Sections (full runs: one process per row) ===


def training(smoke, rounds=1, recipes=TRAINING_RECIPES):
    """Rows of each recipe run round-robin ``rounds`` times (zoo, keras.io,
    PyTorch, zoo, ...): on a shared machine whose speed drifts by tens of
    percent over minutes, a ratio is only trustworthy between rows timed
    side by side, so the report gives the median of the per-round ratios."""
    import throughput

    rows = []
    for recipe in recipes:
        if throughput.MODELS[recipe] == "cyclegan" and not os.path.isdir(throughput.USPS):
            print(f"  {recipe}: skipped (no USPS folder at {throughput.USPS})")
            continue
        runs = [(impl, "none") for impl in IMPLS if impl != "torch" or have_torch()]
        if not have_torch():
            print("  torch not installed: skipping the PyTorch rows (pip install torch==2.13.0)")
        if recipe == "dcgan_mnist":
            # keras.io's example as its users run it: TensorFlow's own oneDNN
            # default (off on CPUs without AVX-512 VNNI/BF16 or AMX, which
            # the zoo turns on), and with Keras's mixed_bfloat16 policy on
            # CPUs with native bfloat16 (the same-precision comparison there).
            runs.insert(2, ("keras_io", "onednn_off"))
            from zoo import precision

            if precision.native_bfloat16_cpu():
                runs.insert(3, ("keras_io", "bfloat16"))
        if smoke and recipe == "wgan_gp_mnist":
            # The zoo row's code path is dcgan_mnist's (recipe-driven); the
            # references' WGAN-GP code is their own.
            runs = [run for run in runs if run[0] != "zoo"]
        for round_ in range(1 if smoke else rounds):
            for impl, lever in runs:
                if smoke:
                    row = throughput.measure(impl, recipe, lever, windows=1, window_steps=2, batch=8, max_batches=4)
                else:
                    (row,) = run_script("throughput.py", "--impl", impl, "--recipe", recipe, "--lever", lever)
                rows.append(dict(row, round=round_))
                print(f"  {recipe} {impl} ({row['precision']}), round {round_ + 1}: {row['images_per_s']:.1f} "
                      f"{row['unit']}", flush=True)
    return rows


def summarize_training(rows):
    """One entry per (recipe, impl, lever): the median rate over rounds and,
    for the references, the median of the per-round ratios zoo / reference."""
    import statistics

    keys = list(dict.fromkeys((r["recipe"], r["impl"], r["lever"]) for r in rows))
    out = []
    for key in keys:
        mine = [r for r in rows if (r["recipe"], r["impl"], r["lever"]) == key]
        entry = dict(mine[0], images_per_s=statistics.median(r["images_per_s"] for r in mine),
                     rounds_images_per_s=[r["images_per_s"] for r in mine])
        zoo = {r.get("round", 0): r["images_per_s"] for r in rows
               if (r["recipe"], r["impl"], r["lever"]) == (key[0], "zoo", "none")}
        ratios = [zoo[r.get("round", 0)] / r["images_per_s"] for r in mine if r.get("round", 0) in zoo]
        if key[1] != "zoo" and ratios:
            entry["zoo_ratio"] = statistics.median(ratios)
            entry["zoo_ratios"] = ratios
        out.append(entry)
    return out


def levers(smoke, names=None):
    import throughput

    rows = []
    for lever in names or throughput.LEVERS:
        if smoke:
            rows.append(throughput.measure("zoo", "dcgan_mnist", lever, windows=1, window_steps=2, batch=8, max_batches=4))
        else:
            rows += run_script("throughput.py", "--impl", "zoo", "--recipe", "dcgan_mnist", "--lever", lever)
        print(f"  dcgan_mnist lever {lever}: {rows[-1]['images_per_s']:.1f} images/s", flush=True)
    return rows


PROFILES = (("zoo", "1"), ("zoo", "0"), ("torch", None))


def profile(smoke, rounds=2):
    """Per-op-class milliseconds of a DCGAN-MNIST step, each profile run
    ``rounds`` times alternately (the machine's speed drifts)."""
    rows = []
    for round_ in range(1 if smoke else rounds):
        for impl, onednn in PROFILES:
            if impl == "torch" and not have_torch():
                print("  torch not installed: skipping the PyTorch profile (pip install torch==2.13.0)")
                continue
            args = ["--impl", impl] + (["--onednn", onednn] if onednn else [])
            args += ["--steps", 2, "--max-batches", 4] if smoke else ["--steps", 30]
            (row,) = run_script("profile_step.py", *args)
            rows.append(dict(row, round=round_))
            print(f"  {impl} (oneDNN {row.get('onednn')}), round {round_ + 1}: {row['step_ms_profiled']:.0f} ms/step",
                  flush=True)
    return rows


def profile_table(rows):
    """Markdown: per class, the median over rounds of ms per step."""
    import statistics

    import profile_step

    keys = list(dict.fromkeys((r["impl"], r.get("onednn")) for r in rows))
    names = {("zoo", True): "zoo, oneDNN on (as shipped)", ("zoo", False): "zoo, oneDNN off (TF's default here)",
             ("torch", None): "PyTorch"}
    header = ["op class"] + [names.get(k, str(k)) for k in keys]

    def median(key, pick):
        return statistics.median(pick(r) for r in rows if (r["impl"], r.get("onednn")) == key)

    body = []
    for name in profile_step.CLASSES:
        cells = []
        for key in keys:
            ms = median(key, lambda r: r["classes_ms_per_step"][name])
            share = median(key, lambda r: r["classes_share"][name])
            cells.append(f"{ms:.1f} ({100 * share:.0f}%)")
        body.append([name] + cells)
    body.append(["kernels, all classes"] + [f"{median(k, lambda r: r['kernel_ms_per_step']):.1f}" for k in keys])
    body.append(["idle (no op running)"] + [f"{median(k, lambda r: r['idle_ms_per_step']):.1f}" for k in keys])
    body.append(["wall per step, profiler on"] + [f"{median(k, lambda r: r['step_ms_profiled']):.1f}" for k in keys])
    return table(header, body)


def evaluation(smoke):
    import eval_speed

    if smoke:
        return eval_speed.frechet_rows(32, 100) + eval_speed.classifier_rows(2000)
    return run_script("eval_speed.py")


def serving(smoke):
    import serving_latency

    if smoke:
        return serving_latency.measure(serving_latency.load_model(None, "gan_mnist"), 2, 1, "gan_mnist")
    return run_script("serving_latency.py")


def memory(smoke):
    import memory as memory_benchmark

    if smoke:
        return [memory_benchmark.measure("gan_mnist", steps=1, max_batches=2)]
    from zoo import recipes

    shared = os.path.join(os.path.dirname(HERE), "..", "shared", "datasets")
    rows = []
    for name in recipes.names():
        data = recipes.load(name)["data"]
        overrides, missing = [], None
        for key in ("source", "unpaired"):
            if data.get(key) in (None, "mnist", "fashion_mnist"):
                continue
            # a folder recipe: use ../shared's copy if there
            folder = os.path.abspath(os.path.join(shared, data[key]))
            if not os.path.isdir(folder):
                missing = f"no folder {folder}; pass data.{key}=..."
            overrides.append(f"data.{key}={folder}")
        if missing:
            print(f"  {name}: skipped ({missing})")
            continue
        rows += run_script("memory.py", name, *overrides)
        print(f"  {name}: {rows[-1]['peak_rss_mb']:.0f} MB", flush=True)
    return rows


RUNNERS = {"training": training, "profile": profile, "levers": levers, "eval": evaluation, "serving": serving, "memory": memory}


# === Report ===


def machine():
    from zoo import cpu  # first: TensorFlow loads with the zoo's oneDNN setting, as in the rows' processes

    import keras
    import numpy
    import tensorflow as tf

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy {numpy.__version__}"
    if have_torch():
        import torch

        versions += f", PyTorch {torch.__version__}"
    gpus = tf.config.list_physical_devices("GPU")
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{cpu.describe()}, {memory_gb:.0f} GB RAM, {len(gpus)} GPU(s); TensorFlow's oneDNN "
                   f"{'on' if cpu.onednn_enabled() else 'off'}",
        "versions": versions,
    }


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


GPU_NOTE = """### GPU

Not measured for the zoo. On 2026-12-06 no GPU machine was lent to this
task (the device tool's status: not drawn). Earlier, the GPU machine lent
to this project (one H100) had PyTorch, JAX and CUDA 13 but no TensorFlow
and reached no package registry; the TensorFlow 2.21 wheel alone is 573 MB
and its GPU build needs the CUDA 12 libraries (`tensorflow[and-cuda]`:
cuDNN, cuBLAS, ... over 2 GB of wheels), while at most 64 MiB can be
carried to that machine per call. The GPU goals (a DCGAN-MNIST epoch in
<= 2 s; the 64x64 DCGAN at batch 128 at >= 300 steps/s) stay open until a
machine with TensorFlow's GPU build is available.
"""


#: (recipe, reference impl, its lever, goal for zoo-as-shipped / reference or None, what the row is).
GOALS = (
    ("dcgan_mnist", "torch", "none", 1.25, "PyTorch"),
    ("dcgan_mnist", "keras_io", "onednn_off", 1.3, "keras.io as its users run it (TensorFlow's oneDNN default)"),
    ("dcgan_mnist", "keras_io", "none", None, "keras.io with oneDNN on, as the zoo sets it"),
    ("dcgan_mnist", "keras_io", "bfloat16", None, "keras.io in mixed_bfloat16"),
    ("wgan_gp_mnist", "torch", "none", 1.0, "PyTorch"),
    ("wgan_gp_mnist", "keras_io", "none", None, "keras.io with oneDNN on"),
    ("cyclegan_mnist_usps", "torch", "none", 1.0, "PyTorch"),
    ("cyclegan_mnist_usps", "keras_io", "none", None, "keras.io with oneDNN on"),
)


def goals(results):
    """Lines stating each CPU goal of the suite and whether it was met, and
    the other ratios the goals do not cover (medians of per-round ratios)."""
    rows = {(r["recipe"], r["impl"], r["lever"]): r for r in summarize_training(results.get("training", []))}
    out = []
    for recipe, impl, lever, target, what in GOALS:
        ours, other = rows.get((recipe, "zoo", "none")), rows.get((recipe, impl, lever))
        if ours and other and "zoo_ratio" in other:
            ratio = other["zoo_ratio"]
            verdict = f"goal >= {target}x: {'met' if ratio >= target else 'NOT met'}" if target else "no goal"
            per_round = ", ".join(f"{x:.2f}" for x in other["zoo_ratios"])
            out.append(f"- {recipe}, zoo as shipped ({ours.get('precision', 'float32')}) vs {what} "
                       f"({other.get('precision', 'float32')}): {ratio:.2f}x (rounds: {per_round}; {verdict}).")
    return out


def report(results, info):
    out = [f"Measured {info['date']} on {info['machine']}; {info['versions']}.", ""]
    if goals(results):
        out += ["### Goals on this CPU", "", *goals(results), ""]
    if "training" in results:
        rows = results["training"]
        steps = rows[0]["window_steps"] if rows else 0
        windows = len(rows[0]["windows_images_per_s"]) if rows else 0
        out += [f"### Training throughput (each row: median of {windows} timed windows of {steps} generator "
                "steps after an untimed warm-up window; CycleGAN in image pairs/s)", ""]
        body = []
        rows = summarize_training(rows)
        for recipe in TRAINING_RECIPES:
            mine = [r for r in rows if r["recipe"] == recipe]
            for r in mine:
                ratio = f"{r['zoo_ratio']:.2f}x" if "zoo_ratio" in r else ""
                impl = r["impl"] + ("" if r["lever"] == "none" else f" ({r['lever']})")
                body.append([recipe, impl, r.get("precision", "float32"), r["batch_size"], f"{r['images_per_s']:.0f}",
                             r.get("unit", "images/s"), len(r["rounds_images_per_s"]), ratio, f"{r['peak_rss_mb']:.0f}"])
        out += ["Rates are medians over the rounds of each recipe, its rows run round-robin; \"zoo is\" is the "
                "median of the per-round ratios to the zoo as shipped.", "",
                table(["recipe", "implementation", "precision", "batch", "rate", "unit", "rounds", "zoo (as shipped) is",
                       "peak RSS MB"], body), ""]
    if results.get("profile"):
        rows = results["profile"]
        out += [f"### Where a DCGAN-MNIST step's time goes (ms per step by op class, median of "
                f"{len({r.get('round', 0) for r in rows})} profiled runs of {rows[0]['steps']} steps each)", "",
                "Kernel milliseconds summed over the threads that run ops (TensorFlow runs two ops at once on two "
                "cores, so its classes add up to more than the wall time; PyTorch runs one op at a time on both "
                "cores); share of the kernels' total in brackets. Each class holds its forward op and its gradients. "
                "`benchmarks/profile_step.py` says how ops are classed.", "",
                profile_table(rows), ""]
    if "levers" in results:
        rows = results["levers"]
        import throughput

        base = next((r for r in rows if r["lever"] == "none"), None)
        out += ["### Levers on zoo DCGAN-MNIST, one at a time", "",
                "One run per lever, in sequence: the machine's speed drifts between runs, so small ratios are "
                "within noise (a lever that repeats the shipped setting shows the drift).", ""]
        body = [[r["lever"], throughput.LEVERS[r["lever"]], f"{r['images_per_s']:.0f}",
                 f"{r['images_per_s'] / base['images_per_s']:.2f}x" if base else ""] for r in rows]
        out += [table(["lever", "setting", "images/s", "vs as shipped"], body), ""]
    if "eval" in results:
        rows = results["eval"]
        out += ["### Evaluation speed", ""]
        body = [[r["method"], r["dim"], f"{r['seconds']:.2f} s", f"{r['relative_difference_to_scipy']:.1e}"]
                for r in rows if r["benchmark"] == "frechet"]
        out += [table(["Frechet distance", "dim", "time", "rel. diff to scipy"], body), ""]
        body = [[r["extractor"], r["batch"], f"{r['images_per_s']:.1f}"] for r in rows if r["benchmark"] == "features"]
        if body:
            out += [table(["feature extractor", "batch", "images/s"], body), ""]
    if "serving" in results:
        rows = results["serving"]
        out += [f"### Generator latency, {rows[0]['recipe'] if rows else ''} (ms per call, median)", ""]
        body = [[r["format"], r["batch"], f"{r['ms']:.3f}", f"{r['size_mb']:.2f}" if "size_mb" in r else "",
                 f"{r['max_abs_error']:.1e}" if "max_abs_error" in r else ""] for r in rows]
        out += [table(["format", "batch", "ms", "size MB", "max abs error vs Keras"], body), ""]
    if "memory" in results:
        rows = results["memory"]
        out += ["### Peak resident memory while training (decoded-image cache full)", ""]
        body = [[r["recipe"], r["batch_size"], r["cached_images"], f"{r['peak_rss_mb']:.0f}"] for r in rows]
        out += [table(["recipe", "batch", "cached images", "peak RSS MB"], body), ""]
    out.append(GPU_NOTE)
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="*", default=list(SECTIONS), choices=SECTIONS)
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, in this process: checks the code, not speed")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other sections of an existing results file (re-run only --sections; "
                             "with --recipes, the training rows of the other recipes too)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="training rows and profiles are run this many times, round-robin")
    parser.add_argument("--recipes", nargs="*", default=list(TRAINING_RECIPES), choices=TRAINING_RECIPES,
                        help="training section: these recipes only")
    import throughput

    parser.add_argument("--levers", nargs="*", default=None, choices=list(throughput.LEVERS),
                        help="levers section: these levers only (default: all)")
    args = parser.parse_args()
    info = machine()
    json_path = os.path.splitext(args.out)[0] + ".json"
    results = {}
    if args.merge and os.path.exists(json_path):
        with open(json_path) as f:
            results = json.load(f)["results"]
    for section in args.sections:
        print(f"== {section}", flush=True)
        if section == "training":
            kept = [r for r in results.get("training", []) if r["recipe"] not in args.recipes]
            results[section] = kept + training(args.smoke, args.rounds, args.recipes)
        elif section == "levers":
            results[section] = levers(args.smoke, args.levers)
        elif section == "profile":
            results[section] = profile(args.smoke, args.rounds)
        else:
            results[section] = RUNNERS[section](args.smoke)
        write_atomic(json_path, json.dumps({"info": info, "smoke": args.smoke, "results": results}, indent=1))
    text = report({s: results[s] for s in SECTIONS if s in results}, info)
    print(text)
    write_atomic(args.out, text + "\n")
    print(f"Wrote {args.out} and {json_path}")


def write_atomic(path, text):
    """Saved after each section, so a failure late in a long run keeps the rest."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
