"""Colour preservation (``--keep-colors``): the dream's light and shade with the photo's own colours."""

from __future__ import annotations

from torch import Tensor

#: ITU-R BT.601 luma weights (the Y of YCbCr, as JPEG and Pillow use).
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def luminance(pixels: Tensor) -> Tensor:
    """Y of a N x 3 x H x W RGB tensor, as N x 1 x H x W."""
    weights = pixels.new_tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)
    return (pixels * weights).sum(dim=1, keepdim=True)


def keep_colors(dream: Tensor, original: Tensor) -> Tensor:
    """The dream's luminance on the original's chroma (0..255 RGB tensors), overwriting ``dream``.

    Adding the same amount to R, G and B changes Y by that amount and leaves Cb and Cr alone, so
    ``original + (Y_dream - Y_original)`` is exactly "dream luminance, original colour". The dream's
    luminance is first shifted to the photo's mean brightness, so the photo's mean colour is kept
    (up to clipping at 0 and 255).
    """
    change = luminance(dream).sub_(luminance(original))
    change.sub_(change.mean())
    return dream.copy_(original).add_(change).clamp_(0, 255)
