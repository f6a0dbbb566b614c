"""Zoom: a plan checked and described, the colours held over a long flight, a zoom that resumes exactly."""

from __future__ import annotations

import numpy as np
import pytest

from deepdreamer.animate.guard import ColorStats
from deepdreamer.animate.zoom import plan_zoom, zoom
from deepdreamer.errors import DeepDreamError

from ..conftest import small_photo

FAST = {"num_octaves": 1}


def test_plans_check_every_keyframe_before_work():
    with pytest.raises(DeepDreamError, match="every layer weight is 0 at frame 10"):
        plan_zoom(20, layers={"block8": "0:1,10:0"})
    with pytest.raises(DeepDreamError, match="zoom must be"):
        plan_zoom(20, zoom="0:1.05,15:9")
    with pytest.raises(DeepDreamError, match="frames must be"):
        plan_zoom(0)


def test_a_long_zoom_keeps_its_colours_in_a_band():
    photo = small_photo(width=96)
    reference = ColorStats.of(photo)
    result = zoom(photo, plan_zoom(40, zoom=1.08, rotate=2, iterations=2, seed=1), **FAST)
    assert result.made == 40 and not result.stopped
    for frame in result.frames:
        stats = ColorStats.of(frame)
        assert np.allclose(stats.mean, reference.mean, atol=3)
        assert np.allclose(stats.std, reference.std, rtol=0.1)
    first, last = (np.asarray(f, float) for f in (result.frames[0], result.frames[-1]))
    assert np.abs(first - last).mean() > 10  # it did fly somewhere
    unguarded = zoom(photo, plan_zoom(40, zoom=1.08, rotate=2, iterations=2, seed=1, guard=0), **FAST)
    drift = [np.abs(np.subtract(ColorStats.of(frame).mean, reference.mean)).max() for frame in unguarded.frames]
    assert max(drift) > 10  # without the guard the dream's feedback drifts (measured: 25 levels; guarded: 0.4)


def test_a_zoom_resumed_from_its_last_frame_equals_an_uninterrupted_one():
    photo = small_photo(width=96)
    plan = plan_zoom(6, zoom="0:1.05,5:1.2", layers={"block8": 1, "block10": "0:0,5:2"}, iterations=2, seed=3)
    whole = zoom(photo, plan, **FAST)
    head = zoom(photo, plan_zoom(3, zoom="0:1.05,5:1.2", layers={"block8": 1, "block10": "0:0,5:2"}, iterations=2,
                                 seed=3), **FAST)
    tail = zoom(photo, plan, first=3, previous=head.frames[-1], **FAST)
    for a, b in zip(whole.frames, head.frames + tail.frames, strict=True):
        assert a.tobytes() == b.tobytes()


def test_a_plan_describes_itself_as_the_settings_that_make_it_again():
    plan = plan_zoom(6, zoom="5:1.2, 0:1.05", layers={"block8": 1, "block10": "0:0,5:2"}, translate=("1", "0:0,5:4"),
                     iterations=2, seed=3)
    described = plan.describe()
    assert described["zoom"] == "0:1.05,5:1.2" and described["translate"] == ["1", "0:0,5:4"]
    again = plan_zoom(described["frames"], zoom=described["zoom"], rotate=described["rotate"],
                      translate=tuple(described["translate"]), step=described["step"],
                      iterations=described["iterations"], layers=described["layers"], guard=described["guard"],
                      seed=described["seed"])
    assert again == plan
    assert [again.dream_options(f) for f in range(6)] == [plan.dream_options(f) for f in range(6)]
