"""Peak memory against the budget: the planner's estimates next to measured peak RSS, each in a fresh process.

    python benchmarks/memory.py --steps                    # one ascent step per model and size: estimate vs peak
    python benchmarks/memory.py --dream 6000x4000 --max-memory 3G --iterations 1 2
    python benchmarks/memory.py --dream 6000x4000 --model inception_v3 --max-memory 3G --iterations 1 2

``--steps`` measures what ``memory.py`` estimates: the resident memory a whole-image step adds to what the
process held before it (``/proc/self/clear_refs`` resets the peak), against the planner's estimate of the
network's working set, so that ``BACKWARD_OVERHEAD`` can be checked. ``--dream`` runs the CLI's dream (same
allocator settings) on a photo of that size and prints its peak RSS (``ru_maxrss``), the budget and the
tiles chosen. Models without weights on disk get random ones in the standard format. Speed is not measured.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

GIB = 1 << 30


def child_step(model: str, size: str) -> dict:
    import resource

    import torch

    import deepdreamer as dd
    from deepdreamer.gradients import whole_loss_and_gradient
    from deepdreamer.losses import objective_function
    from deepdreamer.memory import BACKWARD_OVERHEAD, memory_in_use
    from deepdreamer.runtime import keep_freed_memory

    keep_freed_memory()
    width, height = map(int, size.split("x"))
    net = dd.load_model(model, weights=_weights(model), device="cpu")
    loss_fn = objective_function(net, dd.layer_mix(dd.model_spec(model).preset(None).layers))
    estimate = loss_fn.planner.network_bytes(height, width)
    x = torch.randn(1, 3, height, width).contiguous(memory_format=torch.channels_last)
    whole_loss_and_gradient(x[..., :64 + height // 8, :64 + width // 8], loss_fn)  # one-time allocations
    before = memory_in_use(torch.device("cpu"))
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS starts again from here
    _, grad = whole_loss_and_gradient(x, loss_fn)
    peak = _peak_rss()
    added = peak - before - grad.numel() * grad.element_size()  # the gradient is one of the step's copies
    del grad
    return {"estimate": estimate, "saved": estimate / BACKWARD_OVERHEAD, "added": added,
            "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def child_dream(model: str, size: str, max_memory: str, iterations: int) -> dict:
    import resource

    import numpy as np
    from PIL import Image

    import deepdreamer as dd
    from deepdreamer.runtime import keep_freed_memory
    from deepdreamer.settings import parse_size

    keep_freed_memory()  # as the CLI does
    width, height = map(int, size.split("x"))
    rng = np.random.default_rng(0)
    small = Image.fromarray(rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8))
    photo = small.resize((width, height), Image.Resampling.BICUBIC)  # smooth, photo-like content
    del small
    result = dd.dream(photo, model=model, weights=_weights(model), iterations=iterations, seed=0, device="cpu",
                      max_memory=parse_size(max_memory))
    return {"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "tiles": result.params["tiles"],
            "steps": result.steps_per_octave}


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _weights(model: str) -> Path | None:
    """None for models whose weights are installed; else random weights in the standard format (memory and
    tiling do not depend on the values)."""
    import torch

    import deepdreamer as dd

    spec = dd.model_spec(model)
    if spec.weights.locate() is not None:
        return None
    path = Path(tempfile.gettempdir()) / f"deepdreamer-benchmark-{model}-random.pth"
    if not path.exists():
        torch.manual_seed(0)
        torch.save(spec.build().state_dict(), path)
    return path


def run_child(arguments: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", action="store_true", help="estimate against one step's measured peak")
    parser.add_argument("--models", default="efficientnet_lite0,inception_v3,googlenet,resnet50,vgg16")
    parser.add_argument("--sizes", default="512x512,1024x768,2048x1536")
    parser.add_argument("--dream", metavar="WxH", help="a whole dream of a photo this size")
    parser.add_argument("--model", default="efficientnet_lite0")
    parser.add_argument("--max-memory", default="3G")
    parser.add_argument("--iterations", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_step(*rest) if kind == "step" else child_dream(rest[0], rest[1], rest[2], int(rest[3]))
        print(json.dumps(result))
        return
    if args.steps:
        print(f"{'model':<20} {'size':>10} {'saved est.':>11} {'estimate':>10} {'measured':>10} {'meas./saved':>11}")
        for model in args.models.split(","):
            for size in args.sizes.split(","):
                r = run_child(["step", model, size])
                print(f"{model:<20} {size:>10} {r['saved'] / GIB:>10.2f}G {r['estimate'] / GIB:>9.2f}G "
                      f"{r['added'] / GIB:>9.2f}G {r['added'] / r['saved']:>11.2f}")
    if args.dream:
        print(f"{'model':<20} {'size':>10} {'budget':>7} {'iterations':>10} {'peak RSS':>9}  steps, tiles")
        for iterations in args.iterations:
            r = run_child(["dream", args.model, args.dream, args.max_memory, str(iterations)])
            tiles = "whole" if r["tiles"] is None else json.dumps(r["tiles"]["octaves"])
            print(f"{args.model:<20} {args.dream:>10} {args.max_memory:>7} {iterations:>10} "
                  f"{r['peak'] / GIB:>8.2f}G  {r['steps']} {tiles}")


if __name__ == "__main__":
    main()
