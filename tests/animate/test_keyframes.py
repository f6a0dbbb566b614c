"""Keyframed settings: linear between keyframes, held outside, refused in one line when malformed."""

from __future__ import annotations

import pytest

from deepdreamer.animate.keyframes import Schedule
from deepdreamer.errors import DeepDreamError


def test_schedules_interpolate_between_keyframes_and_hold_outside():
    schedule = Schedule.parse("10:2, 0:1, 30:0", "--step")
    assert [schedule.at(f) for f in (0, 5, 10, 20, 30, 99)] == [1, 1.5, 2, 1, 0, 0]
    assert Schedule.parse("0.5", "--step").at(7) == 0.5 == Schedule.parse(0.5, "--step").at(0)
    assert str(schedule) == "0:1,10:2,30:0"


@pytest.mark.parametrize("text", ["", "a:1", "0:x", "0:1,0:2", "1:inf", "-1:2", ","])
def test_bad_schedules_are_one_line_errors(text):
    with pytest.raises(DeepDreamError, match="--zoom"):
        Schedule.parse(text, "--zoom")
