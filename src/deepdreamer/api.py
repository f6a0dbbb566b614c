"""The public entry point: dream on a PIL image with a named model, its preset, and any overrides."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch import Tensor

from .engine import ProgressCallback, dream_octaves
from .errors import DeepDreamError
from .images import attach_alpha, split_alpha, to_image, to_tensor
from .models import DEFAULT_MODEL, DreamNet, load_model, model_spec
from .objectives import Objective, layer_mix


@dataclass
class DreamResult:
    image: Image.Image  # same size and mode as the input
    octave_images: list[Image.Image]  # one per octave, smallest first, when asked for
    steps_per_octave: list[int]
    params: dict[str, Any]  # everything needed to repeat this dream (see :func:`params_to_options`)


def dream(
    image: Image.Image,
    *,
    model: str = DEFAULT_MODEL,
    preset: str | None = None,
    layers: Mapping[str, float] | None = None,
    step: float | None = None,
    num_octaves: int | None = None,
    octave_scale: float | None = None,
    iterations: int | None = None,
    max_loss: float | None = None,
    jitter: int | None = None,
    laplacian_levels: int | None = None,
    tile_size: int | None = None,
    seed: int | None = None,
    device: str = "auto",
    precision: str = "fp32",
    weights: str | Path | None = None,
    keep_octaves: bool = False,
    progress: ProgressCallback | None = None,
) -> DreamResult:
    """DeepDream ``image`` and return the result (alpha, if any, is kept and not dreamed).

    Every setting left as ``None`` comes from the model's preset (``preset``, or the model's default);
    with ``model="inception_v3"`` the defaults are exactly the seed's. ``layers`` maps layer names to
    weights. ``max_loss=math.inf`` disables the early stop. Images above twice ``tile_size`` squared in
    pixels get their gradients tile by tile (bounded memory; 0 never tiles). ``seed`` fixes anything random (jitter,
    tile grid); without it a seed is drawn and recorded in ``params``. ``precision="bf16"`` runs the network
    in bfloat16 (fast on GPUs and on CPUs with AVX-512 BF16 or AMX; much slower on CPUs without them).
    """
    spec = model_spec(model)
    chosen = spec.preset(preset)
    overrides = {
        "step": step, "num_octaves": num_octaves, "octave_scale": octave_scale, "iterations": iterations,
        "max_loss": max_loss, "jitter": jitter, "laplacian_levels": laplacian_levels, "tile_size": tile_size,
    }
    settings = replace(chosen.settings, **{k: v for k, v in overrides.items() if v is not None})
    if settings.max_loss is not None and math.isinf(settings.max_loss) and settings.max_loss > 0:
        settings = replace(settings, max_loss=None)
    settings.check()
    layer_weights = dict(chosen.layers if layers is None else layers)
    for name, weight in layer_weights.items():
        if not math.isfinite(weight):
            raise DeepDreamError(f"weight of layer {name!r} must be a finite number, not {weight}")
    seed = secrets.randbelow(2**31) if seed is None else seed

    net = load_model(model, weights, device)
    objective = layer_mix(layer_weights)
    for name in objective.layers:
        net.resolve_layer(name)
    rgb, alpha = split_alpha(image)

    param = next(net.parameters())
    x = net.to_input(to_tensor(rgb).to(param.device)).contiguous(memory_format=torch.channels_last)
    output = dream_octaves(
        x, objective_function(net, objective, precision), settings,
        seed=seed, progress=progress, keep_octaves=keep_octaves,
    )

    def to_pil(t: torch.Tensor) -> Image.Image:
        return to_image(net.to_pixels(t))

    params = {
        "deepdreamer": version("deepdreamer"),
        "model": model,
        "preset": preset or spec.default_preset,
        "layers": layer_weights,
        **{name: getattr(settings, name) for name in overrides},
        "seed": seed,
        "precision": precision,
        "weights": None if weights is None else str(weights),
        "weights_sha256": net.weights_sha256,
        "objective": str(objective),
    }
    return DreamResult(
        image=attach_alpha(to_pil(output.image), alpha),
        octave_images=[to_pil(t) for t in output.octave_images],
        steps_per_octave=output.steps_per_octave,
        params=params,
    )


PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}


def objective_function(net: DreamNet, objective: Objective, precision: str = "fp32") -> Callable[[Tensor], Tensor]:
    """The scalar to maximise as a function of the network input; the objective itself is summed in fp32."""
    if precision not in PRECISIONS:
        raise DeepDreamError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    dtype = PRECISIONS[precision]

    def evaluate(x: Tensor) -> Tensor:
        if dtype is None:
            return objective(net.activations(x, objective.layers))
        with torch.autocast(x.device.type, dtype=dtype):
            activations = net.activations(x, objective.layers)
        return objective({name: act.float() for name, act in activations.items()})

    return evaluate


#: Parameters of :func:`dream` that a recorded dream can set (``--like``).
REPEATABLE = ("model", "preset", "layers", "step", "num_octaves", "octave_scale", "iterations", "max_loss",
              "jitter", "laplacian_levels", "tile_size", "seed", "precision", "weights")


def params_to_options(params: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`dream` that repeat a recorded dream (``DreamResult.params``)."""
    options = {key: params[key] for key in REPEATABLE if key in params}
    if "max_loss" in options and options["max_loss"] is None:
        options["max_loss"] = math.inf  # recorded as null: the early stop was off
    return options
