"""One renderer for clips: a zoom into a photo (:func:`render_zoom`) or a dreamed video (:func:`render_video`),
from settings to a written clip that carries its record.

Every front end (the command line, the page, a Python user) parses its inputs into :class:`ZoomSettings` or
:class:`VideoSettings` and makes one call. The renderer commits each finished frame to a work folder as the
frame loop reports it (:class:`~.frames.FrameFolder`: whole frames only, after any kill), resumes from the frames
there (the folder's manifest refuses other settings and keeps the seed drawn the first time), writes the clip
once every frame is done, and returns a :class:`ClipResult`: like :func:`~deepdreamer.dream`'s result, it says
whether it was ``stopped`` and holds the record (``params``), which also goes into the clip
(:func:`~.video_io.write_video`) so that ``--like`` and the page's Repeat tab make the same clip again.

A stopped run keeps its frames in the work folder for the same call to go on (the command line), or, with
``write_stopped``, writes the frames done so far as the clip (the page). A video on Ray is dreamed in chunks, each
kept in a folder of its own inside the same work folder (its encoded piece, or its frames: :mod:`.chunks`), and
joined when all are in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import checks, records
from ..errors import DeepDreamError
from ..models.registry import DEFAULT_MODEL
from ..progress import Progress, ProgressCallback
from .defaults import (
    DEFAULT_TEMPORAL,
    GUARD,
    VIDEO_ITERATIONS,
    VIDEO_MAX_PIXELS,
    VIDEO_OCTAVES,
    ZOOM_FACTOR,
    ZOOM_FPS,
    ZOOM_FRAMES,
    ZOOM_ITERATIONS,
    ZOOM_OCTAVES,
    ZOOM_SIZE,
)
from .frames import FrameFolder

if TYPE_CHECKING:
    from PIL import Image

    from .sound import SoundCurves
    from .video_io import Soundtrack, VideoInfo
    from .zoom import ZoomPlan


@dataclass(frozen=True)
class ZoomSettings:
    """Everything that makes a zoom, as its record holds it. Numbers marked so may follow keyframes (text such as
    ``"0:1.02,60:1.08"``, :mod:`.keyframes`); the layer weights too."""

    frames: int = ZOOM_FRAMES
    fps: float = ZOOM_FPS
    zoom: str | float = ZOOM_FACTOR  # keyframes allowed
    rotate: str | float = 0.0  # keyframes allowed
    translate: tuple[str | float, str | float] = (0.0, 0.0)  # keyframes allowed
    step: str | float | None = None  # keyframes allowed; None: the preset's
    iterations: str | int = ZOOM_ITERATIONS  # keyframes allowed
    layers: Mapping[str, str | float] | None = None  # keyframes allowed; None: the preset's
    guard: float = GUARD
    size: int = ZOOM_SIZE
    seed: int | None = None  # None: drawn, kept in the work folder and recorded
    model: str = DEFAULT_MODEL
    preset: str | None = None
    num_octaves: int = ZOOM_OCTAVES
    precision: str = "auto"
    weights: str | None = None
    max_memory: int | None = None  # the machine's budget: recorded, never repeated
    sound: str | None = None  # a music zoom: as many frames as this sound lasts (from sound_start, sound_seconds)
    sound_start: float = 0.0
    sound_seconds: float | None = None
    react: Mapping[str, str] | None = None  # target -> "CURVE:LOW..HIGH" (:mod:`.react`), with a sound

    def curves(self) -> SoundCurves | None:
        """The sound's curves at the zoom's frame rate (None without a sound); they set the number of frames."""
        if self.sound is None:
            if self.react:
                raise DeepDreamError("--react follows a sound: give one with --sound")
            return None
        from .sound import sound_curves

        return sound_curves(self.sound, self.fps, start=self.sound_start, seconds=self.sound_seconds)

    def plan(self, curves: SoundCurves | None = None) -> ZoomPlan:
        """The settings parsed and checked for every frame (a one-line error before any work); with the sound's
        ``curves``, the numbers named in ``react`` follow them."""
        from .zoom import plan_zoom

        plan = plan_zoom(self.frames, zoom=self.zoom, rotate=self.rotate, translate=self.translate, step=self.step,
                         iterations=self.iterations, layers=self.layers, guard=self.guard, seed=self.seed)
        if curves is None or not self.react:
            return plan
        from .music import preset_layers, reacted_zoom, reactions

        return reacted_zoom(plan, reactions(self.react, "zoom", curves, self.model),
                            preset_layers(self.model, self.preset))

    def dream_options(self) -> dict[str, Any]:
        """What every frame's :func:`~deepdreamer.dream` gets besides the plan's keyframed values."""
        return _dream_options(self)


@dataclass(frozen=True)
class VideoSettings:
    """Everything that makes a dreamed video, as its record holds it."""

    temporal: str = DEFAULT_TEMPORAL
    size: int | None = None  # the longest side of the dreamed frames; None: the source's
    iterations: int = VIDEO_ITERATIONS  # of the first frame; the others start warm and run fewer
    step: float | None = None
    layers: Mapping[str, float] | None = None
    seed: int | None = None
    model: str = DEFAULT_MODEL
    preset: str | None = None
    num_octaves: int = VIDEO_OCTAVES
    precision: str = "auto"
    weights: str | None = None
    max_memory: int | None = None
    sound: str | None = None  # another sound under the video (and to follow); None: its own sound track
    sound_start: float = 0.0
    react: Mapping[str, str] | None = None  # target -> "CURVE:LOW..HIGH" (:mod:`.react`)

    def curves(self, info: VideoInfo) -> SoundCurves | None:
        """With ``react``, the curves of the sound it follows (another, or the video's own track), at the video's
        mean frame rate; None without."""
        if not self.react:
            return None
        from .sound import sound_curves

        seconds = float(info.end * info.time_base)
        return sound_curves(self.sound or info.path, info.frame_count / seconds, start=self.sound_start,
                            seconds=seconds)

    def per_frame(self, curves: SoundCurves | None) -> Callable[[int], dict[str, Any]] | None:
        """The numbers each frame takes from the sound's ``curves`` (None without)."""
        if curves is None or not self.react:
            return None
        from .music import frame_options, preset_layers, reactions

        return frame_options(reactions(self.react, "video", curves, self.model),
                             dict(self.layers) if self.layers else preset_layers(self.model, self.preset))

    def dream_options(self) -> dict[str, Any]:
        options = _dream_options(self)
        options.update({key: value for key, value in (("step", self.step), ("layers", self.layers))
                        if value is not None})
        return options


def _dream_options(settings: ZoomSettings | VideoSettings) -> dict[str, Any]:
    options = {"model": settings.model, "preset": settings.preset, "num_octaves": settings.num_octaves,
               "precision": settings.precision, "weights": settings.weights, "max_memory": settings.max_memory}
    return {key: value for key, value in options.items() if value is not None}


def zoom_record(settings: ZoomSettings, plan: ZoomPlan, curves: SoundCurves | None = None) -> dict[str, Any]:
    """The record of a zoom: its plan as text (schedules in their normal form, before any follows the sound), how
    each frame is dreamed, and for a music zoom the sound, what follows it, and its curves (recorded only)."""
    music = {} if settings.sound is None else {
        "sound": settings.sound, "sound_start": settings.sound_start, "sound_seconds": settings.sound_seconds,
        "react": None if settings.react is None else dict(settings.react),
        "curves": None if curves is None else curves.describe()}
    return records.new_record(records.ZOOM, {
        **plan.describe(), "fps": settings.fps, "size": settings.size, "model": settings.model,
        "preset": settings.preset, "num_octaves": settings.num_octaves, "precision": settings.precision,
        "weights": settings.weights, "max_memory": settings.max_memory, **music})


def video_record(settings: VideoSettings, curves: SoundCurves | None = None) -> dict[str, Any]:
    values = asdict(settings)
    values["layers"] = None if settings.layers is None else dict(settings.layers)
    values["react"] = None if settings.react is None else dict(settings.react)
    if curves is not None:
        values["curves"] = curves.describe()
    return records.new_record(records.VIDEO, values)


@dataclass
class ClipResult:
    """What a render did: like :class:`~deepdreamer.DreamResult`, whether it was stopped and the record."""

    path: Path | None  # the clip written; None: none was (stopped and kept for a rerun, or before any frame)
    frames: int  # frames done (in the clip, when one was written)
    total: int  # frames the whole clip has
    stopped: bool
    params: dict[str, Any]  # the record, as written into the clip
    work: Path  # where the frames wait for a rerun when it was stopped (gone once the clip is written)
    damaged: list[str] = field(default_factory=list)  # frames of the source the decoder reported, in words


def work_folder(output: Path) -> Path:
    """The work folder beside an output: ``.OUTPUT.frames``, hidden, removed once the clip is written."""
    return output.parent / f".{output.name}.frames"


def render_zoom(
    photo: Any,
    settings: ZoomSettings,
    output: Path,
    *,
    work: Path | None = None,
    device: str = "auto",
    write_stopped: bool = False,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> ClipResult:
    """Fly into ``photo`` (a path, a picture, an array) as ``settings`` say, into the clip (or PNG folder)
    ``output``; frames wait in ``work`` (default: :func:`work_folder`) until all are done (see the module)."""
    from ..images import as_picture
    from .music import soundtrack_of
    from .video_io import check_output
    from .zoom import clip_info, zoom

    picture = as_picture(photo, "photo")
    curves = settings.curves()
    if curves is not None:
        settings = replace(settings, frames=curves.frames)
    check_output(output, clip_info(output, settings.frames, settings.fps))
    settings.plan(curves)  # refused before a work folder exists
    folder = FrameFolder(work or work_folder(output))
    source = {} if picture.path is None else {"source": str(picture.path)}
    seed = folder.manifest.settle({**source, **_manifest(settings)}, fill={"seed": _drawn})["seed"]
    settings = replace(settings, seed=seed)
    plan = settings.plan(curves)
    record = zoom_record(settings, settings.plan(), curves)
    done = folder.done()
    stopped = False
    if done < plan.frames:
        result = zoom(picture, plan, size=settings.size, first=done, previous=folder.read(done - 1) if done else None,
                      keep_frames=False, progress=_committing(folder, done, progress), stop=stop, device=device,
                      **settings.dream_options())
        stopped = result.stopped
    soundtrack = soundtrack_of(settings.sound, settings.sound_start, settings.sound_seconds)
    return _finish(folder, output, plan.frames, stopped, record, write_stopped,
                   lambda frames: _write_zoom(output, frames, folder.done(), settings.fps, record, soundtrack))


def render_video(
    source: VideoInfo | str | Path,
    settings: VideoSettings,
    output: Path,
    *,
    work: Path | None = None,
    device: str = "auto",
    max_pixels: int = VIDEO_MAX_PIXELS,
    ray: Mapping[str, Any] | None = None,
    chunks: int | None = None,
    write_stopped: bool = False,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> ClipResult:
    """Dream the video ``source`` frame by frame as ``settings`` say, into ``output`` with the source's timing,
    rotation and sound; frames wait in ``work`` (see the module). ``ray`` (``address``, ``cpus_per_worker``,
    ``workers``, ``shared_input``) dreams it in ``chunks`` on a Ray cluster instead."""
    import numpy as np

    from .music import soundtrack_of
    from .video import dream_video
    from .video_io import VideoInfo, check_output, probe_video

    info = source if isinstance(source, VideoInfo) else probe_video(source, max_pixels)
    check_output(output, info)
    if ray is None and chunks is not None:
        raise DeepDreamError("chunks split a video over a Ray cluster: ask for Ray")
    curves = settings.curves(info)
    per_frame = settings.per_frame(curves)  # checked before a work folder exists
    soundtrack = soundtrack_of(settings.sound, settings.sound_start, float(info.end * info.time_base))
    if ray is not None and per_frame is not None:
        raise DeepDreamError("a video that follows a sound is dreamed on this machine: leave out --ray")
    folder = FrameFolder(work or work_folder(output))
    manifest = {"source": str(info.path.resolve()), "ray": ray is not None, **asdict(settings)}
    seed = folder.manifest.settle(manifest, fill={"seed": _drawn})["seed"]
    settings = replace(settings, seed=seed)
    record = video_record(settings, curves)
    if ray is not None:
        return _render_on_ray(info, settings, output, folder, record, max_pixels, ray, chunks, progress, stop,
                              soundtrack)
    done = folder.done()
    result = dream_video(info, temporal=settings.temporal, size=settings.size, iterations=settings.iterations,
                         first=done, previous_dream=np.asarray(folder.read(done - 1)) if done else None, seed=seed,
                         progress=_committing(folder, done, progress), stop=stop, device=device,
                         per_frame=per_frame, **settings.dream_options())
    clip = _finish(folder, output, info.frame_count, result.stopped, record, write_stopped,
                   lambda frames: _write_video(output, info, frames, settings.size, record, soundtrack))
    clip.damaged = result.damaged
    return clip


def _render_on_ray(info: VideoInfo, settings: VideoSettings, output: Path, folder: FrameFolder,
                   record: dict[str, Any], max_pixels: int, ray: Mapping[str, Any], chunks: int | None,
                   progress: ProgressCallback | None, stop: threading.Event | None,
                   soundtrack: Soundtrack | None) -> ClipResult:
    from .chunks import join_encoded, joined_frames
    from .cluster import dream_video_on_ray

    options = {**settings.dream_options(), "temporal": settings.temporal, "size": settings.size,
               "iterations": settings.iterations}
    run = dream_video_on_ray(info, folder, output, chunks=chunks, seed=settings.seed, max_pixels=max_pixels,
                             progress=progress, stop=stop, **ray, **options)
    if run.failed:
        raise DeepDreamError(f"{len(run.failed)} runs of frames failed on the cluster; the first: {run.failed[0]}")
    if run.stopped:
        done = sum(task.end - task.first for task in run.tasks if (folder.path / task.name).is_dir())
        return ClipResult(None, done, info.frame_count, True, record, folder.path)
    if run.encoded:
        join_encoded(folder, run.tasks, info, output, record, soundtrack)
    else:
        _write_video(output, info, joined_frames(folder, run.tasks), settings.size, record, soundtrack)
    folder.remove()
    return ClipResult(output, info.frame_count, info.frame_count, False, record, folder.path)


def _finish(folder: FrameFolder, output: Path, total: int, stopped: bool, record: dict[str, Any],
            write_stopped: bool, write: Any) -> ClipResult:
    """Write the clip from the committed frames (unless stopped and kept for a rerun), then drop the frames."""
    done = folder.done()
    if stopped and not write_stopped:
        return ClipResult(None, done, total, True, record, folder.path)
    path = None
    if done:
        write(folder.frames(done))
        path = output
    folder.remove()
    return ClipResult(path, done, total, stopped, record, folder.path)


def _committing(folder: FrameFolder, first: int, progress: ProgressCallback | None) -> ProgressCallback:
    """``progress``, after writing each finished frame (a record's ``result``) to ``folder`` from ``first`` on:
    frames wait on disk, not in memory, and a kill loses at most the frame being dreamed."""
    number = [first]

    def report(record: Progress) -> None:
        if record.result is not None:
            folder.write(number[0], record.result)
            number[0] += 1
        if progress is not None:
            progress(record)

    return report


def _manifest(settings: ZoomSettings) -> dict[str, Any]:
    values = asdict(settings)
    values["translate"] = list(settings.translate)
    values["layers"] = None if settings.layers is None else dict(settings.layers)
    return values


def _drawn() -> int:
    return checks.seed_or_drawn(None)


def _write_zoom(output: Path, frames: Iterable[Image.Image], count: int, fps: float, record: dict[str, Any],
                soundtrack: Soundtrack | None = None) -> None:
    from .zoom import write_zoom

    write_zoom(output, frames, count, fps, record, soundtrack)


def _write_video(output: Path, info: VideoInfo, frames: Iterator[Image.Image] | list[Image.Image], size: int | None,
                 record: dict[str, Any], soundtrack: Soundtrack | None = None) -> None:
    from .video import output_frames
    from .video_io import write_video

    write_video(output, output_frames(info, frames, size), info, record, soundtrack)
