"""The job runner: updates from the engine's records, pictures now and then, Stop, errors, a closed page."""

from __future__ import annotations

import math
import threading
import time

import pytest
from PIL import Image

from deepdreamer.errors import DeepDreamError
from deepdreamer.progress import Job, Progress
from deepdreamer.web import jobs


def stepping(steps: int, pause: float = 0.01, rendered: list | None = None):
    """A job like the engine's: ``steps`` steps, a record after each, stopping within one step."""

    def work(progress, stop):
        job = Job("dream", progress, stop)
        done = 0
        for step in range(1, steps + 1):
            if job.stopped:
                break
            time.sleep(pause)
            done = step

            def render(step=step):
                if rendered is not None:
                    rendered.append(step)
                return Image.new("RGB", (4, 4), (step % 256, 0, 0))

            job.report(Progress("dream", 0, 1, step, steps, 1.0 / step, job.elapsed(), step / steps, (4, 4),
                                _render=render))
        return done

    return work


def test_updates_then_the_result_with_pictures_at_the_chosen_rate():
    rendered: list[int] = []
    items = list(jobs.run(stepping(40, rendered=rendered), threading.Event(), threading.Lock(),
                          preview_every=0.1, tick=0.05))
    *updates, finished = items
    assert isinstance(finished, jobs.Finished) and finished.result == 40 and finished.elapsed > 0.35
    assert all(isinstance(update, jobs.Update) for update in updates)
    pictures = [update.picture for update in updates if update.picture is not None]
    assert 2 <= len(pictures) <= len(rendered) <= 8  # not a picture per step: one per 0.1 s
    assert updates[-1].record.step > 30


def test_stop_ends_the_job_within_a_step_with_its_result():
    stop = threading.Event()
    started = time.monotonic()
    for item in jobs.run(stepping(100_000), stop, threading.Lock(), tick=0.02):
        if isinstance(item, jobs.Update) and item.record is not None:
            stop.set()
        if isinstance(item, jobs.Finished):
            assert 0 < item.result < 100
    assert time.monotonic() - started < 2


def test_a_job_waits_for_the_device_and_says_so():
    device = threading.Lock()
    device.acquire()
    runner = jobs.run(stepping(2), threading.Event(), device, tick=0.01)
    first = next(runner)
    assert first.waiting and jobs.describe(first).startswith("waiting for the device")
    device.release()
    assert isinstance(list(runner)[-1], jobs.Finished)


def test_the_jobs_error_is_raised_in_the_pages_thread():
    def failing(progress, stop):
        raise DeepDreamError("unknown layer 'x'")

    with pytest.raises(DeepDreamError, match="unknown layer"):
        list(jobs.run(failing, threading.Event(), threading.Lock(), tick=0.01))


def test_closing_the_updates_early_stops_the_job_and_frees_the_device():
    stop, device = threading.Event(), threading.Lock()
    runner = jobs.run(stepping(100_000), stop, device, tick=0.01)
    next(runner)
    runner.close()  # what Gradio does when the tab is closed
    assert stop.is_set()
    assert device.acquire(timeout=2)


def test_parts_finished_are_all_handed_over():
    def parts(progress, stop):
        outer = Job("explore", progress, stop)
        for index in range(5):
            outer.finished(index, 5, f"explore {index + 1}/5", f"dream {index}")
        return "set"

    items = list(jobs.run(parts, threading.Event(), threading.Lock(), tick=0.01))
    finished = [result for item in items if isinstance(item, jobs.Update) for result in item.finished]
    assert finished == [f"dream {index}" for index in range(5)]


def test_describe_and_duration():
    record = Progress("dream", 1, 4, 7, 20, 31.24, 3.0, 0.25, (214, 322))
    assert jobs.describe(jobs.Update(record)) == "octave 2/4 · 322x214 · step 7/20 · loss 31.2 · 25% · 9.0 s left"
    assert jobs.describe(jobs.Update(None)) == "starting (loading the model)"
    part = Progress("explore 3/6", 0, 1, 0, 0, math.nan, 1.0, 0.5)
    assert jobs.describe(jobs.Update(part)) == "explore 3/6 · 50% · 1.0 s left"
    assert [jobs.duration(s) for s in (0.42, 12.4, 185)] == ["0.4 s", "12.4 s", "3 min 05 s"]
