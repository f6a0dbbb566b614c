"""Feature visualisation: a picture of what one channel responds to, grown from noise (the seed's chapter 5).

Plain pixel ascent from noise gives high-frequency static. Two ideas from Olah, Mordvintsev and
Schubert, "Feature Visualization" (Distill, 2017) make the pictures readable:

- a decorrelated parameterisation: the image is the inverse FFT of a spectrum scaled by 1/frequency,
  its colours pass through the square root of ImageNet's colour correlation, then a sigmoid keeps
  them in range; gradient steps then move coarse and fine structure at similar rates;
- transformation robustness: every step sees the image padded, shifted, scaled and rotated a little
  at random, so only patterns that survive small moves are grown.

Channels are optimised together as one batch (one image per channel).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from . import checks
from .defaults import FILTER_SIZE, FILTER_STEPS
from .errors import DeepDreamError
from .models import DreamNet
from .progress import Job, Progress, ProgressCallback
from .sheets import contact_sheet
from .tensors import to_image

#: Square root of ImageNet's RGB colour correlation (an SVD square root, as published with Lucid).
COLOR_CORRELATION_SQRT = ((0.26, 0.09, 0.02), (0.27, 0.00, -0.05), (0.27, -0.09, 0.03))
#: Initial spectrum amplitude: starts from faint grey noise.
INITIAL_SPECTRUM_STD = 0.01
#: Random transformations per step: padding, shifts before and after, scale range, rotation range.
PAD, JITTER_BEFORE, JITTER_AFTER = 12, 8, 4
SCALE_RANGE = (0.9, 1.1)
ROTATION_DEGREES = 10.0
#: More pictures than this in one grid are unreadable (and take hours on a CPU).
MAX_CHANNELS = 1024


@dataclass(frozen=True)
class FilterSettings:
    """How channel pictures are grown: their side, Adam's steps and learning rate, channels per batch."""

    size: int = FILTER_SIZE  # side of each picture
    steps: int = FILTER_STEPS
    learning_rate: float = 0.05
    batch: int = 16  # channels optimised at once (memory grows with it)

    def check(self) -> None:
        if not 32 <= self.size <= 1024:
            raise DeepDreamError(f"filter picture size must be 32..1024 pixels, not {self.size}")
        if self.steps < 1:
            raise DeepDreamError(f"steps must be at least 1, not {self.steps}")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise DeepDreamError(f"learning rate must be a positive number, not {self.learning_rate}")
        if self.batch < 1:
            raise DeepDreamError(f"batch must be at least 1, not {self.batch}")


def _frequency_scale(height: int, width: int) -> Tensor:
    """1/frequency for each rfft2 coefficient (floored at the lowest frequency): equalises the spectrum's energy."""
    fy = torch.fft.fftfreq(height)[:, None]
    fx = torch.fft.rfftfreq(width)[None, :]
    frequency = torch.sqrt(fx**2 + fy**2).clamp_min(1.0 / max(height, width))
    return 1.0 / frequency


def spectrum_to_pixels(spectrum: Tensor, scale: Tensor, size: int) -> Tensor:
    """The decorrelated parameterisation: complex spectrum (N x 3 x H x W/2+1) -> RGB in 0..1 (N x 3 x H x W)."""
    decorrelated = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(size, size), norm="ortho") / 4.0
    colors = decorrelated.new_tensor(COLOR_CORRELATION_SQRT)
    colors = colors / colors.norm(dim=0).max()
    return torch.sigmoid(torch.einsum("ij,njhw->nihw", colors, decorrelated))


def random_transform(pixels: Tensor, generator: torch.Generator) -> Tensor:
    """Pad, shift, scale, rotate, shift again: one random draw for the whole batch."""

    def uniform(low: float, high: float) -> float:
        return low + (high - low) * float(torch.rand((), generator=generator))

    def shift(x: Tensor, amount: int) -> Tensor:
        dy, dx = torch.randint(0, 2 * amount + 1, (2,), generator=generator).tolist()
        return x[..., dy:x.shape[-2] - 2 * amount + dy, dx:x.shape[-1] - 2 * amount + dx]

    x = shift(F.pad(pixels, (PAD,) * 4, value=0.5), JITTER_BEFORE)
    scale, angle = uniform(*SCALE_RANGE), math.radians(uniform(-ROTATION_DEGREES, ROTATION_DEGREES))
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    theta = x.new_tensor([[cos, -sin, 0.0], [sin, cos, 0.0]]).expand(x.shape[0], 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    return shift(x, JITTER_AFTER)


@dataclass
class FilterPictures:
    """One picture per channel, in order; ``stopped``: the stop event cut the job short (fewer channels)."""

    layer: str
    channels: list[int]
    pictures: list[Image.Image]
    stopped: bool = False

    def sheet(self) -> Image.Image:
        """The pictures on a contact sheet captioned ``LAYER:CHANNEL``."""
        return contact_sheet([(picture, f"{self.layer}:{c}") for picture, c in zip(self.pictures, self.channels,
                                                                                   strict=True)])


def visualize_channels(
    net: DreamNet,
    layer: str,
    channels: Sequence[int],
    settings: FilterSettings = FilterSettings(),
    *,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> FilterPictures:
    """One picture per channel of ``layer`` that maximises its mean activation, a batch of channels at a time.

    Progress is reported after every step (``picture()``: the current batch side by side); once ``stop``
    is set, the current batch's pictures are returned as they are and later batches are skipped.
    """
    settings.check()
    count = net.channel_count(layer)
    bad = [c for c in channels if not 0 <= c < count]
    if bad:
        raise DeepDreamError(f"layer {layer!r} has channels 0..{count - 1}; {bad[0]} is not one of them")
    job = Job("filters", progress, stop)
    device = next(net.parameters()).device
    generator = torch.Generator().manual_seed(checks.seed(seed))
    scale = _frequency_scale(settings.size, settings.size).to(device)
    batches = [list(channels[i:i + settings.batch]) for i in range(0, len(channels), settings.batch)]
    result = FilterPictures(layer, [], [])
    for number, batch in enumerate(batches):
        if job.stopped:
            result.stopped = True
            break
        shape = (len(batch), 3, settings.size, settings.size // 2 + 1, 2)
        spectrum = (torch.randn(shape, generator=generator) * INITIAL_SPECTRUM_STD).to(device).requires_grad_(True)
        optimizer = torch.optim.Adam([spectrum], lr=settings.learning_rate)
        index = torch.arange(len(batch), device=device)
        chosen = torch.tensor(batch, device=device)

        def pictures(spectrum: Tensor = spectrum) -> list[Image.Image]:
            with torch.no_grad():
                final = spectrum_to_pixels(spectrum, scale, settings.size) * 255.0
            return [to_image(final[i:i + 1]) for i in range(final.shape[0])]

        for step in range(settings.steps):
            if job.stopped:
                result.stopped = True
                break
            pixels = random_transform(spectrum_to_pixels(spectrum, scale, settings.size), generator)
            x = net.to_input(pixels * 255.0).contiguous(memory_format=torch.channels_last)
            activation = net.activations(x, [layer])[layer]
            loss = -activation[index, chosen].mean(dim=(1, 2)).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            mean_activation = -float(loss.detach()) / len(batch)
            job.report(Progress(
                f"filters {number + 1}/{len(batches)}", 0, 1, step + 1, settings.steps, mean_activation,
                job.elapsed(), (number * settings.steps + step + 1) / (len(batches) * settings.steps),
                (settings.size, settings.size), _render=lambda: contact_sheet([(p, "") for p in pictures()])))
        result.channels.extend(batch)
        result.pictures.extend(pictures())
    return result


def parse_channels(text: str) -> list[int]:
    """``"0-15"``, ``"3,7,9"``, ``"0-3,10"`` -> channel numbers, in order, without repeats."""
    channels: dict[int, None] = {}  # ordered, and fast to test for repeats
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            span = range(int(first), int(last) + 1) if dash else [int(first)]
        except ValueError:
            raise DeepDreamError(f"channels {text!r}: expected numbers and ranges like 0-15,20") from None
        if dash and not span:
            raise DeepDreamError(f"channels {text!r}: the range {part.strip()} is empty")
        if len(span) > MAX_CHANNELS:
            raise DeepDreamError(f"channels {text!r}: at most {MAX_CHANNELS} channels at a time")
        channels.update(dict.fromkeys(span))
    return list(channels)
