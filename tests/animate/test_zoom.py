"""Zoom: keyframed settings, the camera move, the colour guard, and a zoom that resumes exactly."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from deepdreamer.animate.camera import CameraMove, move
from deepdreamer.animate.guard import ColorStats, hold_stats
from deepdreamer.animate.keyframes import Schedule
from deepdreamer.animate.zoom import plan_zoom, zoom
from deepdreamer.errors import DeepDreamError

from ..conftest import small_photo

FAST = {"num_octaves": 1}


def test_schedules_interpolate_between_keyframes_and_hold_outside():
    schedule = Schedule.parse("10:2, 0:1, 30:0", "--step")
    assert [schedule.at(f) for f in (0, 5, 10, 20, 30, 99)] == [1, 1.5, 2, 1, 0, 0]
    assert Schedule.parse("0.5", "--step").at(7) == 0.5 == Schedule.parse(0.5, "--step").at(0)
    assert str(schedule) == "0:1,10:2,30:0"


@pytest.mark.parametrize("text", ["", "a:1", "0:x", "0:1,0:2", "1:inf", "-1:2", ","])
def test_bad_schedules_are_one_line_errors(text):
    with pytest.raises(DeepDreamError, match="--zoom"):
        Schedule.parse(text, "--zoom")


def _marker() -> Image.Image:
    pixels = np.zeros((64, 96, 3), np.uint8)
    pixels[30:34, 70:74] = 255  # 24 px right of the centre
    return Image.fromarray(pixels)


def _where(image: Image.Image) -> tuple[float, float]:
    """The marker's centre, ignoring its mirror images in the reflected borders of a zoom out."""
    ys, xs = np.nonzero(np.asarray(image)[..., 0] > 128)
    near = np.abs(xs - 48) < 40
    return float(xs[near].mean()), float(ys[near].mean())


@pytest.mark.parametrize(("motion", "expected"), [
    (CameraMove(zoom=1.5), (84, 31.5)),  # flies in: the marker moves outwards
    (CameraMove(zoom=1 / 1.5), (64, 31.5)),  # flies out
    (CameraMove(rotate=30), (68.8, 20)),  # counterclockwise on screen: up, and a little in
    (CameraMove(translate=(10, 5)), (61.5, 26.5)),  # the view moves right and down: the picture left and up
])
def test_the_camera_moves_in_the_sense_it_says(motion, expected):
    x, y = _where(move(_marker(), motion))
    assert abs(x - expected[0]) < 1.5 and abs(y - expected[1]) < 1.5


def test_the_guard_brings_drifted_colours_back():
    photo = small_photo(width=96)
    reference = ColorStats.of(photo)
    washed = Image.fromarray((np.asarray(photo, float) * 0.3 + 140).astype(np.uint8))  # grey and pale
    held = ColorStats.of(hold_stats(washed, reference))
    assert np.allclose(held.mean, reference.mean, atol=1.5) and np.allclose(held.std, reference.std, rtol=0.05)
    assert hold_stats(washed, reference, 0.0) is washed


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
