"""Numbers of a clip that follow a sound: ``--react zoom=motion:1.01..1.06`` maps the ``motion`` curve (0..1,
:mod:`.sound`) linearly onto 1.01..1.06 for every frame.

A :class:`Reaction` answers ``at(frame)`` like a keyframe :class:`~.keyframes.Schedule`, so the numbers a clip
keyframes (a zoom's camera, step, iterations, each layer's weight; not the colour guard, one number per clip) can
follow a curve instead. ``--react auto`` is the preset for the common case (:data:`PRESETS`): its layers are the
default model's (Lite's ``block5``, ``block10``), so another model's clip names its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import DeepDreamError
from .sound import CURVES, SoundCurves

#: ``--react auto`` per kind of clip: the zoom flies with the harmonic swell, the dream's strength kicks with the
#: percussion, and the layer mix leans to deep objects on bass and to shallow patterns on high sounds.
PRESETS = {
    "zoom": "zoom=motion:1.005..1.04,step=pulse:0.004..0.04,iterations=pulse:2..6,block10=low:0.3..1.5,"
            "block5=high:0..1",
    "video": "step=pulse:0.004..0.04,iterations=pulse:2..6,block10=low:0.3..1.5,block5=high:0..1",
}
_ENTRY = re.compile(r"^\s*(?P<target>[\w.]+)\s*=\s*(?P<curve>\w+)\s*:\s*(?P<low>[^.][^:]*?)\.\.(?P<high>.+?)\s*$")


@dataclass(frozen=True)
class ReactSpec:
    """One number following one curve: ``curve`` 0..1 mapped linearly onto ``low``..``high``."""

    curve: str
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.curve}:{self.low:g}..{self.high:g}"


@dataclass(frozen=True)
class Reaction:
    """A spec applied to a sound: one value per frame (the last one holds past the sound's end)."""

    spec: ReactSpec
    values: tuple[float, ...]

    def at(self, frame: int) -> float:
        return self.values[min(max(frame, 0), len(self.values) - 1)]

    def __str__(self) -> str:
        return str(self.spec)


def parse_react(texts: str | Iterable[str], kind: str) -> dict[str, ReactSpec]:
    """``--react`` values (each ``TARGET=CURVE:LOW..HIGH``, comma-separated, or ``auto``) as specs by target.

    A target given twice is refused (as a layer given twice is); the caller checks that each target is a number
    its clip has. One-line errors name the entry and what is wrong.
    """
    entries = [texts] if isinstance(texts, str) else list(texts)
    specs: dict[str, ReactSpec] = {}
    for text in entries:
        for entry in PRESETS[kind].split(",") if text.strip() == "auto" else text.split(","):
            if not entry.strip():
                continue
            target, spec = _entry(entry)
            if target in specs:
                raise DeepDreamError(f"--react {entry.strip()!r}: {target} already follows {specs[target]}")
            specs[target] = spec
    if not specs:
        raise DeepDreamError("--react needs TARGET=CURVE:LOW..HIGH (for example zoom=motion:1.01..1.06) or auto")
    return specs


def _entry(text: str) -> tuple[str, ReactSpec]:
    found = _ENTRY.match(text)
    if found is None:
        raise DeepDreamError(f"--react {text.strip()!r}: expected TARGET=CURVE:LOW..HIGH, e.g. zoom=motion:1.01..1.06")
    if found["curve"] not in CURVES:
        raise DeepDreamError(f"--react {text.strip()!r}: no curve {found['curve']!r}; choose from {', '.join(CURVES)}")
    try:
        low, high = float(found["low"]), float(found["high"])
    except ValueError:
        raise DeepDreamError(f"--react {text.strip()!r}: LOW and HIGH must be numbers") from None
    if not all(abs(value) < float("inf") for value in (low, high)):
        raise DeepDreamError(f"--react {text.strip()!r}: LOW and HIGH must be finite")
    return found["target"], ReactSpec(found["curve"], low, high)


def check_targets(specs: Mapping[str, ReactSpec], numbers: Iterable[str], layers: Iterable[str]) -> None:
    """Refuse a target that is neither one of the clip's ``numbers`` nor one of the model's ``layers``."""
    numbers = list(numbers)
    known = [*numbers, *layers]
    for target in specs:
        if target not in known:
            raise DeepDreamError(f"--react: {target!r} is not a number this clip has or a layer of the model; "
                                 f"numbers: {', '.join(numbers)}")


def react(specs: Mapping[str, ReactSpec], curves: SoundCurves) -> dict[str, Reaction]:
    """Each spec's values over the sound's frames."""
    return {target: Reaction(spec, tuple(float(spec.low + (spec.high - spec.low) * value)
                                         for value in curves[spec.curve]))
            for target, spec in specs.items()}
