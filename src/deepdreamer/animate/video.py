"""A video dreamed frame by frame without flicker: the frame loop on top of the engine's contract.

Each frame is turned upright, shrunk to ``size`` if asked, and started from where the last dream leaves it
(:func:`~.temporal.start_image`: by default the new frame plus the last dream's residual carried along the
optical flow, so patterns stay on the things they grew on); warm frames then need fewer steps
(:func:`~.temporal.warm_iterations`). Every frame uses the same seed (a different jitter each frame is
flicker). Frames are reported as they are done (the ``result`` of a progress record: the dream, upright), so a
front end commits each one; a run can start at any frame given the frame before it and its dream, which is how
an interrupted video resumes exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from .. import checks
from ..progress import Job, ProgressCallback
from .defaults import DEFAULT_TEMPORAL, VIDEO_ITERATIONS, VIDEO_OCTAVES
from .temporal import start_image, warm_iterations
from .video_io import Frame, VideoInfo, read_frames, stored, upright


@dataclass
class VideoDream:
    made: int = 0  # frames dreamed by this call
    stopped: bool = False
    damaged: list[str] = field(default_factory=list)  # frames the decoder reported, in words


def frame_size(video: VideoInfo, size: int | None) -> tuple[int, int]:
    """The upright (width, height) frames are dreamed at: the video's, or shrunk to ``size`` on the long side."""
    width, height = (video.height, video.width) if video.rotation in (90, 270) else (video.width, video.height)
    if size is None or max(width, height) <= size:
        return width, height
    scale = size / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)  # even: video codecs want it


def upright_frames(video: VideoInfo, size: int | None, on_damaged: Callable[[str], None] | None = None
                   ) -> Any:
    """The video's frames, upright, at the dreamed size, as ``(Frame, pixels)`` pairs."""
    target = frame_size(video, size)
    for frame in read_frames(video, on_damaged):
        pixels = upright(frame.pixels, video.rotation)
        if (pixels.shape[1], pixels.shape[0]) != target:
            pixels = np.asarray(Image.fromarray(pixels).resize(target, Image.Resampling.LANCZOS))
        yield frame, pixels


def dream_video(
    video: VideoInfo,
    *,
    temporal: str = DEFAULT_TEMPORAL,
    size: int | None = None,
    iterations: int = VIDEO_ITERATIONS,
    first: int = 0,
    end: int | None = None,
    previous_dream: np.ndarray | None = None,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    per_frame: Callable[[int], Mapping[str, Any]] | None = None,
    **dream_options: Any,
) -> VideoDream:
    """Dream frames ``first`` .. ``end - 1`` of ``video`` (see the module's notes); each is a progress ``result``.

    ``previous_dream`` is the dream of the frame before ``first`` (upright uint8), to resume. ``iterations``
    are the first frame's; later frames run :func:`~.temporal.warm_iterations` of them. ``dream_options`` go to
    every frame's :func:`~deepdreamer.dream` (model, preset, step, octaves, ...); ``per_frame(index)`` may
    override some for one frame (a video that follows a sound: its ``iterations`` are that frame's own).
    """
    from ..api import dream

    seed = checks.seed_or_drawn(seed)
    dream_options.setdefault("num_octaves", VIDEO_OCTAVES)
    job = Job("video", progress, stop)
    result = VideoDream()
    before: tuple[np.ndarray, np.ndarray] | None = None
    total = video.frame_count if end is None else min(end, video.frame_count)
    for index, (_, pixels) in enumerate(upright_frames(video, size, result.damaged.append)):
        if index >= total:
            break
        if index < first:
            if index == first - 1 and previous_dream is not None:
                before = (pixels, previous_dream)
            continue
        if job.stopped:
            result.stopped = True
            break
        start = start_image(pixels, *(before if before is not None else (None, None)), temporal)
        steps = iterations if before is None else warm_iterations(iterations, temporal)
        options = {**dream_options, **(per_frame(index) if per_frame is not None else {})}
        steps = options.pop("iterations", steps)
        label = f"frame {index + 1}/{total}"
        dreamed = dream(start, **options, iterations=steps, seed=seed,
                        progress=job.part(index - first, max(total - first, 1), label).progress, stop=job.stop)
        if dreamed.stopped:
            result.stopped = True
            break
        dreamed_pixels = np.asarray(dreamed.image.convert("RGB"))
        before = (pixels, dreamed_pixels)
        result.made += 1
        job.finished(index - first, max(total - first, 1), label, dreamed.image)
    return result


def output_frames(video: VideoInfo, dreams: Any, size: int | None) -> Any:
    """The dreamed frames (upright pictures, in order) as :class:`Frame` values with the source's timing,
    turned back the way the source stores them (its display matrix turns them upright again)."""
    for (frame, _), picture in zip(upright_frames(video, size), dreams, strict=False):
        yield Frame(stored(np.asarray(picture.convert("RGB")), video.rotation), frame.pts, frame.duration)
