"""Where the time of one DCGAN-MNIST training step goes, per op class.

    python benchmarks/profile_step.py --impl zoo|torch [--recipe dcgan_mnist] [--steps 20]
        [--onednn 1|0] [--reuse-fakes] [--json out.json]

Runs untimed warm-up steps, then ``--steps`` profiled steps, and prints one
JSON line: the step's wall time (profiler on: it adds overhead, so compare
classes, not absolute times with ``throughput.py``) and, per op class, the
milliseconds of kernel time per step and its share of the kernels' total:

- zoo: TensorFlow's profiler (``tf.profiler.experimental``) writes an
  XSpace; every TF op event (``name:type``) of the executor threads is put
  in a class by the layer in its name scope (its gradient included), or by
  its op type (optimizer, input pipeline, random draws). ``idle`` is the
  step's wall time not covered by any op (Python, ``fit``'s dispatch,
  waiting for input).
- torch: ``torch.profiler``; each aten op's self CPU time goes to the class
  of its top-level forward op (``aten::conv_transpose2d`` ...), and every
  backward op to the class of the forward op that made its autograd node
  (matched by sequence number). ``idle`` as above.

The classes: transposed conv (G's upsampling, forward + gradients), conv
(D), dense, batch norm, activations, loss, optimizer (Adam, gradients'
bookkeeping), EMA (the generator's moving average), random (latents),
input (the next batch), other.

``--onednn``: sets ``TF_ENABLE_ONEDNN_OPTS`` before TensorFlow is imported
(zoo only): ``0`` is TensorFlow's default on CPUs without AVX-512 VNNI /
BF16 or AMX, ``1`` is what ``import zoo`` sets when the variable is unset.
"""

import argparse
import collections
import glob
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CLASSES = ("transposed conv", "conv", "dense", "batch norm", "activations", "loss", "optimizer", "EMA", "random",
           "input", "other")


# === Classification ===


def tf_op_class(name, op_type):
    """The class of one TF op event, from its name scope and type."""
    lower = name.lower()
    if "ema_update" in lower:
        return "EMA"
    if op_type in ("IteratorGetNext", "IteratorGetNextAsOptional", "OptionalGetValue", "OptionalHasValue"):
        return "input"
    if "conv2d_transpose" in lower or "conv_transpose" in lower:
        return "transposed conv"
    if "conv2d" in lower or "convolution" in lower:
        return "conv"
    if "batch_norm" in lower or "moments" in lower:
        return "batch norm"
    if "dense" in lower:
        return "dense"
    if any(k in lower for k in ("re_lu", "relu", "tanh", "activation", "leaky")):
        return "activations"
    if "adam" in lower or "optimizer" in lower or op_type.startswith("ResourceApply"):
        return "optimizer"
    if "random" in lower or op_type.startswith("Stateless") or "seed" in lower:
        return "random"
    if any(k in lower for k in ("loss", "logits", "sigmoid", "softplus", "compute_average")):
        return "loss"
    return "other"


TORCH_FORWARD = {
    "aten::conv_transpose2d": "transposed conv",
    "aten::conv2d": "conv",
    "aten::linear": "dense",
    "aten::batch_norm": "batch norm",
    "aten::relu": "activations",
    "aten::leaky_relu": "activations",
    "aten::tanh": "activations",
    "aten::binary_cross_entropy_with_logits": "loss",
    "aten::randn": "random",
}


# === zoo ===


def union_ms(intervals):
    """Total length of the union of ``(start, end)`` intervals (ps -> ms)."""
    total, end_so_far = 0, None
    for start, end in sorted(intervals):
        if end_so_far is None or start > end_so_far:
            total += end - start
            end_so_far = end
        elif end > end_so_far:
            total += end - end_so_far
            end_so_far = end
    return total / 1e9


def profile_zoo(recipe_name, steps, reuse_fakes=False, max_batches=None):
    from zoo import cpu, data, distribute, train  # first: TensorFlow loads with the zoo's oneDNN setting

    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    import throughput

    recipe = throughput.speed_recipe(recipe_name)
    if reuse_fakes:
        recipe.setdefault("kwargs", {})["reuse_fakes"] = True
    model = train.build_model(recipe, distribute.make_strategy("default", None))
    dataset = data.load(**recipe["data"], seed=0, cache=True, steps_per_epoch=max_batches)
    for _ in dataset:  # the decoded-image cache full, as from the second epoch on
        pass
    dataset = dataset.repeat()
    model.fit(dataset, epochs=1, steps_per_epoch=min(10, steps), verbose=0)  # tracing, warm-up
    logdir = tempfile.mkdtemp(prefix="zoo_profile_")
    tf.profiler.experimental.start(logdir)
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    wall = time.perf_counter() - start
    tf.profiler.experimental.stop()
    space = xplane_pb2.XSpace()
    with open(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)[0], "rb") as f:
        space.ParseFromString(f.read())
    per_class, intervals = collections.Counter(), []
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            if not line.name.startswith("tf_Compute") and line.name != "python":
                continue
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if ":" not in name or "::" in name or " " in name:  # TF ops are "scope/name:Type";
                    continue  # "EagerLocalExecute: <function>" spans the whole step
                scope, op_type = name.rsplit(":", 1)
                per_class[tf_op_class(scope, op_type)] += event.duration_ps / 1e9
                begin = line.timestamp_ns * 1000 + event.offset_ps
                intervals.append((begin, begin + event.duration_ps))
    busy = union_ms(intervals)
    info = {"onednn": cpu.onednn_enabled(), "threads": {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                                                         "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}}
    return report("zoo", recipe_name, steps, wall, per_class, busy, throughput.reference_settings(recipe_name)[0],
                  reuse_fakes=reuse_fakes, **info)


# === torch ===


def profile_torch(recipe_name, steps):
    import torch
    from torch.profiler import ProfilerActivity, profile, record_function

    import throughput
    from reference import torch_gan

    torch.set_num_threads(os.cpu_count())
    batch, kwargs = throughput.reference_settings(recipe_name)
    gan = torch_gan.TorchGAN(throughput.MODELS[recipe_name], kwargs.get("g_filters", 64))
    stream = torch_gan.batches(torch_gan.mnist_tensor(), batch)

    def step():
        with record_function("input"):
            real = next(stream)
        gan.step(real)

    for _ in range(10):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        wall = time.perf_counter() - start
    events = list(prof.events())
    forward_class = {}  # autograd sequence number -> class of the forward op that recorded it
    for event in events:
        if event.name in TORCH_FORWARD and event.sequence_nr >= 0:
            forward_class[event.sequence_nr] = TORCH_FORWARD[event.name]

    def class_of(event):
        node = event
        while node is not None:
            if node.name in TORCH_FORWARD:
                return TORCH_FORWARD[node.name]
            if node.name == "input":
                return "input"
            if node.name.startswith("Optimizer.") or node.name.startswith("aten::_foreach"):
                return "optimizer"
            if node.name.endswith("Backward0") or node.name.endswith("Backward1"):
                return forward_class.get(node.sequence_nr, "other")
            node = node.cpu_parent
        return "other"

    per_class, intervals = collections.Counter(), []
    for event in events:
        if event.name.startswith("ProfilerStep"):
            continue
        per_class[class_of(event)] += event.self_cpu_time_total / 1e3
        if event.cpu_parent is None:
            intervals.append((event.time_range.start * 10**6, event.time_range.end * 10**6))
    busy = union_ms(intervals)
    return report("torch", recipe_name, steps, wall, per_class, busy, batch, threads=torch.get_num_threads())


# === Report ===


def report(impl, recipe_name, steps, wall, per_class, busy_ms, batch, **info):
    from zoo import cpu
    kernels = sum(per_class.values())
    step_ms = 1000 * wall / steps
    return {
        "impl": impl,
        "recipe": recipe_name,
        "steps": steps,
        "batch_size": batch,
        "cpu": cpu.describe(),
        "step_ms_profiled": round(step_ms, 2),
        "kernel_ms_per_step": round(kernels / steps, 2),
        "idle_ms_per_step": round(max(step_ms - busy_ms / steps, 0.0), 2),
        "classes_ms_per_step": {c: round(per_class.get(c, 0.0) / steps, 2) for c in CLASSES},
        "classes_share": {c: round(per_class.get(c, 0.0) / kernels, 3) if kernels else 0.0 for c in CLASSES},
        **info,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="zoo", choices=["zoo", "torch"])
    parser.add_argument("--recipe", default="dcgan_mnist", choices=["dcgan_mnist", "wgan_gp_mnist"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--onednn", choices=["0", "1"], default=None,
                        help="TF_ENABLE_ONEDNN_OPTS for this process (zoo; default: what import zoo picks)")
    parser.add_argument("--reuse-fakes", action="store_true", help="zoo: the recipe with reuse_fakes = true")
    parser.add_argument("--json", default=None, help="also append the JSON line to this file")
    parser.add_argument("--max-batches", type=int, default=None, help="zoo: cut the epoch (smoke runs)")
    args = parser.parse_args()
    if args.onednn is not None:
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = args.onednn
    if args.impl == "zoo":
        result = profile_zoo(args.recipe, args.steps, args.reuse_fakes, args.max_batches)
    else:
        result = profile_torch(args.recipe, args.steps)
    line = json.dumps(result)
    print(line, flush=True)
    if args.json:
        with open(args.json, "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
