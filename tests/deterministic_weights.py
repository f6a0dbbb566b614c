"""Weights and inputs from a formula, not a random generator, so that two environments build the same ones.

``tests/fixtures/torchvision_outputs.json`` holds torchvision 0.29.1's outputs for these weights, made by
running this file with torchvision installed (``python tests/deterministic_weights.py``, in a separate venv:
torchvision does not import beside our torch); ``test_classic_models.py`` compares ours with them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch

SIZE = (1, 3, 97, 131)
MODELS = ("inception_v3", "googlenet", "vgg16", "resnet50")


def deterministic_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Same keys and shapes, with smooth pseudo-random values scaled so activations neither vanish nor explode."""
    out = {}
    for index, (key, value) in enumerate(state.items()):
        if not value.is_floating_point():
            out[key] = value.clone()
            continue
        wave = torch.sin(torch.arange(value.numel(), dtype=torch.float64) * 0.7071 + index).reshape(value.shape)
        if key.endswith("running_var"):
            tensor = 1 + 0.5 * wave.square()
        elif value.dim() > 1:  # convolution or linear weight: unit gain
            tensor = wave * math.sqrt(6 / value[0].numel())
        else:  # bias, batch-norm weight and bias, running mean
            tensor = (1.0 if key.endswith(".weight") else 0.0) + 0.1 * wave
        out[key] = tensor.to(value.dtype)
    return out


def deterministic_input() -> torch.Tensor:
    n = math.prod(SIZE)
    return torch.cos(torch.arange(n, dtype=torch.float64) * 0.013).reshape(SIZE).float()


def _write_torchvision_outputs() -> None:
    from torchvision import models

    builders = {
        "inception_v3": lambda: models.inception_v3(weights=None, aux_logits=True, init_weights=False,
                                                    transform_input=False),
        "googlenet": lambda: models.googlenet(weights=None, aux_logits=True, init_weights=False,
                                              transform_input=False),
        "vgg16": lambda: models.vgg16(weights=None),
        "resnet50": lambda: models.resnet50(weights=None),
    }
    outputs = {}
    for name in MODELS:
        model = builders[name]().eval()
        model.load_state_dict(deterministic_state(model.state_dict()))
        with torch.no_grad():
            logits = model(deterministic_input())[0]
        outputs[name] = {"first_logits": [round(v, 6) for v in logits[:16].tolist()],
                         "logits_l2": float(logits.norm())}
    path = Path(__file__).with_name("fixtures") / "torchvision_outputs.json"
    path.write_text(json.dumps(outputs, indent=1) + "\n")


if __name__ == "__main__":
    _write_torchvision_outputs()
