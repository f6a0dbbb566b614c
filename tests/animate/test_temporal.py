"""How each frame's dream starts; and on a real (tiny) dreamed pan, flow starts flicker least."""

from __future__ import annotations

import numpy as np
import pytest

from deepdreamer.animate.temporal import blend, carry_residual, start_image, warm_iterations
from deepdreamer.errors import DeepDreamError

from .clips import pan

STEP = 3


def test_the_first_frame_and_mode_none_start_from_the_frame_itself():
    first, second = pan(2)
    for mode in ("flow", "blend", "none"):
        assert start_image(first, None, None, mode) is first
    assert start_image(second, first, 255 - first, "none") is second


def test_blend_is_half_the_last_dream_and_half_the_new_frame():
    frame = np.full((4, 6, 3), 100, np.uint8)
    dream = np.full((4, 6, 3), 201, np.uint8)
    assert np.array_equal(start_image(frame, frame, dream, "blend"), np.full((4, 6, 3), 150, np.uint8))  # rounds
    assert np.array_equal(blend(frame, dream, 0.25), np.full((4, 6, 3), 125, np.uint8))


def test_flow_carries_the_residual_along_with_the_scene():
    earlier, later = pan(2, step=STEP)
    marks = np.zeros_like(earlier, dtype=np.int16)
    marks[20:40, 30:50] = 60  # what the dream added to the earlier frame, on one patch of the scene
    dream = np.clip(earlier + marks, 0, 255).astype(np.uint8)
    added = start_image(later, earlier, dream, "flow", residual_weight=1.0).astype(np.int16) - later
    moved = added[22:38, 30 - STEP + 2:50 - STEP - 2]  # the scene moved left by STEP
    assert np.abs(moved - (dream.astype(np.int16) - earlier)[22:38, 32:48]).mean() < 6
    assert np.abs(added[:, :24]).mean() < 1 and np.abs(added[:, 56:]).mean() < 1  # nothing elsewhere


def test_the_residual_is_weighted_and_left_out_where_the_scene_is_new():
    earlier, later = pan(2, step=STEP)
    dream = np.clip(earlier.astype(np.int16) + 40, 0, 255).astype(np.uint8)
    residual = dream.astype(np.int16) - earlier
    full = carry_residual(later, earlier, dream, 1.0).astype(np.int16) - later
    half = carry_residual(later, earlier, dream, 0.5).astype(np.int16) - later
    inside = (slice(8, -8), slice(8, -8))
    assert np.abs(full[inside] - np.roll(residual, -STEP, axis=1)[inside]).mean() < 3
    assert np.abs(half[inside] - full[inside] / 2).max() <= 1
    assert np.array_equal(full[:, -STEP:], np.zeros_like(full[:, -STEP:]))  # revealed: not in the earlier frame
    assert np.array_equal(carry_residual(later, earlier, dream, 0.0), later)


def test_only_flow_starts_warm_enough_for_fewer_iterations():
    assert warm_iterations(10) == 3 and warm_iterations(20, "flow") == 6 and warm_iterations(2) == 1
    assert warm_iterations(10, "blend") == warm_iterations(10, "none") == 10
    assert warm_iterations(0) == 0


def test_bad_modes_weights_and_shapes_are_refused():
    first, second = pan(2)
    with pytest.raises(DeepDreamError, match="unknown temporal mode 'raft'"):
        start_image(second, first, first, "raft")
    with pytest.raises(DeepDreamError, match="between 0 and 1"):
        start_image(second, first, first, "flow", residual_weight=1.5)
    with pytest.raises(DeepDreamError, match="must be"):
        start_image(second, first[:32], first, "flow")
