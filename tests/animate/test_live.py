"""The live path on the real Lite0: frames dreamed warm along the flow, mirrored, dropped when late, on a budget."""

from __future__ import annotations

import time

import numpy as np
import pytest

from deepdreamer.animate.flicker import input_motion, warping_error
from deepdreamer.animate.live import (
    MIN_LIVE_SIZE,
    FrameBudget,
    LiveDreamer,
    LiveLoop,
    LiveSettings,
    fit,
    live_octaves,
)
from deepdreamer.errors import DeepDreamError

from .clips import pan

SMALL = LiveSettings(size=128)


@pytest.fixture(scope="module")
def dreamer() -> LiveDreamer:
    return LiveDreamer(device="cpu", seed=3)


def _frames(count: int = 6) -> list[np.ndarray]:
    return pan(count, size=(192, 128), step=3)


def test_frames_are_dreamed_at_the_live_size_and_the_dream_builds_up_along_the_flow(dreamer):
    frames = _frames()
    dreamer.reset()
    carried = [dreamer.dream(frame, SMALL) for frame in frames]
    inputs, dreams = [small for small, _ in carried], [dream for _, dream in carried]
    assert inputs[0].shape == dreams[0].shape == (86, 128, 3)
    assert np.array_equal(inputs[0], fit(frames[0], 128))
    strength = [np.abs(dream.astype(float) - small).mean() for small, dream in carried]
    assert strength[-1] > 1.5 * strength[0] > 0, f"the carried dream did not build up: {strength}"

    # each frame alone, as strong as the carried ones (a still's 10 steps), flickers far more
    alone = []
    for frame in frames:
        dreamer.reset()
        alone.append(dreamer.dream(frame, LiveSettings(size=128, steps=10))[1])
    motion = input_motion(inputs)
    assert warping_error(dreams, motion) < 0.6 * warping_error(alone, motion)


def test_mirror_flips_the_frame_before_it_is_dreamed(dreamer):
    frame = _frames(1)[0]
    dreamer.reset()
    mirrored = dreamer.dream(frame, LiveSettings(size=128, mirror=True))
    dreamer.reset()
    flipped = dreamer.dream(np.ascontiguousarray(frame[:, ::-1]), SMALL)
    assert np.array_equal(mirrored[0], flipped[0]) and np.array_equal(mirrored[1], flipped[1])


def test_a_size_change_carries_the_dream_resized():
    first, second = _frames(2)
    dreamer = LiveDreamer(device="cpu", seed=3)
    dreamer.dream(first, SMALL)
    small, dream = dreamer.dream(second, LiveSettings(size=160))
    assert dream.shape == small.shape == (106, 160, 3)
    cold = LiveDreamer(device="cpu", seed=3).dream(second, LiveSettings(size=160))[1]
    assert np.abs(dream.astype(float) - small).mean() > np.abs(cold.astype(float) - small).mean()


def test_settings_out_of_range_are_refused_in_one_line(dreamer):
    for settings, words in ((LiveSettings(size=64), "live size"), (LiveSettings(steps=0), "live steps"),
                            (LiveSettings(step=-1.0), "step must")):
        with pytest.raises(DeepDreamError, match=words):
            settings.check()
    with pytest.raises(DeepDreamError, match="uint8"):
        dreamer.dream(np.zeros((8, 8), np.uint8), SMALL)
    assert (live_octaves(256), live_octaves(480)) == (1, 2)


def test_the_loop_drops_frames_that_come_while_one_is_dreamed_and_takes_new_settings(dreamer):
    frames = _frames(8)
    dreamer.reset()
    loop = LiveLoop(dreamer, SMALL, budget=None)
    try:
        loop.offer(frames[0])
        first = loop.wait(0, timeout=60)
        assert first is not None and first.index == 1 and first.dream.shape == (86, 128, 3)
        loop.settings = LiveSettings(size=160, steps=1)  # mid-stream: the next frame takes it
        for frame in frames[1:]:  # far faster than a frame is dreamed
            loop.offer(frame)
        newest = fit(frames[-1], 160)
        deadline = time.monotonic() + 60
        latest = loop.latest()
        while time.monotonic() < deadline and not (latest is not None and np.array_equal(latest.frame, newest)):
            latest = loop.wait(latest.index if latest else 0, timeout=5)
        assert latest is not None and np.array_equal(latest.frame, newest)  # the newest frame, not a backlog
        assert latest.settings.size == 160 and latest.settings.steps == 1 and latest.dream.shape == (106, 160, 3)
        assert latest.latency > 0
        counts = loop.counts
        assert counts.offered == 8 and counts.dreamed <= 3 and counts.dreamed + counts.dropped == counts.offered
    finally:
        loop.close(timeout=30)
    assert not loop.running


def test_a_failing_frame_ends_the_loop_with_its_error(dreamer):
    loop = LiveLoop(dreamer, SMALL, budget=None)
    loop.offer(np.zeros((8, 8), np.uint8))
    assert loop.wait(0, timeout=30) is None
    assert isinstance(loop.error, DeepDreamError)
    loop.close(timeout=5)
    assert not loop.running


def test_the_budget_lowers_the_size_then_the_steps_and_gives_them_back():
    asked = LiveSettings(size=256, steps=3)
    budget = FrameBudget(0.1)
    ran = budget.plan(asked)
    sizes, steps = [], []
    for _ in range(20):  # far too slow
        budget.spent(ran, 0.5, asked)
        ran = budget.plan(asked)
        sizes.append(ran.size)
        steps.append(ran.steps)
    assert sizes[0] == 240 and min(sizes) == MIN_LIVE_SIZE
    assert steps[sizes.index(MIN_LIVE_SIZE)] == 3 and steps[-1] == 1  # the size goes first
    for _ in range(40):  # far too fast now
        budget.spent(ran, 0.01, asked)
        ran = budget.plan(asked)
    assert (ran.size, ran.steps) == (256, 3)
    smaller = LiveSettings(size=192, steps=2)  # asked for less meanwhile: never above it
    assert (budget.plan(smaller).size, budget.plan(smaller).steps) == (192, 2)
    unlimited = FrameBudget(None)
    unlimited.spent(asked, 10.0, asked)
    assert unlimited.plan(asked) == asked
