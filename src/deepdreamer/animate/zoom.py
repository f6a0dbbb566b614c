"""The "infinite zoom" (Google's DeepDream demo): each frame dreams the previous one after a small camera move.

Frame 0 dreams the photo; frame t dreams frame t-1 zoomed, rotated and moved (:mod:`.camera`), then pulled
back to the photo's colour statistics (:mod:`.guard`) so the loop does not drift to grey, to saturation or
to one colour. Any number setting may change over time with keyframes (:mod:`.keyframes`). Frames are
reported as they are done (the ``result`` of a progress record), so a front end can commit each one; a run
can start at any frame from the frame before it, which is how an interrupted zoom resumes exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from .. import checks
from ..errors import DeepDreamError
from ..images import as_picture, shrink
from ..progress import Job, ProgressCallback
from .camera import CameraMove, move
from .defaults import GUARD, MAX_FRAMES, ZOOM_FACTOR, ZOOM_ITERATIONS, ZOOM_OCTAVES
from .guard import ColorStats, hold_stats
from .keyframes import Schedule

if TYPE_CHECKING:
    from .video_io import Soundtrack, VideoInfo



@dataclass(frozen=True)
class ZoomPlan:
    """A zoom's settings, with every schedule parsed and checked before the first frame is dreamed."""

    frames: int
    zoom: Schedule
    rotate: Schedule
    translate_x: Schedule
    translate_y: Schedule
    step: Schedule | None
    iterations: Schedule
    layers: Mapping[str, Schedule] | None
    guard: float
    seed: int

    def motion(self, frame: int) -> CameraMove:
        return CameraMove(self.zoom.at(frame), self.rotate.at(frame),
                      (self.translate_x.at(frame), self.translate_y.at(frame)))

    def dream_options(self, frame: int) -> dict[str, Any]:
        """The keyframed :func:`~deepdreamer.dream` arguments at ``frame``."""
        options: dict[str, Any] = {"iterations": round(self.iterations.at(frame)), "seed": self.seed + frame}
        if self.step is not None:
            options["step"] = self.step.at(frame)
        if self.layers is not None:
            weights = {name: schedule.at(frame) for name, schedule in self.layers.items()}
            options["layers"] = {name: weight for name, weight in weights.items() if weight != 0}
        return options

    def describe(self) -> dict[str, Any]:
        """The plan as record values (schedules in their text form)."""
        return {"frames": self.frames, "zoom": str(self.zoom), "rotate": str(self.rotate),
                "translate": [str(self.translate_x), str(self.translate_y)],
                "step": None if self.step is None else str(self.step), "iterations": str(self.iterations),
                "layers": None if self.layers is None else {k: str(v) for k, v in self.layers.items()},
                "guard": self.guard, "seed": self.seed}


def plan_zoom(frames: int, *, zoom: str | float = ZOOM_FACTOR, rotate: str | float = 0.0,
              translate: tuple[str | float, str | float] = (0.0, 0.0), step: str | float | None = None,
              iterations: str | int = ZOOM_ITERATIONS, layers: Mapping[str, str | float] | None = None,
              guard: float = GUARD, seed: int | None = None) -> ZoomPlan:
    """Parse and check a zoom's settings; every frame's values are checked now, not when the frame comes."""
    if not 1 <= frames <= MAX_FRAMES:
        raise DeepDreamError(f"frames must be from 1 to {MAX_FRAMES}, not {frames}")
    if not 0 <= guard <= 1:
        raise DeepDreamError(f"the colour guard's strength must be from 0 to 1, not {guard}")
    plan = ZoomPlan(
        frames=frames, zoom=Schedule.parse(zoom, "--zoom"), rotate=Schedule.parse(rotate, "--rotate"),
        translate_x=Schedule.parse(translate[0], "--translate (x)"),
        translate_y=Schedule.parse(translate[1], "--translate (y)"),
        step=None if step is None else Schedule.parse(step, "--step"),
        iterations=Schedule.parse(iterations, "--iterations"),
        layers=None if layers is None else {name: Schedule.parse(w, f"--layer {name}") for name, w in layers.items()},
        guard=guard, seed=checks.seed_or_drawn(seed),
    )
    frames_to_check = {0, frames - 1, *plan.zoom.frames, *plan.rotate.frames, *plan.iterations.frames,
                       *(plan.step.frames if plan.step else ()),
                       *(f for s in (plan.layers or {}).values() for f in s.frames)}
    check_frames(plan, frames_to_check)
    return plan


def check_frames(plan: ZoomPlan, frames: Iterable[int]) -> None:
    """Refuse a plan whose camera move, steps or layer weights are out of range at any of ``frames``."""
    for frame in sorted(frames):
        if frame >= plan.frames:
            continue
        plan.motion(frame).check()
        options = plan.dream_options(frame)
        if options["iterations"] < 0:
            raise DeepDreamError(f"--iterations is {options['iterations']} at frame {frame}; it must be 0 or more")
        if options.get("step", 1) <= 0:
            raise DeepDreamError(f"--step is {options['step']:g} at frame {frame}; it must be positive")
        if "layers" in options and not options["layers"]:
            raise DeepDreamError(f"every layer weight is 0 at frame {frame}: nothing to dream")


@dataclass
class ZoomResult:
    frames: list[Image.Image] = field(default_factory=list)  # the frames made by this call (when kept)
    made: int = 0  # frames dreamed by this call
    stopped: bool = False


def zoom(
    image: Any,
    plan: ZoomPlan,
    *,
    size: int | None = None,
    first: int = 0,
    previous: Image.Image | None = None,
    keep_frames: bool = True,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    **dream_options: Any,
) -> ZoomResult:
    """Dream the frames ``first`` .. ``plan.frames - 1`` of a zoom into ``image`` (shrunk to ``size`` px).

    ``previous`` is frame ``first - 1`` (to resume); ``dream_options`` go to every frame's
    :func:`~deepdreamer.dream` (model, preset, octaves, ...; octaves default to 2 for warm frames). Each frame
    is reported as the ``result`` of a progress record, with its index in the record's ``stage``.
    """
    from ..api import dream

    photo = as_picture(image, "image").image.convert("RGB")
    if size is not None:
        photo = shrink(photo, size)
    if first > 0 and previous is None:
        raise DeepDreamError("resuming a zoom needs the frame before the first one")
    dream_options.setdefault("num_octaves", ZOOM_OCTAVES)
    reference = ColorStats.of(photo)
    job = Job("zoom", progress, stop)
    result = ZoomResult()
    frame_before = previous
    for index in range(first, plan.frames):
        if job.stopped:
            result.stopped = True
            break
        start = photo if index == 0 else move(frame_before, plan.motion(index))  # type: ignore[arg-type]
        label = f"frame {index + 1}/{plan.frames}"
        span = plan.frames - first
        dreamed = dream(start, **dream_options, **plan.dream_options(index),
                        progress=job.part(index - first, span, label).progress, stop=job.stop)
        if dreamed.stopped:
            result.stopped = True
            break
        frame_before = hold_stats(dreamed.image, reference, plan.guard)
        result.made += 1
        if keep_frames:
            result.frames.append(frame_before)
        job.finished(index - first, span, label, frame_before)
    return result


def clip_info(source: Path, frames: int, fps: float) -> VideoInfo:
    """What the video writer needs to know of a zoom's clip: ``frames`` frames at ``fps``, no rotation, no sound."""
    from .video_io import VideoInfo

    return VideoInfo(source, 0, 0, frames, 1 / Fraction(fps).limit_denominator(1001), frames, "", 0, None, None)


def write_zoom(path: Path, frames: Iterable[Image.Image], count: int, fps: float,
               record: Mapping[str, Any] | None = None, soundtrack: Soundtrack | None = None) -> None:
    """A zoom's ``count`` frames as a clip (or a folder of PNGs) at ``fps`` frames a second, written atomically,
    with its ``record`` and, for a music zoom, its ``soundtrack``."""
    import numpy as np

    from .video_io import Frame, write_video

    pictures = (Frame(np.asarray(image.convert("RGB")), index, 1) for index, image in enumerate(frames))
    write_video(path, pictures, clip_info(path, count, fps), record, soundtrack)
