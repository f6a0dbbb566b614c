"""The Zoom and Video tabs' settings and files, without Gradio: checked numbers, the output's container, the writing.

Both tabs need the ``video`` extra (PyAV to write, OpenCV for the optical flow); without it the page still
starts and the tabs say what to install. Their numbers are checked here, with the page's own limits, before a
job joins the device's queue. A clip is written once its frames are dreamed (a stopped job writes the frames
it finished), as H.264 MP4 where this PyAV has libx264 (Chromium plays it), otherwise WebM (VP9); a dreamed
video keeps its source's timing, rotation and sound (:func:`~deepdreamer.animate.video_io.write_video`), so a
sound track an MP4 cannot hold makes a WebM or, failing that, a Matroska file (for download; browsers may not
play it).
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DeepDreamError
from . import form

if TYPE_CHECKING:
    from PIL import Image

    from ..animate.frames import FrameFolder
    from ..animate.video_io import VideoInfo
    from ..progress import Progress, ProgressCallback

#: What the tabs need, as import names: PyAV (video files) and OpenCV (optical flow).
VIDEO_MODULES = ("av", "cv2")
INSTALL_HINT = 'pip install "deepdreamer[video]"'
#: The Zoom tab: frames by default and at most, zoom per frame (Google's 5%), frames per second of the clip.
ZOOM_FRAMES, ZOOM_MAX_FRAMES = 24, 120
ZOOM_FACTOR = 1.05
ZOOM_FPS = 24
#: The longest side frames are dreamed at, by default and at most (a frame takes seconds on a CPU).
SIDE, MAX_SIDE, MIN_SIDE = 320, 640, 32
#: Ascent steps per octave of each zoom frame, and of a video's first frame (the others start warm): the
#: defaults of ``deepdreamer zoom`` and ``deepdreamer video`` (a test keeps them equal).
ZOOM_ITERATIONS, VIDEO_ITERATIONS = 5, 10
#: How a video's frames start (``deepdreamer video --temporal``): flow carries the last dream along the motion.
TEMPORAL_MODES = ("flow", "blend", "none")


def missing_extra(find: Callable[[str], Any] = importlib.util.find_spec) -> str | None:
    """Why the Zoom and Video tabs cannot work here, in one line; None when they can."""
    missing = [name for name in VIDEO_MODULES if find(name) is None]
    if not missing:
        return None
    return f"zoom and video need the video extra: {INSTALL_HINT} ({' and '.join(missing)} missing)"


def require_extra() -> None:
    reason = missing_extra()
    if reason is not None:
        raise DeepDreamError(reason)


@dataclass(frozen=True)
class ZoomSettings:
    """The Zoom tab's numbers, checked."""

    frames: int
    zoom: float
    rotate: float
    side: int
    iterations: int
    seed: int | None


@dataclass(frozen=True)
class VideoSettings:
    """The Video tab's choices, checked."""

    temporal: str
    side: int
    iterations: int
    seed: int | None


def zoom_settings(frames: Any, zoom: Any, rotate: Any, side: Any, iterations: Any, seed: Any) -> ZoomSettings:
    """The Zoom tab's boxes as numbers within the page's limits, or a one-line :class:`DeepDreamError`."""
    count = _whole(frames, "frames", 1, ZOOM_MAX_FRAMES)
    factor, turn = _real(zoom, "zoom per frame"), _real(rotate, "rotate")
    if not 0.5 <= factor <= 2:
        raise DeepDreamError(f"zoom per frame must be from 0.5 to 2 (1.05 flies in 5% a frame), not {factor:g}")
    return ZoomSettings(count, factor, turn, _whole(side, "the longest side", MIN_SIDE, MAX_SIDE),
                        _whole(iterations, "iterations", 1, None), form.parse_seed(seed))


def video_settings(temporal: Any, side: Any, iterations: Any, seed: Any) -> VideoSettings:
    if temporal not in TEMPORAL_MODES:
        raise DeepDreamError(f"temporal must be one of {', '.join(TEMPORAL_MODES)}, not {temporal!r}")
    return VideoSettings(temporal, _whole(side, "the longest side", MIN_SIDE, MAX_SIDE),
                         _whole(iterations, "iterations", 1, None), form.parse_seed(seed))


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


def committing(progress: ProgressCallback, folder: FrameFolder) -> ProgressCallback:
    """``progress``, also writing each finished frame (a record's ``result``) to ``folder``: a clip of 300 frames
    waits on disk, not in the server's memory, until it is encoded."""
    numbers = itertools.count()

    def report(record: Progress) -> None:
        if record.result is not None:
            folder.write(next(numbers), record.result)
        progress(record)

    return report


def output_suffix(sound: str | None) -> str:
    """The container a clip is written in: MP4 (H.264) where the browser can play it and it holds the sound."""
    import av

    from ..animate.video_io import SOUND_CODECS

    if "libx264" in av.codecs_available and (sound is None or sound in SOUND_CODECS[".mp4"]):
        return ".mp4"
    if sound is None or sound in SOUND_CODECS[".webm"]:
        return ".webm"
    return ".mkv"


def write_zoom(path: Path, frames: Iterable[Image.Image], count: int, fps: int = ZOOM_FPS) -> None:
    """The zoom's ``count`` frames as a clip at ``fps`` frames a second."""
    from ..animate.zoom import write_zoom as write_clip

    write_clip(path, frames, count, fps)


def write_dreamed(path: Path, video: VideoInfo, frames: Iterable[Image.Image], side: int) -> None:
    """A dreamed video's frames (upright, in order; fewer if it was stopped) with the source's timing, rotation and
    sound."""
    from ..animate.video import output_frames
    from ..animate.video_io import write_video

    write_video(path, output_frames(video, frames, side), video)
