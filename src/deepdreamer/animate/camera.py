"""The camera move between two frames of a zoom animation: zoom, rotation and translation about the centre.

Frames are resampled with bilinear interpolation and reflected borders, so a rotation or a translation never
brings in black corners that the next dream would then fill with patterns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image

from ..errors import DeepDreamError
from ..tensors import to_image, to_tensor
from .defaults import MAX_ZOOM_PER_FRAME


@dataclass(frozen=True)
class CameraMove:
    """One frame's move: ``zoom`` > 1 flies in (1.05: Google's 5% a frame), ``rotate`` turns the picture
    counterclockwise by that many degrees, ``translate`` moves the view right and down by (dx, dy) pixels."""

    zoom: float = 1.0
    rotate: float = 0.0
    translate: tuple[float, float] = (0.0, 0.0)

    def check(self) -> None:
        if not (math.isfinite(self.zoom) and 1 / MAX_ZOOM_PER_FRAME <= self.zoom <= MAX_ZOOM_PER_FRAME):
            raise DeepDreamError(f"zoom must be a factor from {1 / MAX_ZOOM_PER_FRAME:g} to {MAX_ZOOM_PER_FRAME:g} "
                                 f"per frame, not {self.zoom}")
        if not math.isfinite(self.rotate) or not all(math.isfinite(d) for d in self.translate):
            raise DeepDreamError("rotation and translation must be finite numbers")


def move(image: Image.Image, motion: CameraMove) -> Image.Image:
    """``image`` as the camera sees it after ``motion``: same size and mode."""
    motion.check()
    pixels = to_tensor(image)
    height, width = pixels.shape[-2:]
    angle = math.radians(motion.rotate)
    cos, sin = math.cos(angle) / motion.zoom, math.sin(angle) / motion.zoom
    # pixel offsets from the centre: input = R(-angle) @ output / zoom + translate (y points down);
    # affine_grid wants it in coordinates that run from -1 to 1 across each axis
    half_w, half_h = width / 2, height / 2
    theta = torch.tensor([[cos, -sin * half_h / half_w, motion.translate[0] / half_w],
                          [sin * half_w / half_h, cos, motion.translate[1] / half_h]], dtype=pixels.dtype)
    grid = F.affine_grid(theta[None], list(pixels.shape), align_corners=False)
    moved = F.grid_sample(pixels, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    return to_image(moved)
