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

from .colors import keep_colors as transfer_colors
from .engine import DreamSettings, ProgressCallback, dream_octaves, resize
from .errors import DeepDreamError
from .expressions import ObjectiveBuilder
from .images import attach_alpha, shrink, split_alpha, to_image, to_mask_tensor, to_tensor
from .models import DEFAULT_MODEL, DreamNet, load_model, model_spec
from .objectives import Objective, layer_mix, sum_of

#: Longest side of the photo used to rank channels (``strongest=K``) and of the guide image.
REFERENCE_SIDE = 512


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
    objective: Objective | str | None = None,
    guide: Image.Image | None = None,
    step: float | None = None,
    num_octaves: int | None = None,
    octave_scale: float | None = None,
    iterations: int | None = None,
    max_loss: float | None = None,
    jitter: int | None = None,
    laplacian_levels: int | None = None,
    smoothing: float | None = None,
    tile_size: int | None = None,
    keep_colors: bool = False,
    mask: Image.Image | None = None,
    seed: int | None = None,
    device: str = "auto",
    precision: str = "fp32",
    weights: str | Path | None = None,
    keep_octaves: bool = False,
    progress: ProgressCallback | None = None,
) -> DreamResult:
    """DeepDream ``image`` and return the result (alpha, if any, is kept and not dreamed).

    Every setting left as ``None`` comes from the model's preset (``preset``, or the model's default);
    with ``model="inception_v3"`` the defaults are exactly the seed's. What is maximised: ``layers``
    (layer names to weights), or ``objective`` (an :class:`Objective`, or text such as
    ``"channel('block10', 97) - 0.5*block8"``; see :mod:`deepdreamer.expressions`), else the preset's
    layers. A ``guide`` image makes the default objective ``guide(layer)`` on the same layers.
    ``max_loss=math.inf`` disables the early stop; ``smoothing`` blurs each gradient (sigma in pixels).
    Images above twice ``tile_size`` squared in pixels get their gradients tile by tile (bounded memory;
    0 never tiles). ``keep_colors`` keeps the photo's colours (the dream changes light and shade only);
    ``mask`` (grayscale, white = dream) dreams only part of the photo, the rest is kept exactly.
    ``seed`` fixes anything random (jitter, tile grid); without it a seed is drawn and recorded in
    ``params``. ``precision="bf16"`` runs the network in bfloat16 (fast on GPUs and on CPUs with
    AVX-512 BF16 or AMX; much slower on CPUs without them).
    """
    spec = model_spec(model)
    chosen = spec.preset(preset)
    overrides = {
        "step": step, "num_octaves": num_octaves, "octave_scale": octave_scale, "iterations": iterations,
        "max_loss": max_loss, "jitter": jitter, "laplacian_levels": laplacian_levels, "smoothing": smoothing,
        "tile_size": tile_size,
    }
    settings = dream_settings(model, preset, overrides)
    if layers is not None and objective is not None:
        raise DeepDreamError("give either layers or an objective, not both")
    layer_weights = dict(chosen.layers if layers is None else layers)
    if not layer_weights:
        raise DeepDreamError("give at least one layer to dream on")
    for name, weight in layer_weights.items():
        if not math.isfinite(weight):
            raise DeepDreamError(f"weight of layer {name!r} must be a finite number, not {weight}")
    seed = secrets.randbelow(2**31) if seed is None else seed

    net = load_model(model, weights, device)
    rgb, alpha = split_alpha(image)
    device_of_net = next(net.parameters()).device
    step_mask = None if mask is None else to_mask_tensor(mask, rgb.size).to(device_of_net)
    chosen_objective = _build_objective(net, rgb, objective, guide, layer_weights)

    x = net.to_input(to_tensor(rgb).to(device_of_net)).contiguous(memory_format=torch.channels_last)
    output = dream_octaves(
        x, objective_function(net, chosen_objective, precision), settings,
        seed=seed, progress=progress, keep_octaves=keep_octaves, step_mask=step_mask,
    )

    def to_pil(t: torch.Tensor) -> Image.Image:
        pixels = net.to_pixels(t)
        if keep_colors or step_mask is not None:  # the photo is read again: no full-size copy during the dream
            original = resize(to_tensor(rgb).to(pixels.device), pixels.shape[-2:])
            if keep_colors:
                pixels = transfer_colors(pixels, original)
            if step_mask is not None:  # outside the mask, exactly the photo
                pixels = pixels.sub_(original).mul_(resize(step_mask, pixels.shape[-2:])).add_(original)
        return to_image(pixels)

    params = {
        "deepdreamer": version("deepdreamer"),
        "model": model,
        "preset": preset or spec.default_preset,
        "layers": layer_weights if objective is None and guide is None else None,
        **{name: getattr(settings, name) for name in overrides},
        "keep_colors": keep_colors,
        "seed": seed,
        "precision": precision,
        "weights": None if weights is None else str(weights),
        "weights_sha256": net.weights_sha256,
        "objective": str(chosen_objective),
    }
    return DreamResult(
        image=attach_alpha(to_pil(output.image), alpha),
        octave_images=[to_pil(t) for t in output.octave_images],
        steps_per_octave=output.steps_per_octave,
        params=params,
    )


def dream_settings(model: str, preset: str | None, overrides: Mapping[str, Any]) -> DreamSettings:
    """The preset's settings with the overrides that are not None, checked (``max_loss=inf``: no early stop)."""
    chosen = model_spec(model).preset(preset).settings
    settings = replace(chosen, **{k: v for k, v in overrides.items() if v is not None})
    if settings.max_loss is not None and math.isinf(settings.max_loss) and settings.max_loss > 0:
        settings = replace(settings, max_loss=None)
    settings.check()
    return settings


def _build_objective(net: DreamNet, photo: Image.Image, objective: Objective | str | None,
                     guide: Image.Image | None, layer_weights: Mapping[str, float]) -> Objective:
    """The objective to maximise: given as a value, parsed from text, guided, or the layer mix."""
    if isinstance(objective, Objective):
        chosen = objective
    elif objective is None and guide is None:
        chosen = layer_mix(layer_weights)
    else:
        builder = ObjectiveBuilder(net, _reference_input(net, photo),
                                   None if guide is None else _reference_input(net, guide))
        if isinstance(objective, str):
            chosen = builder.parse(objective)
        else:
            chosen = sum_of([weight * builder.guide(name) for name, weight in layer_weights.items()])
    if guide is not None and "guide(" not in str(chosen):
        raise DeepDreamError("a guide image was given but the objective does not use it (add guide('LAYER'))")
    for name in chosen.layers:
        net.resolve_layer(name)
    return chosen


def _reference_input(net: DreamNet, image: Image.Image) -> Tensor:
    """A small copy of ``image`` in the network's input space (for ranking channels and guide features)."""
    small = shrink(image.convert("RGB"), REFERENCE_SIDE)
    return net.to_input(to_tensor(small).to(next(net.parameters()).device))


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
              "jitter", "laplacian_levels", "smoothing", "tile_size", "keep_colors", "seed", "precision", "weights")


#: The kinds of value each recorded setting may hold ("number": int or float, not bool; None: absent or off).
RECORD_TYPES: dict[str, tuple[Any, ...]] = {
    "model": (str,), "preset": (str, None), "layers": ("weights", None), "objective": (str,), "step": ("number",),
    "num_octaves": (int,), "octave_scale": ("number",), "iterations": (int,), "max_loss": ("number", None),
    "jitter": (int,), "laplacian_levels": (int,), "smoothing": ("number",), "tile_size": (int,),
    "keep_colors": (bool,), "seed": (int,), "precision": (str,), "weights": (str, None),
    "guide": (str, None), "mask": (str, None),
}


def checked_record(params: Mapping[str, Any], keys: tuple[str, ...],
                   types: Mapping[str, tuple[Any, ...]] = RECORD_TYPES) -> dict[str, Any]:
    """The ``keys`` of a recorded dream (read from a file a user gives), each checked against ``types``.

    A record that is not a dream's (no ``deepdreamer`` version, e.g. a contact sheet's) or that holds a value
    of the wrong kind is refused in one line, instead of failing somewhere inside the dream.
    """
    if "deepdreamer" not in params or "model" not in params:
        raise DeepDreamError("its metadata is not a dream's settings (a contact sheet or another program's?)")
    record = {key: params[key] for key in keys if key in params}
    for key, value in record.items():
        if not any(_is_kind(value, kind) for kind in types[key]):
            raise DeepDreamError(f"its recorded setting {key}={value!r} is not valid")
    return record


def _is_kind(value: Any, kind: Any) -> bool:
    if kind is None:
        return value is None
    if kind is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):  # a bool is an int to Python, never a number or a name here
        return False
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "weights":
        return isinstance(value, dict) and all(isinstance(k, str) and _is_kind(v, "number") for k, v in value.items())
    return isinstance(value, kind)


def params_to_options(params: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`dream` that repeat a recorded dream (``DreamResult.params``).

    Images are not part of a record: pass a guided or masked dream's ``guide`` and ``mask`` again.
    """
    options = checked_record(params, (*REPEATABLE, "objective"))
    objective = options.pop("objective", None)
    if options.get("layers") is None:  # dreamed with an objective of its own (a guide's needs its image)
        options.pop("layers", None)
        if objective is not None:
            options["objective"] = objective
    if "max_loss" in options and options["max_loss"] is None:
        options["max_loss"] = math.inf  # recorded as null: the early stop was off
    return options
