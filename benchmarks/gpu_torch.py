"""The PyTorch reference rows on a GPU (the zoo's own GPU rows need a
machine with TensorFlow's GPU build; see benchmarks/RESULTS.md).

    python benchmarks/gpu_torch.py [--device cuda] [--steps 200]

Rows: DCGAN-MNIST and WGAN-GP-MNIST (the recipes' networks and batch sizes)
in images/s and seconds per 60,000-image epoch, and the 64x64 RGB DCGAN
(filters 64) at batch 128 in steps/s and as a fraction of the GPU's dense
peak (``--peak-tflops``; FLOPs per step counted by
``torch.utils.flop_counter``). Batches are random tensors already on the
device: this times the training step, not an input pipeline. float32 (TF32
matmuls allowed) and bfloat16 autocast.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import torch_gan  # noqa: E402

ROWS = (
    # name, model, filters, channels, size, batch
    ("dcgan_mnist", "dcgan", 64, 1, 28, 128),
    ("wgan_gp_mnist", "wgan_gp", 32, 1, 28, 64),
    ("dcgan_64x64_rgb", "dcgan", 64, 3, 64, 128),
)


def timed_steps(gan, real, steps, autocast):
    def run(n):
        for _ in range(n):
            with torch.autocast(gan.device, dtype=torch.bfloat16, enabled=autocast):
                gan.step(real)

    def synchronize():
        if gan.device == "cuda":
            torch.cuda.synchronize()

    run(10)  # warm-up
    synchronize()
    start = time.perf_counter()
    run(steps)
    synchronize()
    return (time.perf_counter() - start) / steps


def flops_per_step(gan, real):
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        gan.step(real)
    return counter.get_total_flops()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--peak-tflops", type=float, default=989.0,
                        help="dense bf16 peak of the GPU (H100 SXM: 989); float32 rows use TF32's, half of it")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    for row, model, filters, channels, size, batch in ROWS:
        for autocast in (False, True):
            gan = torch_gan.TorchGAN(model, filters, channels=channels, size=size, device=args.device)
            real = torch.rand(batch, channels, size, size, device=args.device) * 2 - 1
            seconds = timed_steps(gan, real, args.steps, autocast)
            # FlopCounterMode cannot follow autograd.grad (the gradient penalty).
            flops = flops_per_step(gan, real) if model == "dcgan" else None
            peak = args.peak_tflops * (1.0 if autocast else 0.5) * 1e12
            result = {
                "benchmark": "gpu_torch", "device": name, "row": row, "batch": batch,
                "precision": "bfloat16 autocast" if autocast else "float32 (TF32)",
                "steps_per_s": 1 / seconds, "images_per_s": batch / seconds,
                "epoch_seconds_60k": 60000 / (batch / seconds),
                "tflops": flops / seconds / 1e12 if flops else None,
                "fraction_of_peak": flops / seconds / peak if flops else None,
            }
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
