"""Settings that change over an animation: ``"0:0.01, 60:0.02"`` is 0.01 at frame 0, rising linearly to 0.02 at
frame 60 and staying there (Deforum's schedule notation, without its parentheses).

A plain number is a constant. Keyframes need not be in order; before the first and after the last the
value holds.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from ..errors import DeepDreamError

#: Most keyframes in one schedule (a guard against pathological input; real ones have a handful).
MAX_KEYFRAMES = 1000


@dataclass(frozen=True)
class Schedule:
    """A value per frame, linear between keyframes."""

    frames: tuple[int, ...]
    values: tuple[float, ...]

    @classmethod
    def constant(cls, value: float) -> Schedule:
        return cls((0,), (float(value),))

    @classmethod
    def parse(cls, text: str | float, what: str) -> Schedule:
        """``"0:1.0, 30:1.05"`` or a single number; a one-line error naming ``what`` otherwise."""
        if isinstance(text, int | float):
            return cls.constant(_finite(float(text), what, str(text)))
        parts = [part.strip() for part in str(text).split(",") if part.strip()]
        if not parts or len(parts) > MAX_KEYFRAMES:
            raise DeepDreamError(f"{what} {text!r}: expected a number or keyframes like 0:1.0,60:2.0")
        if len(parts) == 1 and ":" not in parts[0]:
            return cls.constant(_number(parts[0], what, text))
        keyframes: dict[int, float] = {}
        for part in parts:
            frame, colon, value = part.partition(":")
            if not colon or not frame.strip().isdigit():
                raise DeepDreamError(f"{what} {text!r}: each keyframe is FRAME:VALUE with FRAME a whole number >= 0")
            if int(frame) in keyframes:
                raise DeepDreamError(f"{what} {text!r}: frame {int(frame)} has two values")
            keyframes[int(frame)] = _number(value, what, text)
        frames = tuple(sorted(keyframes))
        return cls(frames, tuple(keyframes[f] for f in frames))

    def at(self, frame: int) -> float:
        """The value at ``frame``."""
        index = bisect.bisect_right(self.frames, frame)
        if index == 0:
            return self.values[0]
        if index == len(self.frames):
            return self.values[-1]
        f0, f1 = self.frames[index - 1], self.frames[index]
        v0, v1 = self.values[index - 1], self.values[index]
        return v0 + (v1 - v0) * (frame - f0) / (f1 - f0)

    def __str__(self) -> str:
        if len(self.frames) == 1:
            return f"{self.values[0]:g}"
        return ",".join(f"{f}:{v:g}" for f, v in zip(self.frames, self.values, strict=True))


def _number(text: str, what: str, whole: object) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DeepDreamError(f"{what} {whole!r}: {text.strip()!r} is not a number") from None
    return _finite(value, what, whole)


def _finite(value: float, what: str, whole: object) -> float:
    if not math.isfinite(value):
        raise DeepDreamError(f"{what} {whole!r}: values must be finite numbers")
    return value
