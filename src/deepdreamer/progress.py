"""The one progress record every long job reports, and the one way to stop a job: a ``threading.Event``.

Every long-running function (``dream``, ``explore``, ``layer_previews``, ``visualize_channels``,
``dream_audio``, and the animation and batch jobs) takes ``progress=`` (a callable receiving
:class:`Progress`) and ``stop=`` (a :class:`threading.Event`). Setting the event from any thread ends
the job after its current step; the job then returns its normal result with ``stopped=True``.

A job made of parts (twelve explore dreams, the frames of a video) reports each part's records through
:meth:`Job.part`, which rescales them onto the whole job: one ``fraction`` and one ETA for the whole.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class Progress:
    """Where a long job stands: reported after each step, and once more when an octave (or a part) ends."""

    stage: str  # what runs: "dream", "explore 3/12", "frame 5/120", "filters", "audio"
    octave: int  # 0-based, smallest first (jobs without octaves: 0 of 1)
    num_octaves: int
    step: int  # steps done in this octave
    steps: int  # steps an octave runs unless stopped early
    loss: float  # the objective before the last step (NaN before the first)
    elapsed: float  # seconds since the job started
    fraction: float  # of the whole job done, 0..1 (steps weighted by their cost)
    shape: tuple[int, int] = (0, 0)  # height, width of what is being dreamed now
    octave_done: bool = False  # the octave (or the part) has ended
    loss_limit_reached: bool = False  # the octave ended on max_loss
    detail: bool = False  # a detail octave, above the working size (the structure is done)
    result: Any = None  # on the record that ends a part of a job (one explore dream, one frame): its result
    _render: Callable[[], Image.Image] | None = field(default=None, repr=False, compare=False)

    @property
    def eta(self) -> float | None:
        """Seconds left, extrapolated from the fraction done so far (None until something is done)."""
        if self.fraction <= 0:
            return None
        return self.elapsed * (1 - self.fraction) / self.fraction

    def picture(self) -> Image.Image | None:
        """The current picture (converted now, only when asked; None where a job has no picture)."""
        return None if self._render is None else self._render()


ProgressCallback = Callable[[Progress], None]

#: Before a job has timed steps of two sizes, a step of ``p`` pixels is taken to last ``(p / p0) ** 0.5`` times
#: one of ``p0``: a step's fixed costs weigh on small octaves, so time grows far slower than area (docs/speed.md).
UNSEEN_SIZE_EXPONENT = 0.5


class StepTimes:
    """How long a step lasts at a size, learnt from the steps a job has done: ``a + b * pixels`` fitted to the
    median time of each size seen (from one size only: :data:`UNSEEN_SIZE_EXPONENT`). The ETA of a dream is
    the predicted time of the steps left, so it is right from the first octave on, not only at the end."""

    def __init__(self) -> None:
        self._seen: dict[int, list[float]] = {}

    def add(self, pixels: int, seconds: float) -> None:
        self._seen.setdefault(pixels, []).append(seconds)

    def predict(self, pixels: int) -> float | None:
        """Seconds a step of ``pixels`` is expected to last; None before any step was timed."""
        medians = {size: _median(times) for size, times in self._seen.items()}
        if not medians:
            return None
        if len(medians) == 1:
            ((size, seconds),) = medians.items()
            return seconds * (pixels / size) ** UNSEEN_SIZE_EXPONENT
        sizes, seconds = list(medians), list(medians.values())
        mean_size, mean_seconds = sum(sizes) / len(sizes), sum(seconds) / len(seconds)
        spread = sum((size - mean_size) ** 2 for size in sizes)
        slope = max(sum((s - mean_size) * (t - mean_seconds) for s, t in zip(sizes, seconds, strict=True)) / spread,
                    0.0)
        return max(mean_seconds + slope * (pixels - mean_size), 0.0)


def _median(values: list[float]) -> float:
    """(``statistics`` would cost the command line's instant answers its import.)"""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


class Job:
    """A long job's progress reporting and stop flag, passed down to the loops that do the work.

    ``fraction`` is the share of the job done, kept here so that parts report onto the whole.
    """

    def __init__(self, stage: str, progress: ProgressCallback | None = None, stop: threading.Event | None = None,
                 *, start: float | None = None) -> None:
        self.stage = stage
        self.progress = progress
        self.stop = stop
        self.start = time.perf_counter() if start is None else start

    @property
    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def report(self, record: Progress) -> None:
        if self.progress is not None:
            self.progress(record)

    def part(self, index: int, count: int, label: str) -> Job:
        """A sub-job for part ``index`` of ``count``: its records become the whole job's, relabelled ``label``."""
        outer = self

        def forward(record: Progress) -> None:
            outer.report(replace(record, stage=label, elapsed=outer.elapsed(),
                                 fraction=(index + record.fraction) / count))

        return Job(label, forward if self.progress is not None else None, self.stop, start=self.start)

    def finished(self, index: int, count: int, label: str, result: Any) -> None:
        """Report that part ``index`` of ``count`` is done, with its ``result`` (for a front end to save at once)."""
        self.report(Progress(label, 0, 1, 0, 0, math.nan, self.elapsed(), (index + 1) / count, octave_done=True,
                             result=result))
