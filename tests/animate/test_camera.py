"""The camera move between two zoom frames: each of zoom, rotation and translation moves the picture the way its
name says."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from deepdreamer.animate.camera import CameraMove, move
from deepdreamer.errors import DeepDreamError


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


@pytest.mark.parametrize("motion", [CameraMove(zoom=2.5), CameraMove(zoom=0.3), CameraMove(rotate=float("nan")),
                                    CameraMove(translate=(float("inf"), 0))])
def test_a_move_out_of_range_is_one_line(motion):
    with pytest.raises(DeepDreamError, match=r"zoom must be a factor from 0\.5 to 2 |finite numbers"):
        motion.check()
