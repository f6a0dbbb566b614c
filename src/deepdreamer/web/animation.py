"""The Zoom and Video tabs' settings, without Gradio: the boxes checked into the renderer's settings, a clip's
record back into the boxes (the Repeat tab), and the container a clip is written in.

Both tabs need the ``video`` extra (PyAV to write, OpenCV for the optical flow); without it the page still
starts and the tabs say what to install. Their numbers are checked here, with the page's own limits, before a
job joins the device's queue; the defaults they share with the commands come from
:mod:`deepdreamer.animate.defaults`. A clip is written as H.264 MP4 where this PyAV has libx264 (Chromium plays
it), otherwise WebM (VP9); a dreamed video keeps its source's sound, so a sound track an MP4 cannot hold makes a
WebM or, failing that, a Matroska file (for download; browsers may not play it).
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import checks, records
from ..animate.defaults import (
    MAX_ZOOM_PER_FRAME,
    TEMPORAL_MODES,
    VIDEO_INSTALL_HINT,
    VIDEO_ITERATIONS,
    VIDEO_OCTAVES,
    ZOOM_FACTOR,
    ZOOM_FPS,
    ZOOM_ITERATIONS,
    ZOOM_OCTAVES,
)
from ..errors import DeepDreamError
from . import form

if TYPE_CHECKING:
    from PIL import Image

    from ..animate.render import VideoSettings, ZoomSettings

#: What the tabs need, as import names: PyAV (video files) and OpenCV (optical flow).
VIDEO_MODULES = ("av", "cv2")
#: The Zoom tab's frames by default and at most: a frame takes seconds on a CPU, so the page makes short clips.
ZOOM_FRAMES, ZOOM_MAX_FRAMES = 24, 120
#: The longest side frames are dreamed at, by default and at most.
SIDE, MAX_SIDE, MIN_SIDE = 320, 640, 32
#: The tabs' boxes, in the order the page lists them (and :func:`from_record` fills them).
ZOOM_BOXES = ("frames", "zoom", "rotate", "side", "iterations", "seed")
#: The Music tab's frame rate and longest stretch of the sound: 12 a second, at most the Zoom tab's frames.
MUSIC_FPS = 12.0
MUSIC_MAX_SECONDS = ZOOM_MAX_FRAMES / MUSIC_FPS
VIDEO_BOXES = ("temporal", "side", "iterations", "seed")


def missing_extra(find: Callable[[str], Any] = importlib.util.find_spec) -> str | None:
    """Why the Zoom and Video tabs cannot work here, in one line; None when they can."""
    missing = [name for name in VIDEO_MODULES if find(name) is None]
    if not missing:
        return None
    return f"zoom and video need the video extra: {VIDEO_INSTALL_HINT} ({' and '.join(missing)} missing)"


def require_extra(music: bool = False) -> None:
    reason = missing_extra() or (missing_music() if music else None)
    if reason is not None:
        raise DeepDreamError(reason)


def missing_music(find: Callable[[str], Any] = importlib.util.find_spec) -> str | None:
    """Why the Music tab cannot work here (besides the video extra), in one line; None when it can."""
    from ..animate.sound import INSTALL_HINT

    return None if find("librosa") is not None else f"music videos need librosa: {INSTALL_HINT}"


@dataclass(frozen=True)
class ZoomBoxes:
    """The Zoom tab's numbers, checked."""

    frames: int
    zoom: float
    rotate: float
    side: int
    iterations: int
    seed: int | None

    def settings(self, model: str, preset: str | None, seed: int) -> ZoomSettings:
        from ..animate.render import ZoomSettings

        return ZoomSettings(frames=self.frames, fps=ZOOM_FPS, zoom=self.zoom, rotate=self.rotate,
                            iterations=self.iterations, size=self.side, seed=seed, model=model, preset=preset or None)


@dataclass(frozen=True)
class MusicBoxes:
    """The Music tab's choices, checked: which stretch of the sound, and whether the zoom follows it."""

    start: float
    seconds: float
    side: int
    follow: bool
    seed: int | None

    def settings(self, model: str, preset: str | None, seed: int, sound: str) -> ZoomSettings:
        from ..animate.music import react_settings
        from ..animate.render import ZoomSettings

        return ZoomSettings(fps=MUSIC_FPS, size=self.side, seed=seed, model=model, preset=preset or None,
                            sound=sound, sound_start=self.start, sound_seconds=self.seconds,
                            react=react_settings(["auto"], "zoom") if self.follow else None)


def music_boxes(start: Any, seconds: Any, side: Any, follow: Any, seed: Any) -> MusicBoxes:
    """The Music tab's boxes within the page's limits, or a one-line :class:`DeepDreamError`."""
    begin, length = _real(start, "start"), _real(seconds, "seconds")
    if begin < 0 or not 0 < length <= MUSIC_MAX_SECONDS:
        raise DeepDreamError(f"the stretch of sound starts at 0 s or later and lasts up to {MUSIC_MAX_SECONDS:g} s "
                             f"on this page, not {length:g} s from {begin:g} s")
    return MusicBoxes(begin, length, _whole(side, "the longest side", MIN_SIDE, MAX_SIDE), bool(follow),
                      form.parse_seed(seed))


@dataclass(frozen=True)
class VideoBoxes:
    """The Video tab's choices, checked."""

    temporal: str
    side: int
    iterations: int
    seed: int | None

    def settings(self, model: str, preset: str | None, seed: int) -> VideoSettings:
        from ..animate.render import VideoSettings

        return VideoSettings(temporal=self.temporal, size=self.side, iterations=self.iterations, seed=seed,
                             model=model, preset=preset or None)


def zoom_boxes(frames: Any, zoom: Any, rotate: Any, side: Any, iterations: Any, seed: Any) -> ZoomBoxes:
    """The Zoom tab's boxes as numbers within the page's limits, or a one-line :class:`DeepDreamError`."""
    count = _whole(frames, "frames", 1, ZOOM_MAX_FRAMES)
    factor, turn = _real(zoom, "zoom per frame"), _real(rotate, "rotate")
    if not 1 / MAX_ZOOM_PER_FRAME <= factor <= MAX_ZOOM_PER_FRAME:
        raise DeepDreamError(f"zoom per frame must be from {1 / MAX_ZOOM_PER_FRAME:g} to {MAX_ZOOM_PER_FRAME:g} "
                             f"({ZOOM_FACTOR} flies in {ZOOM_FACTOR - 1:.0%} a frame), not {factor:g}")
    return ZoomBoxes(count, factor, turn, _whole(side, "the longest side", MIN_SIDE, MAX_SIDE),
                     _whole(iterations, "iterations", 1, None), form.parse_seed(seed))


def video_boxes(temporal: Any, side: Any, iterations: Any, seed: Any) -> VideoBoxes:
    if temporal not in TEMPORAL_MODES:
        raise DeepDreamError(f"temporal must be one of {', '.join(TEMPORAL_MODES)}, not {temporal!r}")
    return VideoBoxes(temporal, _whole(side, "the longest side", MIN_SIDE, MAX_SIDE),
                      _whole(iterations, "iterations", 1, None), form.parse_seed(seed))


@dataclass
class RestoredClip:
    """A clip's record turned back into its tab's boxes (:data:`ZOOM_BOXES` or :data:`VIDEO_BOXES` by name), the
    model and preset for the Dream tab, and what the page cannot set."""

    kind: str  # records.ZOOM or records.VIDEO: the tab to show
    boxes: dict[str, Any]
    model: str
    preset: str | None
    notes: list[str] = field(default_factory=list)


def from_record(record: Mapping[str, Any]) -> RestoredClip:
    """The tab's boxes that make the recorded zoom or video again; a one-line error for what the page cannot."""
    kind = records.kind_of(record)
    if kind not in (records.ZOOM, records.VIDEO):
        raise DeepDreamError("its record is not a zoom's or a dreamed video's")
    options = records.params_to_options(record, kind)
    notes = [f"its {name} ({_shown(options[name])}) is not set by this page: "
             f"repeat it with 'deepdreamer {kind} --like' for that"
             for name in ("layers", "step", "weights") if options.get(name) is not None]
    if options.get("num_octaves") not in (None, _tab_octaves(kind)):
        notes.append(f"it was dreamed with {options['num_octaves']} octaves; the page uses {_tab_octaves(kind)}")
    if options.get("sound") is not None:
        notes.append("it followed a sound, which the page does not keep: make it again on the Music tab with the "
                     f"same sound, or with 'deepdreamer {kind} --like' where the sound is")
    seed = str(options.get("seed", ""))
    if kind == records.ZOOM:
        if options.get("translate", ("0", "0")) not in (("0", "0"), (0, 0)):
            notes.append("its camera also moved sideways, which this page does not set")
        boxes = {"frames": min(options.get("frames", ZOOM_FRAMES), ZOOM_MAX_FRAMES),
                 "zoom": _constant(options.get("zoom", ZOOM_FACTOR), "zoom per frame"),
                 "rotate": _constant(options.get("rotate", 0), "turn per frame"),
                 "side": _side(options.get("size")),
                 "iterations": int(_constant(options.get("iterations", ZOOM_ITERATIONS), "iterations")),
                 "seed": seed}
    else:
        boxes = {"temporal": options.get("temporal", TEMPORAL_MODES[0]), "side": _side(options.get("size")),
                 "iterations": options.get("iterations", VIDEO_ITERATIONS), "seed": seed}
    return RestoredClip(kind, boxes, options.get("model", ""), options.get("preset"), notes)


def _tab_octaves(kind: str) -> int:
    return ZOOM_OCTAVES if kind == records.ZOOM else VIDEO_OCTAVES


def _constant(value: Any, name: str) -> float:
    """A recorded schedule that is one number; keyframes are refused (the page's boxes hold one number)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DeepDreamError(f"its {name} follows keyframes ({value}), which this page cannot set: repeat it with "
                             "the command's --like") from None


def _side(size: int | None) -> int:
    return SIDE if size is None else min(max(size, MIN_SIDE), MAX_SIDE)


def _shown(value: Any) -> str:
    return form.format_layers(value) if isinstance(value, dict) and all(
        checks.is_number(v) for v in value.values()) else str(value)


def _whole(value: Any, name: str, low: int, high: int | None) -> int:
    number = _real(value, name)
    if number != int(number) or number < low or (high is not None and number > high):
        limit = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise DeepDreamError(f"{name} must be a whole number {limit}, not {number:g}")
    return int(number)


def _real(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DeepDreamError(f"{name} must be a number") from None
    if not math.isfinite(number):
        raise DeepDreamError(f"{name} must be a finite number")
    return number


def even_sides(image: Image.Image) -> Image.Image:
    """``image`` less its last row or column where odd: H.264 in 4:2:0 (what browsers play) needs even sides."""
    width, height = image.size
    return image if width % 2 == 0 and height % 2 == 0 else image.crop((0, 0, width // 2 * 2, height // 2 * 2))


def output_suffix(sound: str | None) -> str:
    """The container a clip is written in: MP4 (H.264) where the browser can play it and it holds the sound."""
    import av

    from ..animate.video_io import SOUND_CODECS

    if "libx264" in av.codecs_available and (sound is None or sound in SOUND_CODECS[".mp4"]):
        return ".mp4"
    if sound is None or sound in SOUND_CODECS[".webm"]:
        return ".webm"
    return ".mkv"
