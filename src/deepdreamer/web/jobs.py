"""Running an engine job for the page: in a worker thread, one job per device at a time, seen as a stream of updates.

The engine reports a :class:`~deepdreamer.progress.Progress` after every step, from the thread that dreams. The
page's handler (a generator that Gradio iterates in its own threads) must neither slow that thread down nor flood
the browser, so the engine's callback only keeps the latest record, and takes a picture (``picture()`` converts
the whole tensor) at most every ``preview_every`` seconds; the handler wakes every ``tick`` seconds and passes on
what changed. Stop is the job's ``threading.Event``: the engine ends within one step and returns its normal result,
``stopped=True``. Gradio's own cancel only acts between yields, so it is not used; but when Gradio closes the
generator (the tab was closed), the event is set too, and the device is free again within a step.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import defaults

if TYPE_CHECKING:
    from PIL import Image

    from ..progress import Progress, ProgressCallback

T = TypeVar("T")

#: Seconds between updates sent to the page (status text; a picture only when a new one was taken).
TICK = 0.5


@dataclass(frozen=True)
class Update:
    """What the page shows while a job runs."""

    record: Progress | None  # the latest progress record; None before the first step
    waiting: bool = False  # for the device: a job a closed tab left behind is finishing its step
    picture: Image.Image | None = None  # a picture taken since the last update
    finished: list[Any] = field(default_factory=list)  # parts finished since the last update (each explore dream)


@dataclass(frozen=True)
class Finished(Generic[T]):
    """The job's result (a stopped job's too) and how long it ran once it had the device."""

    result: T
    elapsed: float


Work = Callable[["ProgressCallback", threading.Event], T]


def run(work: Work[T], stop: threading.Event, device: threading.Lock, *, preview_every: float = defaults.PREVIEW_EVERY,
        tick: float = TICK) -> Iterator[Update | Finished[T]]:
    """Run ``work(progress, stop)`` in a thread once ``device`` is free; yield an :class:`Update` every ``tick``
    seconds, then one :class:`Finished`. The work's exception is raised here. Closing the generator early
    sets ``stop``."""
    mailbox = _Mailbox(preview_every)
    outcome: dict[str, Any] = {}
    started = threading.Event()

    def target() -> None:
        with device:
            started.set()
            start = time.perf_counter()
            try:
                outcome["result"] = work(mailbox, stop)
            except BaseException as exc:  # handed to the page's thread, raised there
                outcome["error"] = exc
            outcome["elapsed"] = time.perf_counter() - start

    thread = threading.Thread(target=target, name="deepdreamer-web-job", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(tick)
            yield mailbox.take() if started.is_set() else Update(None, waiting=True)
        last = mailbox.take()
        if last.finished:
            yield last
        if "error" in outcome:
            raise outcome["error"]
        yield Finished(outcome["result"], outcome["elapsed"])
    finally:
        if thread.is_alive():  # the page went away mid-job
            stop.set()


class _Mailbox:
    """The engine's progress callback: keeps the latest record and, now and then, a picture."""

    def __init__(self, preview_every: float) -> None:
        self.preview_every = preview_every
        self._lock = threading.Lock()
        self._record: Progress | None = None
        self._picture: Image.Image | None = None
        self._finished: list[Any] = []
        self._next_picture = -math.inf

    def __call__(self, record: Progress) -> None:
        picture = None
        if time.monotonic() >= self._next_picture:
            picture = record.picture()
            self._next_picture = time.monotonic() + self.preview_every  # after converting: its cost is not counted
        with self._lock:
            self._record = record
            if picture is not None:
                self._picture = picture
            if record.result is not None:
                self._finished.append(record.result)

    def take(self) -> Update:
        with self._lock:
            update = Update(self._record, picture=self._picture, finished=self._finished)
            self._picture, self._finished = None, []
        return update


def describe(update: Update) -> str:
    """One line about a running job: stage, octave, size, step, loss, share done, time left."""
    record = update.record
    if update.waiting:
        return "waiting for the device: the model is loading, or the last job is ending"
    if record is None:
        return "starting (loading the model)"
    height, width = record.shape
    parts = [] if record.stage == "dream" else [record.stage]
    if record.num_octaves > 1:
        parts.append(f"octave {record.octave + 1}/{record.num_octaves}")
    if width:
        parts.append(f"{width}x{height}")
    if record.steps:
        parts.append(f"step {record.step}/{record.steps}")
    if math.isfinite(record.loss):
        parts.append(f"loss {record.loss:.3g}")
    parts.append(f"{record.fraction:.0%}")
    if record.eta is not None:
        parts.append(f"{duration(record.eta)} left")
    return " · ".join(parts)


def duration(seconds: float) -> str:
    """``0.4 s``, ``12.3 s``, ``3 min 05 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
