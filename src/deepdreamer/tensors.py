"""Pictures as tensors: PIL images to and from 1x3xHxW float tensors of 0..255 values, and masks."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from .errors import DeepDreamError


def to_tensor(image: Image.Image) -> Tensor:
    """An RGB image as a 1x3xHxW float32 tensor of 0..255 values (channels-last in memory)."""
    array = np.array(image.convert("RGB"), dtype=np.uint8)  # 1 byte a value until the one float copy
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).float()


def to_image(tensor: Tensor) -> Image.Image:
    """Inverse of :func:`to_tensor`: rounds to the nearest level and clips to 0..255."""
    levels = tensor.detach().round().clamp_(0, 255).to(torch.uint8)
    return Image.fromarray(levels.squeeze(0).permute(1, 2, 0).cpu().contiguous().numpy(), "RGB")


#: Mask and photo may differ in size, but their aspect ratios must agree within this fraction.
MASK_ASPECT_TOLERANCE = 0.02


def to_mask_tensor(mask: Image.Image, size: tuple[int, int]) -> Tensor:
    """A grayscale mask (white: dream, black: keep, grey: blend) as a 1x1xHxW tensor of 0..1, resized to ``size``."""
    width, height = size
    if abs(mask.width / mask.height - width / height) > MASK_ASPECT_TOLERANCE * width / height:
        raise DeepDreamError(f"the mask is {mask.width}x{mask.height} but the photo is {width}x{height}: "
                             "give a mask of the photo's size or aspect ratio")
    gray = mask.convert("L").resize(size, Image.Resampling.BILINEAR)
    return torch.from_numpy(np.array(gray, dtype=np.float32) / 255.0)[None, None]
