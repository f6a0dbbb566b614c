"""Optical flow, warping and the trust mask, on pans whose true motion is known."""

from __future__ import annotations

import numpy as np
import pytest

from deepdreamer.animate.flow import FLOW_METHODS, optical_flow, trusted, warp
from deepdreamer.errors import DeepDreamError

from .clips import SIZE, pan, photo, zoom

STEP = 3  # pixels the pan moves a frame
INTERIOR = (slice(8, -8), slice(8, -8))


@pytest.mark.parametrize("method", FLOW_METHODS)
def test_flow_recovers_a_pan(method):
    first, second = pan(2, step=STEP)
    flow = optical_flow(first, second, method)
    assert flow.shape == (*first.shape[:2], 2) and flow.dtype == np.float32
    assert np.allclose(np.median(flow[INTERIOR], axis=(0, 1)), (-STEP, 0), atol=0.25)  # the scene moves left


def test_the_default_flow_is_accurate_everywhere_inside():
    first, second = pan(2, step=STEP)
    error = np.linalg.norm(optical_flow(first, second)[INTERIOR] - (-STEP, 0), axis=-1)
    assert error.mean() < 0.3


def test_flow_of_a_zoom_points_away_from_the_centre():
    factor = 1.04
    first, second = zoom(2, factor=factor)
    width, height = SIZE
    xs, ys = np.meshgrid(np.arange(width) - (width - 1) / 2, np.arange(height) - (height - 1) / 2)
    truth = (factor - 1) * np.stack([xs, ys], axis=-1)  # a point d from the centre moves to factor * d
    error = np.linalg.norm(optical_flow(first, second) - truth, axis=-1)[INTERIOR]
    assert np.median(error) < 0.3


def test_warp_samples_where_the_flow_points():
    image = np.arange(20 * 30, dtype=np.float32).reshape(20, 30)
    flow = np.zeros((20, 30, 2), np.float32)
    flow[..., 0], flow[..., 1] = 2, 1  # p + (2, 1)
    assert np.array_equal(warp(image, flow)[:-1, :-2], image[1:, 2:])
    assert np.allclose(warp(image, flow / 2)[:-1, :-1], (image[:-1, 1:] + image[1:, 1:]) / 2)  # (1, 0.5): bilinear


def test_warping_the_next_frame_by_the_flow_gives_back_the_first():
    first, second = pan(2, step=STEP)
    pulled = warp(second, optical_flow(first, second))
    difference = np.abs(pulled - first)[INTERIOR].mean()
    assert difference < 2 < np.abs(second.astype(np.float32) - first)[INTERIOR].mean() / 4


def test_trusted_keeps_consistent_flow_and_rejects_a_round_trip_that_does_not_return():
    shape = (32, 48, 2)
    right = np.full(shape, (2.0, 0.0), np.float32)
    mask = trusted(right, -right)
    assert mask[:, :-2].all() and not mask[:, -2:].any()  # the last columns move out of the frame
    assert not trusted(right, right)[:, :-2].any()  # |w~ + w^|^2 = 16 > 0.01 * 8 + 0.5
    small = np.full(shape, (0.3, 0.0), np.float32)
    assert trusted(small, small)[:, :-1].all()  # 0.36 < 0.5: within the absolute tolerance


def test_trusted_rejects_motion_boundaries():
    flow = np.zeros((32, 48, 2), np.float32)
    flow[:, 24:, 0] = 1.0  # the right half moves, the left stands
    mask = trusted(flow, -flow)
    assert not mask[:, 23:25].any()  # the gradient is steep along the seam
    assert mask[:, 2:20].all() and mask[:, 28:46].all()


def test_the_revealed_edge_of_a_pan_is_not_trusted():
    earlier, later = pan(2, step=STEP)
    to_earlier, back = optical_flow(later, earlier), optical_flow(earlier, later)
    mask = trusted(to_earlier, back)
    assert not mask[:, -STEP:].any()  # these pixels were outside the earlier frame
    assert mask[INTERIOR].mean() > 0.95


def test_background_uncovered_by_a_moving_object_is_not_trusted():
    background = photo("coffee")[20:140, 20:180]
    thing = photo("astronaut")[60:100, 100:140]

    def frame(x):
        picture = background.copy()
        picture[40:80, x:x + 40] = thing
        return picture

    earlier, later = frame(50), frame(58)  # the thing moves 8 px right and uncovers columns 50-57
    mask = trusted(optical_flow(later, earlier), optical_flow(earlier, later))
    assert (~mask[45:75, 51:57]).mean() > 0.5
    assert mask[:30].mean() > 0.9 and mask[90:].mean() > 0.9  # background far from it


def test_flow_refuses_unknown_methods_and_mismatched_frames():
    first, second = pan(2)
    with pytest.raises(DeepDreamError, match="unknown optical flow method 'raft'"):
        optical_flow(first, second, "raft")
    with pytest.raises(DeepDreamError, match="different sizes"):
        optical_flow(first, second[:32])
