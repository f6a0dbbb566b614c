"""The server's own temporary folder, one sub-folder per browser session, and the checks every upload passes.

Everything the server writes lives under one folder made at start (Gradio's uploads and cache too: the
server points ``GRADIO_TEMP_DIR`` at it), is named by the server (``photo-3.png``, never the client's file
name), goes when its session ends and all of it when the server stops. A session ends when its tab is closed:
Gradio's unload event says so, and so does a sweep every ``SWEEP_EVERY`` seconds that asks Gradio which tabs
lost their heartbeat (its unload event does not always run); one that made no request for ``IDLE_SECONDS``
ends too. Its files go once its jobs have stopped (within a step), so no job writes into a removed folder. An upload is
decoded completely before anything is kept (a video: every packet read, within the byte, pixel, length and
frame limits), and the client's copy is deleted whether it passed or not: a non-image (non-video), truncated or
too-big upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import secrets
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from ..errors import DeepDreamError
from ..images import Picture, read_image, write_image
from . import defaults

if TYPE_CHECKING:
    from ..animate.video_io import VideoInfo
    from ..api import DreamResult

#: Suffixes an uploaded video keeps (so the browser knows what it is showing); any other is stored as ``.video``.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".gif", ".ogv"})
#: Suffixes an uploaded sound keeps; any other is stored as ``.sound``.
SOUND_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus"})
#: The longest sound the Music tab takes (a song; the tab dreams a short stretch of it).
MAX_SOUND_SECONDS = 15 * 60.0
#: Live previews kept per session: the newest few, so the browser can still fetch the one it was just sent.
PREVIEWS_KEPT = 3
PREVIEW_QUALITY = 90
#: The sub-folder of the sessions' folders (beside it, Gradio puts each upload in a folder of its own).
SESSIONS = "sessions"
#: Seconds between sweeps for sessions that ended.
SWEEP_EVERY = 2.0
#: A session without a request or a job for this long has ended, whatever Gradio says (a day).
IDLE_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = defaults.MAX_UPLOAD_MB * 1_000_000
    max_pixels: int = defaults.MAX_PIXELS  # of a photo, and of one frame of a video
    max_video_seconds: float = defaults.MAX_VIDEO_SECONDS
    max_video_frames: int = defaults.MAX_VIDEO_FRAMES


@dataclass
class Session:
    """One browser session: its folder, the pictures and the clip it chose, its last gallery, and its jobs' stop
    events."""

    folder: Path
    photo: Path | None = None
    photo_name: str = "photo"  # the photo's and the clip's own names, for the downloads': ``cat_dream.png``
    video_name: str = "video"
    refused: str | None = None  # why the last job asked for was refused before the queue
    guide: Path | None = None
    mask: Path | None = None
    video: VideoInfo | None = None  # the checked clip of the Video tab, kept in the session's folder
    sound: Path | None = None  # the checked sound of the Music tab, kept in the session's folder
    sound_seconds: float = 0.0
    gallery: list[DreamResult] = field(default_factory=list)  # the last explore's or layer previews' dreams
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    _previews: list[Path] = field(default_factory=list)
    _queued: list[threading.Event] = field(default_factory=list)  # jobs asked for, not started yet
    _running: list[threading.Event] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)  # the last request's time
    closing: bool = False  # its tab was closed: its files go once its jobs have stopped

    @property
    def busy(self) -> bool:
        """A job of this session is running (one still queued finds itself stopped when it starts, and writes
        nothing)."""
        with self._lock:
            return bool(self._running)

    def new_file(self, stem: str, suffix: str) -> Path:
        """A fresh server-chosen name in the session's folder: ``dream-7.png``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{stem}-{next(self._numbers)}{suffix}"

    def download(self, name: str) -> Path:
        """A fresh path for a result the user downloads, in a folder of its own so that the file can be named
        after what was dreamed (``cat_dream.png``, never the server's ``dream-7.png``)."""
        folder = self.new_file("result", "")
        folder.mkdir()
        return folder / name

    def new_job(self) -> None:
        """A job joins the queue: Stop pressed while it waits still reaches it."""
        with self._lock:
            self._queued.append(threading.Event())

    def start_job(self) -> threading.Event:
        """A job starts: its stop event (the oldest asked for; a fresh one for a caller that skipped the page)."""
        with self._lock:
            event = self._queued.pop(0) if self._queued else threading.Event()
            self._running.append(event)
        return event

    def end_job(self, event: threading.Event) -> None:
        with self._lock:
            self._running.remove(event)

    def stop(self) -> None:
        """Stop every job of this session, running or waiting (a tab may have a dream running and an explore
        queued: Stop ends both)."""
        with self._lock:
            for event in (*self._queued, *self._running):
                event.set()

    def keep(self, picture: Picture, stem: str) -> Path:
        """Write a checked picture as PNG under a server name (upright, 8-bit, its colour profile kept)."""
        path = self.new_file(stem, ".png")
        write_image(path, picture.image, icc_profile=picture.icc_profile)
        return path

    def preview(self, image: Image.Image, kept: int = PREVIEWS_KEPT) -> Path:
        """Write a live preview (JPEG: quick to encode and to send), dropping all but the newest ``kept``."""
        path = self.new_file("preview", ".jpg")
        image.convert("RGB").save(path, quality=PREVIEW_QUALITY)
        self._previews.append(path)
        while len(self._previews) > kept:
            self._previews.pop(0).unlink(missing_ok=True)
        return path


class Workspace:
    """The server's temporary folder and its sessions, keyed by Gradio's session hash (a client's string, so it
    only ever looks a session up: folder names are the server's own)."""

    def __init__(self, limits: UploadLimits | None = None, parent: Path | None = None) -> None:
        self.limits = limits or UploadLimits()
        self.root = Path(tempfile.mkdtemp(prefix="deepdreamer-web-", dir=parent))
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def session(self, key: str) -> Session:
        with self._lock:
            if key not in self._sessions:
                self._sessions[key] = Session(self.root / SESSIONS / secrets.token_hex(8))
            session = self._sessions[key]
            session.last_used = time.monotonic()
            return session

    def end(self, key: str) -> None:
        """The tab was closed: stop its jobs, and remove its files now or, if a job is still finishing its step,
        at the next sweep."""
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:
                session.closing = True
        self.sweep()

    def sweep(self, closed: Callable[[str], bool] = lambda key: False, now: float | None = None) -> None:
        """End the sessions whose tab is closed (``closed(key)``, or said so by :meth:`end`) or that were idle
        for ``IDLE_SECONDS``: stop their jobs, and remove the files of those whose jobs have stopped."""
        now = time.monotonic() if now is None else now
        with self._lock:
            sessions = list(self._sessions.items())
        ended = []
        for key, session in sessions:
            if closed(key) or now - session.last_used > IDLE_SECONDS:
                session.closing = True
            if session.closing:
                session.stop()
                if not session.busy:
                    ended.append(key)
        with self._lock:
            gone = [self._sessions.pop(key) for key in ended if key in self._sessions]
        for session in gone:
            shutil.rmtree(session.folder, ignore_errors=True)

    def sweep_every(self, seconds: float, closed: Callable[[str], bool]) -> None:
        """Sweep in a background thread until :meth:`close`."""

        def sweeping() -> None:
            while not self._closed.wait(seconds):
                self.sweep(closed)

        threading.Thread(target=sweeping, name="deepdreamer-sweep", daemon=True).start()

    def close(self) -> None:
        """The server stops: stop every job, remove the whole folder."""
        self._closed.set()
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def check_upload(self, upload: str | Path, what: str = "photo") -> Picture:
        """Decode an uploaded file completely within the limits, then delete the client's copy either way.

        Returns the picture (with the record in its metadata, if any); a one-line error the page shows otherwise.
        """
        source = Path(upload)
        if not self._is_upload(source):  # named by a client calling the API: not ours to read or delete
            raise DeepDreamError(f"the {what} was not uploaded to this page")
        try:
            return self._decode(source, what)
        finally:
            self.discard(source)

    def upload_record(self, upload: str | Path, what: str = "dreamed file") -> dict[str, Any] | None:
        """The record in an uploaded picture (decoded completely within the limits) or clip (its tags: a clip
        needs no frame decoded to say how it was made); the client's copy deleted either way."""
        source = Path(upload)
        if not self._is_upload(source):
            raise DeepDreamError(f"the {what} was not uploaded to this page")
        try:
            if source.suffix.lower() not in VIDEO_SUFFIXES - {".gif"}:
                return self._decode(source, what).params
            self._check_bytes(source, what)
            from ..animate.video_io import read_record

            try:
                return read_record(source)
            except DeepDreamError:
                raise DeepDreamError(f"the {what} is not a clip this page can read") from None
        finally:
            self.discard(source)

    def check_video(self, upload: str | Path, session: Session, what: str = "video") -> VideoInfo:
        """Read every packet of an uploaded video within the limits; keep it in ``session``'s folder under a server
        name if it passes, delete the client's copy either way. Returns what was learnt about the kept copy."""
        source = Path(upload)
        if not self._is_upload(source):
            raise DeepDreamError(f"the {what} was not uploaded to this page")
        try:
            info = self._probe(source, what)
            suffix = source.suffix.lower() if source.suffix.lower() in VIDEO_SUFFIXES else ".video"
            kept = session.new_file("clip", suffix)
            shutil.move(source, kept)
            return replace(info, path=kept)
        finally:
            self.discard(source)

    def check_sound(self, upload: str | Path, session: Session) -> tuple[Path, float]:
        """Decode an uploaded sound whole within the byte and length limits; keep it in ``session``'s folder under a
        server name if it passes (deleting the client's copy either way). Returns the kept copy and its seconds."""
        from ..audio.io import read_audio

        source = Path(upload)
        if not self._is_upload(source):
            raise DeepDreamError("the sound was not uploaded to this page")
        try:
            self._check_bytes(source, "sound")
            try:
                sound = read_audio(source, MAX_SOUND_SECONDS, limit_hint="a shorter sound")
            except DeepDreamError as exc:
                raise DeepDreamError(f"the sound cannot be used: {str(exc).removeprefix(f'{source}: ')}") from None
            suffix = source.suffix.lower() if source.suffix.lower() in SOUND_SUFFIXES else ".sound"
            kept = session.new_file("sound", suffix)
            shutil.move(source, kept)
            return kept, sound.seconds
        finally:
            self.discard(source)

    def discard(self, upload: str | Path) -> None:
        """Delete the client's copy of an upload (nothing else: a path that is not an upload is left alone)."""
        source = Path(upload)
        if not self._is_upload(source):
            return
        source.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # Gradio puts each upload in a folder of its own; another may share it
            source.parent.rmdir()

    def _probe(self, source: Path, what: str) -> VideoInfo:
        from ..animate.video_io import probe_video

        limits = self.limits
        self._check_bytes(source, what)
        try:
            info = probe_video(source, max_pixels=limits.max_pixels)
        except DeepDreamError as exc:  # name the upload, not the server's path; no CLI option to suggest
            reason = str(exc).removeprefix(f"{source}: ").replace(" (raise it with --max-pixels)", "")
            raise DeepDreamError(f"the {what} cannot be used: {reason}") from None
        seconds = float(info.end * info.time_base)
        if seconds > limits.max_video_seconds:
            raise DeepDreamError(f"the {what} lasts {seconds:.1f} s, above this page's limit of "
                                 f"{limits.max_video_seconds:g} s (short clips only)")
        if info.frame_count > limits.max_video_frames:
            raise DeepDreamError(f"the {what} has {info.frame_count} frames, above this page's limit of "
                                 f"{limits.max_video_frames} (short clips only)")
        return info

    def _is_upload(self, path: Path) -> bool:
        """Gradio's uploads are ROOT/HASH/NAME; anything else (a session's files) is not for a client to name."""
        try:
            parts = path.resolve().relative_to(self.root.resolve()).parts
        except ValueError:
            return False
        return len(parts) == 2 and parts[0] != SESSIONS

    def _check_bytes(self, source: Path, what: str) -> None:
        size = source.stat().st_size
        if size > self.limits.max_bytes:
            raise DeepDreamError(f"the {what} is {size / 1e6:.1f} MB, above this page's limit of "
                                 f"{self.limits.max_bytes / 1e6:g} MB")

    def _decode(self, source: Path, what: str) -> Picture:
        self._check_bytes(source, what)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(source) as header:  # reads the size only
                    width, height = header.size
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
            raise DeepDreamError(f"the {what} is not an image this page can read (PNG, JPEG, WebP, ...)") from None
        if min(width, height) < defaults.MIN_PHOTO_SIDE and what != "dreamed file":
            raise DeepDreamError(f"the {what} is {width}x{height}: this page needs at least {defaults.MIN_PHOTO_SIDE} "
                                 f"px on each side (a smaller picture holds no octave of the models' patterns)")
        if width * height > self.limits.max_pixels:
            raise DeepDreamError(f"the {what} is {width}x{height}, {width * height / 1e6:.1f} megapixels, above this "
                                 f"page's limit of {self.limits.max_pixels / 1e6:g}")
        try:
            return read_image(source, max_pixels=self.limits.max_pixels)
        except DeepDreamError as exc:  # truncated or corrupt: name the upload, not the server's path
            reason = str(exc).removeprefix(f"{source}: ")
            raise DeepDreamError(f"the {what} cannot be read: {reason}") from None


def download_name(client_name: str | None, default: str) -> str:
    """A name for downloads from the name of what the user uploaded: its stem, letters, digits, ``-`` and ``_``
    only (it is the client's text), at most 40 characters."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(client_name or "").stem).strip("_")[:40]
    return stem or default
