"""Keeping a feedback loop from drifting: each frame's colour statistics pulled back to the first frame's.

A zoom dreams its own previous output again and again. Small biases compound: frames drift to grey (contrast
lost to resampling blur), to saturation (every dream adds contrast), or to one colour. After each dream the
frame's per-channel mean and standard deviation are moved toward the reference's by ``strength`` (1: all
the way), which keeps the palette and the contrast of the photo while the patterns grow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

#: A channel flatter than this (standard deviation in levels) is not rescaled: it would amplify noise.
MIN_STD = 1.0


@dataclass(frozen=True)
class ColorStats:
    """Per-channel mean and standard deviation of an RGB picture, in levels (0..255)."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    @classmethod
    def of(cls, image: Image.Image) -> ColorStats:
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64).reshape(-1, 3)
        return cls(tuple(pixels.mean(axis=0)), tuple(pixels.std(axis=0)))  # type: ignore[arg-type]


def hold_stats(image: Image.Image, reference: ColorStats, strength: float = 1.0) -> Image.Image:
    """``image`` with each channel's mean and spread moved toward ``reference``'s by ``strength`` (0..1)."""
    if strength <= 0:
        return image
    pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    current = ColorStats.of(image)
    mean, std = np.array(current.mean), np.array(current.std)
    target_mean = mean + strength * (np.array(reference.mean) - mean)
    target_std = std + strength * (np.array(reference.std) - std)
    scale = np.where(std > MIN_STD, target_std / np.maximum(std, MIN_STD), 1.0)
    held = (pixels - mean) * scale + target_mean
    return Image.fromarray(np.clip(np.rint(held), 0, 255).astype(np.uint8), "RGB")
