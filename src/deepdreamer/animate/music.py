"""Music videos: a zoom or a dreamed video whose numbers follow a sound (:mod:`.sound` curves, :mod:`.react`).

A clip's settings name the sound (``sound``, a stretch of ``sound_seconds`` from ``sound_start``) and what follows
what (``react``: target -> ``"CURVE:LOW..HIGH"``). This module turns them into per-frame values for the clip's
plan, a record of the curves, and the soundtrack that goes under the pictures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DeepDreamError
from .keyframes import Schedule
from .react import Reaction, check_targets, parse_react, react
from .sound import SoundCurves
from .video_io import Soundtrack

if TYPE_CHECKING:
    from .zoom import ZoomPlan

#: The numbers of each kind of clip that may follow a curve (besides each layer's weight).
NUMBERS = {"zoom": ("zoom", "rotate", "translate_x", "translate_y", "step", "iterations"),
           "video": ("step", "iterations")}


def react_settings(texts: Iterable[str], kind: str) -> dict[str, str]:
    """``--react`` values (or ``auto``) in the normal form the settings and the record keep."""
    return {target: str(spec) for target, spec in parse_react(list(texts), kind).items()}


def reactions(react_texts: Mapping[str, str], kind: str, curves: SoundCurves, model: str) -> dict[str, Reaction]:
    """The per-frame values of every target, each checked to be a number of the clip or a layer of ``model``."""
    from ..models import catalog

    specs = parse_react([f"{target}={text}" for target, text in react_texts.items()], kind)
    layers = [name for info in catalog.list_layers(model) for name in (info.name, *info.aliases)]
    check_targets(specs, NUMBERS[kind], layers)
    return react(specs, curves)


def preset_layers(model: str, preset: str | None) -> dict[str, float]:
    """The layer mix a clip dreams when it names none: the preset's (from the catalog, without torch)."""
    from ..models import catalog

    presets = catalog.entry(model)["presets"]
    if preset is not None and preset not in presets:
        raise DeepDreamError(f"unknown preset {preset!r} for {model}; choose from {', '.join(presets)}")
    return dict(presets[preset or next(iter(presets))]["layers"])


def reacted_zoom(plan: ZoomPlan, values: Mapping[str, Reaction], base_layers: Mapping[str, float]) -> ZoomPlan:
    """``plan`` with the targets in ``values`` following their curves, checked at every frame.

    A layer that follows a curve joins the plan's layer mix (the preset's, when the plan names none)."""
    from .zoom import check_frames

    numbers, followed_layers = _numbers_and_layers(values, "zoom")
    layers = plan.layers
    if followed_layers:
        layers = {**(plan.layers or {name: Schedule.constant(weight) for name, weight in base_layers.items()}),
                  **followed_layers}
    reacted = replace(plan, **numbers, layers=layers)
    check_frames(reacted, range(plan.frames))
    return reacted


def soundtrack_of(sound: str | None, start: float, seconds: float | None) -> Soundtrack | None:
    """The stretch of ``sound`` that goes under a clip (None: no sound of its own)."""
    return None if sound is None else Soundtrack(Path(sound), start, seconds)


def frame_options(values: Mapping[str, Reaction], base_layers: Mapping[str, float]
                  ) -> Callable[[int], dict[str, Any]]:
    """For a dreamed video: each frame's step, steps and layer mix from the values that follow the sound (a layer
    that follows joins ``base_layers``; steps are the frame's own, warm or not)."""
    numbers, followed_layers = _numbers_and_layers(values, "video")

    def at(frame: int) -> dict[str, Any]:
        options: dict[str, Any] = {target: value.at(frame) for target, value in numbers.items()}
        if "iterations" in options:
            options["iterations"] = max(round(options["iterations"]), 0)
        if "step" in options and options["step"] <= 0:
            raise DeepDreamError(f"--react: the step is {options['step']:g} at frame {frame}; it must be positive")
        if followed_layers:
            weights = {**base_layers, **{name: value.at(frame) for name, value in followed_layers.items()}}
            options["layers"] = {name: weight for name, weight in weights.items() if weight != 0} or base_layers
        return options

    return at


def _numbers_and_layers(values: Mapping[str, Reaction], kind: str
                        ) -> tuple[dict[str, Reaction], dict[str, Reaction]]:
    """The values that drive the clip's numbers, and those that drive layer weights."""
    numbers = {target: value for target, value in values.items() if target in NUMBERS[kind]}
    return numbers, {target: value for target, value in values.items() if target not in numbers}


def sync_figures(change: np.ndarray, curves: SoundCurves) -> dict[str, float]:
    """How well a clip's per-frame ``change`` (frames 1 .. T-1, the part that is not the camera's own move, see
    :func:`.flicker.camera_residuals`) follows the sound: Pearson r against the pulse, the mean change on beats
    (pulse > 0.6) over the mean between them (pulse < 0.2), and in near silence (loudness < 0.02) over loud parts
    (> 0.1). NaN where the sound has no such frames."""
    pulse = curves["pulse"][1:len(change) + 1]
    loudness = curves["loudness"][1:len(change) + 1]

    def ratio(top: np.ndarray, bottom: np.ndarray) -> float:
        return float(change[top].mean() / change[bottom].mean()) if top.any() and bottom.any() else float("nan")

    return {"r": float(np.corrcoef(change, pulse)[0, 1]), "beat/between": ratio(pulse > 0.6, pulse < 0.2),
            "silence/loud": ratio(loudness < 0.02, loudness > 0.1)}
