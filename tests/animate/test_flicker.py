"""Warping error: zero for a still clip, large for shuffled frames, and exactly Lai et al.'s formula."""

from __future__ import annotations

import numpy as np
import pytest

from deepdreamer.animate.flicker import Motion, input_motion, warping_error, warping_errors
from deepdreamer.errors import DeepDreamError

from .clips import pan


def still(frames: int, shape=(16, 24, 2)) -> list[Motion]:
    return [Motion(np.zeros(shape, np.float32), np.ones(shape[:2], bool)) for _ in range(frames - 1)]


def test_a_still_clip_does_not_flicker():
    frames = [pan(1)[0]] * 5
    assert warping_error(frames, input_motion(frames)) < 1e-6


def test_a_pan_barely_flickers_and_shuffled_frames_flicker_a_lot():
    frames = pan(8, step=3)
    motion = input_motion(frames)
    steady = warping_error(frames, motion)
    order = [0, 5, 2, 7, 1, 6, 3, 4]
    shuffled = warping_error([frames[i] for i in order], motion)
    assert steady < 0.002
    assert shuffled > 10 * steady


def test_the_error_is_the_masked_mean_of_squared_colour_differences():
    base = np.full((16, 24, 3), 100, np.uint8)
    brighter = base + 10
    brighter[:, :12] = 200  # a big change, but only where the mask says the motion is unknown
    motion = still(2)
    motion[0].mask[:, :12] = False
    assert warping_errors([base, brighter], motion) == pytest.approx([3 * (10 / 255) ** 2])
    assert warping_error([base, brighter, base], still(3)) == pytest.approx(
        np.mean([(3 * (10 / 255) ** 2 * 12 + 3 * (100 / 255) ** 2 * 12) / 24] * 2))


def test_frames_and_motion_must_match():
    with pytest.raises(DeepDreamError, match="3 frames need 2 motions, not 1"):
        warping_errors([np.zeros((16, 24, 3), np.uint8)] * 3, still(2))
