"""Speed and memory of deepdreamer against the Keras reference (the seed in TF2), side by side.

    python benchmarks/speed.py                       # the whole table (long: tens of minutes)
    python benchmarks/speed.py --sizes 512x512 --dream-sizes 512x512 --skip-keras

Every measurement runs in a fresh process (same allocator settings for both sides: deepdreamer's own,
which the CLI sets, are applied to the Keras process too), alone on the machine. Columns: seconds per
ascent step (forward to the deepest layer + backward to the input), a full dream (seed settings, max_loss
off; the default model with its preset), the process's peak RSS, GFLOP per step and the share of the
machine's fp32 matrix-multiply throughput it reaches, and the speed-up over Keras at the same size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: FLOPs per pixel are counted on one pass of at most this side (counting a whole big image is slow).
FLOP_SIDE = 768
CASES = [  # label, model, precision asked for (the row shows the one used; "auto" rows say "auto ->")
    ("deepdreamer lite0", "efficientnet_lite0", "auto"),
    ("deepdreamer lite0", "efficientnet_lite0", "fp32"),
    ("deepdreamer lite0", "efficientnet_lite0", "bf16"),
    ("deepdreamer inception_v3", "inception_v3", "auto"),
    ("deepdreamer inception_v3", "inception_v3", "fp32"),
    ("deepdreamer inception_v3", "inception_v3", "bf16"),
]


def child_deepdreamer(args: argparse.Namespace) -> dict:
    """Measure in this process: imported here so that startup time is part of the measurement."""
    started = time.perf_counter()
    import numpy as np
    import torch
    from PIL import Image
    from torch.utils.flop_counter import FlopCounterMode

    import deepdreamer as dd
    from deepdreamer.engine import ascent_direction
    from deepdreamer.losses import objective_function
    from deepdreamer.precision import resolve
    from deepdreamer.precision_probe import fastest
    from deepdreamer.runtime import keep_freed_memory
    from deepdreamer.settings import DreamSettings

    keep_freed_memory()
    width, height = map(int, args.size.split("x"))
    spec = dd.model_spec(args.model)
    weights = None
    if spec.weights.locate() is None:  # speed does not depend on the values: random weights in the right format
        weights = Path(tempfile.mkdtemp()) / f"{args.model}-random.pth"
        torch.save(spec.build().state_dict(), weights)
    net = dd.load_model(args.model, weights=weights, device="cpu")
    objective = dd.layer_mix(spec.preset(None).layers)
    cpu = torch.device("cpu")
    used = resolve(args.precision, cpu, spec.preset(None).precision, measure=lambda: fastest(
        args.model, cpu, (height, width), lambda measured: objective_function(net, objective, measured), net.to_input))
    loss_fn = objective_function(net, objective, used)
    if args.mode == "step":
        settings = DreamSettings()  # whole when the step fits the default memory budget, as in a real dream
        x = torch.randn(1, 3, height, width).contiguous(memory_format=torch.channels_last)
        generator = torch.Generator().manual_seed(0)
        ascent_direction(x, loss_fn, settings, generator)
        first = time.perf_counter() - started
        t = time.perf_counter()
        for _ in range(args.steps):
            ascent_direction(x, loss_fn, settings, generator)
        seconds = (time.perf_counter() - t) / args.steps
        side = min(height, width, FLOP_SIDE)  # FLOPs per pixel, from one pass of at most this side
        piece = x[..., :side, :side].detach().requires_grad_(True)
        with FlopCounterMode(display=False) as counter:
            loss_fn(piece).backward()
        gflop = counter.get_total_flops() / 1e9 * (height * width) / (side * side)
        return {"seconds_per_step": seconds, "startup_to_first_step": first, "gflop_per_step": gflop,
                "precision": used}
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8))
    options = {"max_loss": float("inf"), "iterations": args.iterations}
    t = time.perf_counter()
    result = dd.dream(image, model=args.model, weights=weights, precision=args.precision, device="cpu", seed=0,
                      **options)
    return {"seconds": time.perf_counter() - t, "steps": sum(result.steps_per_octave), "precision": used}


def run_child(command: list[str], env: dict[str, str]) -> tuple[dict | None, float]:
    """Run one measurement process; returns its JSON result (None if it failed) and its peak RSS in GiB."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    peak = usage.ru_maxrss / 2**20
    if status != 0:
        return None, peak
    return json.loads(output.strip().splitlines()[-1]), peak


def gemm_gflops(dtype_name: str = "fp32") -> float:
    import torch

    dtype = torch.bfloat16 if dtype_name == "bf16" else torch.float32
    a, b = torch.randn(2048, 2048, dtype=dtype), torch.randn(2048, 2048, dtype=dtype)
    a @ b
    t = time.perf_counter()
    for _ in range(5):
        a @ b
    return 5 * 2 * 2048**3 / (time.perf_counter() - t) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="512x512,1024x768,2048x1536,6000x4000")
    parser.add_argument("--dream-sizes", default="512x512,1024x768")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--skip-keras", action="store_true")
    parser.add_argument("--skip-bf16", action="store_true")
    parser.add_argument("--child", choices=["deepdreamer"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--precision", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_deepdreamer(args)))
        return

    # glibc keeps freed memory: what deepdreamer's CLI sets for itself, given to the Keras process as well
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str((1 << 31) - 1)}
    from deepdreamer.precision import auto_on_cpu, cpu_features

    # bf16's GEMM only when bf16 rows run: emulated (no BF16 units) a 2048-wide one takes minutes
    peaks = {"fp32": gemm_gflops("fp32"), "bf16": math.nan if args.skip_bf16 else gemm_gflops("bf16")}
    print(f"CPU: {', '.join(cpu_features()) or 'no AVX2'} ({os.cpu_count()} cores); --precision auto is "
          f"{'measured per model' if auto_on_cpu(cpu_features()) == 'bf16' else 'fp32'} here (the seed's preset: fp32)")
    print(f"GEMM: fp32 {peaks['fp32']:.0f}, bf16 {peaks['bf16']:.0f} GFLOP/s; steps: mean of {args.steps} after a "
          "warm-up; 'of GEMM' is against the GEMM of the precision used")
    print(f"{'size':<10} {'what':<40} {'s/step':>7} {'dream s':>8} {'peak RSS':>9} {'GFLOP':>6} "
          f"{'of GEMM':>7} {'vs Keras':>8} {'startup':>8}")
    cases = [case for case in CASES if not (args.skip_bf16 and case[2] == "bf16")]
    for size in args.sizes.split(","):
        rows = []  # label, precision asked for, step, dream, peak RSS
        keras_step = keras_dream = None
        if not args.skip_keras:
            keras = [sys.executable, str(HERE / "keras_seed.py"), "--size", size]
            step, rss = run_child([*keras, "--mode", "step", "--steps", str(args.steps)], env)
            dream = None
            if size in args.dream_sizes.split(","):
                dream, _ = run_child([*keras, "--mode", "dream", "--iterations", str(args.iterations)], env)
            keras_step = step and step["seconds_per_step"]
            keras_dream = dream and dream["seconds"]
            rows.append(("keras seed (TF, fp32)", "fp32", step, dream, rss))
        for label, model, precision in cases:
            ours = [sys.executable, __file__, "--child", "deepdreamer", "--model", model, "--precision", precision,
                    "--size", size]
            step, rss = run_child([*ours, "--mode", "step", "--steps", str(args.steps)], env)
            dream = None
            if size in args.dream_sizes.split(","):
                dream, _ = run_child([*ours, "--mode", "dream", "--iterations", str(args.iterations)], env)
            rows.append((label, precision, step, dream, rss))
        for label, asked, step, dream, rss in rows:
            used = step.get("precision", "fp32") if step else "fp32"
            if label.startswith("deepdreamer"):
                label = f"{label} {'auto -> ' if asked == 'auto' else ''}{used}"
            peak = peaks[used]
            s = step["seconds_per_step"] if step else None
            d = dream["seconds"] if dream else None
            gflop = step.get("gflop_per_step") if step else None
            versus = ""
            if "inception" in label and keras_step and s:
                versus = f"{keras_step / s:.2f}x"
                if keras_dream and d:
                    versus += f"/{keras_dream / d:.2f}x"
            print(f"{size:<10} {label:<40} {_fmt(s, 7, 2)} {_fmt(d, 8, 1)} {rss:>7.2f}Gi {_fmt(gflop, 6, 0)} "
                  f"{_fmt(gflop / s / peak * 100 if gflop and s else None, 6, 0)}% {versus:>8} "
                  f"{_fmt(step.get('startup_to_first_step') if step else None, 7, 1)}s")
        sys.stdout.flush()


def _fmt(value: float | None, width: int, digits: int) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


if __name__ == "__main__":
    main()
