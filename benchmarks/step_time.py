"""Seconds per ascent step (forward to the deepest layer of the default preset + backward to the input).

    python benchmarks/step_time.py [--size 512] [--repeats 5]

Random weights for the models whose weights are not on this machine (speed does not depend on them).
"""

from __future__ import annotations

import argparse
import time

import torch

import deepdreamer as dd
from deepdreamer.gradients import whole_loss_and_gradient
from deepdreamer.objectives import layer_mix


def step_time(model: str, size: int, repeats: int) -> tuple[float, str]:
    spec = dd.model_spec(model)
    present = spec.weights.locate() is not None
    net = dd.load_model(model, device="cpu", pretrained=present)
    objective = layer_mix(spec.preset(None).layers)
    x = torch.randn(1, 3, size, size).contiguous(memory_format=torch.channels_last)

    def loss(t: torch.Tensor) -> torch.Tensor:
        return objective(net.activations(t, objective.layers))

    whole_loss_and_gradient(x, loss)  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        whole_loss_and_gradient(x, loss)
    return (time.perf_counter() - start) / repeats, "real" if present else "random"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.size}x{args.size}")
    print(f"{'model':<20} {'weights':<8} {'layers':<40} {'s/step':>7}")
    for model in dd.list_models(input="image"):  # CREPE hears sound: benchmarks/audio_speed.py times it
        seconds, weights = step_time(model, args.size, args.repeats)
        layers = "+".join(dd.model_spec(model).preset(None).layers)
        print(f"{model:<20} {weights:<8} {layers:<40} {seconds:>7.3f}")


if __name__ == "__main__":
    main()
