"""How close one ascent step comes to this machine's limits: compute-bound or memory-bound, op by op.

    python benchmarks/roofline.py                                   # Lite0 and InceptionV3 at 512x512 and 1024x768
    python benchmarks/roofline.py --models efficientnet_lite0 --sizes 1024x768 --precision bf16 --top 12

A step is the forward pass to the deepest dreamed layer and the backward pass to the input (the preset's
layers). Every aten op of it is counted under a dispatch mode: its FLOPs (torch's flop counter formulas) and the
bytes it must move at least (each input and output tensor read or written once). The machine's limits are
measured here: fp32 (and bf16) matrix-multiply throughput, and memory bandwidth (a large copy: bytes read +
written per second). An op's time at the limit is the larger of FLOPs / peak and bytes / bandwidth; the step's
limit is the sum over ops. "of limit" is that sum over the measured step time: how much of the hardware the
step uses, whichever bound applies. The profile (torch.profiler) names where the time goes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.flop_counter import FlopCounterMode


def gemm_peak(dtype: torch.dtype) -> float:
    """FLOP/s of a large matrix multiply in ``dtype``."""
    a, b = torch.randn(2048, 2048, dtype=dtype), torch.randn(2048, 2048, dtype=dtype)
    a @ b
    runs = 3
    start = time.perf_counter()
    for _ in range(runs):
        a @ b
    return runs * 2 * 2048**3 / (time.perf_counter() - start)


def bandwidth() -> float:
    """Bytes per second read + written by a 512 MiB copy."""
    source = torch.empty(128 << 20, dtype=torch.float32).fill_(1)
    target = torch.empty_like(source)
    target.copy_(source)
    runs = 5
    start = time.perf_counter()
    for _ in range(runs):
        target.copy_(source)
    return runs * 2 * source.nbytes / (time.perf_counter() - start)


class BytesMoved(TorchDispatchMode):
    """The bytes each aten op reads and writes at least: every tensor argument and result once."""

    def __init__(self) -> None:
        super().__init__()
        self.by_op: dict[str, int] = defaultdict(int)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        tensors = [t for t in tree_flatten((args, kwargs, out))[0] if isinstance(t, torch.Tensor)]
        self.by_op[str(func.overloadpacket)] += sum(t.untyped_storage().nbytes() if t.numel() else 0
                                                     for t in {id(t): t for t in tensors}.values())
        return out


def step_function(model: str, size: str, precision: str):
    import deepdreamer as dd
    from deepdreamer.losses import objective_function

    spec = dd.model_spec(model)
    weights = None
    if spec.weights.locate() is None:  # speed does not depend on the values
        weights = Path(tempfile.mkdtemp()) / f"{model}-random.pth"
        torch.save(spec.build().state_dict(), weights)
    net = dd.load_model(model, weights=weights, device="cpu")
    loss_fn = objective_function(net, dd.layer_mix(spec.preset(None).layers), precision)
    width, height = map(int, size.split("x"))
    x = torch.randn(1, 3, height, width).contiguous(memory_format=torch.channels_last)

    def step() -> None:
        piece = x.detach().requires_grad_(True)
        loss_fn(piece).backward()  # as the engine's autograd.grad, which the flop counter's hooks cannot follow

    return step


def measure(model: str, size: str, precision: str, peak: float, memory: float, top: int) -> None:
    step = step_function(model, size, precision)
    step()
    runs = 3
    start = time.perf_counter()
    for _ in range(runs):
        step()
    seconds = (time.perf_counter() - start) / runs
    with FlopCounterMode(display=False) as flops, BytesMoved() as moved:
        step()
    by_op = flops.get_flop_counts()["Global"]
    ops = set(moved.by_op) | {str(op) for op in by_op}
    flop_of = {str(op): count for op, count in by_op.items()}
    limit = sum(max(flop_of.get(op, 0) / peak, moved.by_op.get(op, 0) / memory) for op in ops)
    total_flop, total_bytes = sum(flop_of.values()), sum(moved.by_op.values())
    print(f"{model:<20} {size:<10} {precision:<5} {seconds:>7.3f} {total_flop / 1e9:>7.1f} {total_bytes / 1e9:>7.2f} "
          f"{total_flop / seconds / peak * 100:>6.0f}% {total_bytes / seconds / memory * 100:>6.0f}% "
          f"{limit:>7.3f} {limit / seconds * 100:>6.0f}%")
    if top:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
            step()
        print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=top, max_name_column_width=40))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="efficientnet_lite0,inception_v3")
    parser.add_argument("--sizes", default="512x512,1024x768")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--top", type=int, default=0, help="also print the profile's top N ops by own time")
    args = parser.parse_args()
    from deepdreamer.precision import cpu_features
    from deepdreamer.runtime import keep_freed_memory

    keep_freed_memory()
    dtype = torch.bfloat16 if args.precision == "bf16" else torch.float32
    peak, memory = gemm_peak(dtype), bandwidth()
    print(f"{os.cpu_count()} cores, {' '.join(cpu_features()) or 'no AVX2'}, {torch.get_num_threads()} threads; "
          f"{args.precision} GEMM {peak / 1e9:.0f} GFLOP/s; copy bandwidth {memory / 1e9:.1f} GB/s")
    print(f"{'model':<20} {'size':<10} {'prec':<5} {'s/step':>7} {'GFLOP':>7} {'GB':>7} {'of FLOP/s':>7} "
          f"{'of GB/s':>7} {'limit s':>7} {'of limit':>7}")
    for model in args.models.split(","):
        for size in args.sizes.split(","):
            measure(model, size, args.precision, peak, memory, args.top)


if __name__ == "__main__":
    main()
