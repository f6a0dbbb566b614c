"""The Zoom and Video tabs' events: the boxes checked, one call to the renderer, its frames shown as they come.

The renderer (:mod:`deepdreamer.animate.render`) does the work the command line's ``zoom`` and ``video`` do:
frames committed to a folder in the session's (not kept in the server's memory), the clip written with its
record, so the Repeat tab (and ``deepdreamer zoom --like``) makes it again. A stopped job writes the frames it
finished. :class:`ClipEvents` is a part of :class:`~.handlers.Page`, kept here so that the page's handlers stay
about sessions, pictures and dreams.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from .. import checks
from ..errors import DeepDreamError
from ..images import Picture, shrink
from . import animation, choices, jobs
from .messages import clip_ended, status, warn
from .workspace import download_name

if TYPE_CHECKING:
    from ..animate.render import ClipResult
    from .workspace import Session, Workspace


class ClipEvents:
    """What the Zoom and Video tabs' events do (a part of :class:`~.handlers.Page`)."""

    workspace: Workspace
    device: str
    session: Callable[[gr.Request], Session]
    _enqueue: Callable[..., str]
    _run: Callable[[jobs.Work, Session, str], Iterator[str | jobs.Update | jobs.Finished]]
    _pictures: Callable[[Session, int | None], dict[str, Picture]]

    def prepare_zoom(self, model: str, frames: Any, zoom: Any, rotate: Any, side: Any, iterations: Any, seed: Any,
                     request: gr.Request) -> str:
        """Checks done before a zoom joins the queue."""

        def check() -> None:
            animation.require_extra()
            choices.check_model(model)
            animation.zoom_boxes(frames, zoom, rotate, side, iterations, seed)

        return self._enqueue(request, check, "photo", "upload a photo, or pick a bundled one, on the Dream tab first")

    def zoom(self, model: str, preset: str | None, frames: Any, zoom: Any, rotate: Any, side: Any, iterations: Any,
             seed: Any, request: gr.Request) -> Iterator[list[Any]]:
        """Fly into the session's photo; outputs: status, live frame, the clip, download."""
        from ..animate.render import render_zoom

        session = self.session(request)
        try:
            chosen = animation.zoom_boxes(frames, zoom, rotate, side, iterations, seed)
        except DeepDreamError as exc:  # prepare_zoom said so already, unless the API was called directly
            yield from _refused(session, str(exc))
            return
        settings = chosen.settings(model, preset, checks.seed_or_drawn(chosen.seed))

        def work(progress: Any, stop: threading.Event) -> ClipResult:
            photo = animation.even_sides(shrink(self._pictures(session, 0)["photo"].image.convert("RGB"),
                                                chosen.side))
            return _in_session(session, lambda frames: render_zoom(
                photo, settings, session.download(f"{session.photo_name}_zoom{animation.output_suffix(None)}"),
                work=frames,
                device=self.device, write_stopped=True, progress=progress, stop=stop))

        yield from self._clip(work, session, f"zoom seed {settings.seed}", model)

    def video_uploaded(self, payload: Mapping[str, Any] | None, request: gr.Request) -> tuple[Any, str]:
        """The Video tab's upload: read it completely within the limits, keep it under a server name."""
        from ..animate.video import frame_size

        session = self.session(request)
        _forget_video(session)
        if payload is None:
            return None, status("")
        try:
            animation.require_extra()
            info = self.workspace.check_video(payload["path"], session)
        except DeepDreamError as exc:
            warn(str(exc))
            self.workspace.discard(payload["path"])  # kept nowhere, whatever refused it
            return None, status(str(exc), kind="error")
        session.video = info
        session.video_name = download_name(payload.get("orig_name"), "video")
        width, height = frame_size(info, None)
        seconds = float(info.end * info.time_base)
        sound = f", sound ({info.sound})" if info.sound else ", no sound"
        return str(info.path), status(f"video ready: {width}x{height}, {info.frame_count} frames, "
                                      f"{seconds:.1f} s{sound}")

    def sound_uploaded(self, payload: Mapping[str, Any] | None, request: gr.Request) -> tuple[Any, str]:
        """The Music tab's upload: decode it whole within the limits, keep it under a server name."""
        session = self.session(request)
        _forget_sound(session)
        if payload is None:
            return None, status("")
        try:
            animation.require_extra(music=True)
            session.sound, session.sound_seconds = self.workspace.check_sound(payload["path"], session)
        except DeepDreamError as exc:
            warn(str(exc))
            self.workspace.discard(payload["path"])
            return None, status(str(exc), kind="error")
        return str(session.sound), status(f"sound ready: {session.sound_seconds:.1f} s")

    def sound_cleared(self, request: gr.Request) -> None:
        _forget_sound(self.session(request))

    def prepare_music(self, model: str, start: Any, seconds: Any, side: Any, follow: Any, seed: Any,
                      request: gr.Request) -> str:
        """Checks done before a music zoom joins the queue: the boxes, a photo and a sound."""
        session = self.session(request)

        def check() -> None:
            animation.require_extra(music=True)
            choices.check_model(model)
            chosen = animation.music_boxes(start, seconds, side, follow, seed)
            if session.sound is None:
                raise DeepDreamError("upload a sound first")
            if chosen.start >= session.sound_seconds:
                raise DeepDreamError(f"the sound lasts {session.sound_seconds:.1f} s: start earlier")

        return self._enqueue(request, check, "photo", "upload a photo, or pick a bundled one, on the Dream tab first")

    def music(self, model: str, preset: str | None, start: Any, seconds: Any, side: Any, follow: Any, seed: Any,
              request: gr.Request) -> Iterator[list[Any]]:
        """Fly into the session's photo as long as the stretch of its sound lasts, following it; outputs: status,
        live frame, the clip (with the sound), download."""
        from ..animate.render import render_zoom

        session = self.session(request)
        try:
            chosen = animation.music_boxes(start, seconds, side, follow, seed)
            if session.sound is None:
                raise DeepDreamError("upload a sound first")
        except DeepDreamError as exc:
            yield from _refused(session, str(exc))
            return
        settings = chosen.settings(model, preset, checks.seed_or_drawn(chosen.seed), str(session.sound))

        def work(progress: Any, stop: threading.Event) -> ClipResult:
            photo = animation.even_sides(shrink(self._pictures(session, 0)["photo"].image.convert("RGB"),
                                                chosen.side))
            return _in_session(session, lambda frames: render_zoom(
                photo, settings, session.download(f"{session.photo_name}_music{animation.output_suffix(None)}"),
                work=frames, device=self.device, write_stopped=True, progress=progress, stop=stop))

        yield from self._clip(work, session, f"music zoom seed {settings.seed}", model)

    def video_cleared(self, request: gr.Request) -> None:
        _forget_video(self.session(request))

    def prepare_video(self, model: str, temporal: str, side: Any, iterations: Any, seed: Any, request: gr.Request
                      ) -> str:
        """Checks done before a video dream joins the queue."""

        def check() -> None:
            animation.require_extra()
            choices.check_model(model)
            animation.video_boxes(temporal, side, iterations, seed)

        return self._enqueue(request, check, "video", "upload a short video first")

    def dream_video(self, model: str, preset: str | None, temporal: str, side: Any, iterations: Any, seed: Any,
                    request: gr.Request) -> Iterator[list[Any]]:
        """Dream the session's clip frame by frame; outputs: status, live frame, the dreamed clip, download."""
        from ..animate.render import render_video

        session = self.session(request)
        try:
            chosen = animation.video_boxes(temporal, side, iterations, seed)
        except DeepDreamError as exc:
            yield from _refused(session, str(exc))
            return
        settings = chosen.settings(model, preset, checks.seed_or_drawn(chosen.seed))

        def work(progress: Any, stop: threading.Event) -> ClipResult:
            video = session.video
            if video is None:
                raise DeepDreamError("upload a short video first")
            return _in_session(session, lambda frames: render_video(
                video, settings, session.download(f"{session.video_name}_dream{animation.output_suffix(video.sound)}"),
                work=frames,
                device=self.device, write_stopped=True, progress=progress, stop=stop))

        yield from self._clip(work, session, f"video seed {settings.seed}", model)

    def _clip(self, work: jobs.Work, session: Session, what: str, model: str) -> Iterator[list[Any]]:
        """A zoom or video job's updates: the latest picture live, then the clip. Outputs: status, live frame,
        clip, download."""
        for item in self._run(work, session, model):
            if isinstance(item, str):
                yield [item, gr.skip(), gr.skip(), gr.skip()]
            elif isinstance(item, jobs.Update):
                picture = item.picture if item.picture is not None or not item.finished else item.finished[-1]
                shown = gr.skip() if picture is None else str(session.preview(picture))
                yield [status(jobs.describe(item), item.record), shown, gr.skip(), gr.skip()]
            else:
                clip: ClipResult = item.result
                text, kind = clip_ended(what, jobs.duration(item.elapsed), clip.frames, clip.total, clip.stopped,
                                        len(clip.damaged))
                if clip.path is None:
                    yield [status(text, kind=kind), gr.skip(), gr.skip(), gr.skip()]
                    continue
                yield [status(text, kind=kind), gr.skip(), str(clip.path),
                       gr.update(value=str(clip.path), interactive=True)]


def _in_session(session: Session, render: Callable[[Path], ClipResult]) -> ClipResult:
    """``render`` with its frames in a folder of the session's, removed even when the job fails (clips are big)."""
    frames = session.new_file("frames", "")
    try:
        return render(frames)
    finally:
        shutil.rmtree(frames, ignore_errors=True)


def _refused(session: Session, message: str) -> Iterator[list[Any]]:
    """A clip job refused before it starts: its place in the session's jobs given up, the reason shown."""
    session.end_job(session.start_job())
    warn(message)
    yield [status(message, kind="error"), gr.skip(), gr.skip(), gr.skip()]


def _forget_sound(session: Session) -> None:
    """The session's sound is replaced or cleared: its file goes, unless a job may be reading it."""
    if session.sound is not None and not session.busy:
        session.sound.unlink(missing_ok=True)
    session.sound = None


def _forget_video(session: Session) -> None:
    """The session's clip is replaced or cleared: its file goes (clips are big), unless a job may be reading it
    (then it goes with the session's folder)."""
    if session.video is not None and not session.busy:
        session.video.path.unlink(missing_ok=True)
    session.video = None
