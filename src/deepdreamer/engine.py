"""The octave / gradient-ascent engine: tensors in, tensors out, no files, no printing.

The default settings are the seed's algorithm (Chollet, *Deep Learning with Python*, ch. 8): for each
octave, smallest first, resize the dream, run gradient ascent with the gradient normalised by its mean
absolute value, then re-inject the detail that downscaling lost. Jitter and Laplacian-pyramid gradient
normalisation are optional quality levers (off in the seed); images larger than ``tile_size`` get their
gradients tile by tile (``gradients.py``) so memory stays bounded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

from .errors import DeepDreamError
from .gradients import (
    MAX_SMOOTHING,
    TILE_ALIGNMENT,
    LossFunction,
    normalize_gradient,
    tiled_loss_and_gradient,
    whole_loss_and_gradient,
)

#: Gradients of images with more than twice this side squared in pixels are computed in tiles no larger.
#: Per-pixel speed is flat from 512 to 1536 px on 2 CPU cores while memory grows with the area (a 768 px
#: tile plus margins of Lite0 or InceptionV3 takes ~0.9 GB), and tiles cost their context margins, so
#: 1024x768 still runs whole and a 24 MP photo stays under 3 GB.
DEFAULT_TILE_SIZE = 768


@dataclass(frozen=True)
class DreamSettings:
    """Everything that shapes the ascent, apart from the objective. Defaults are the seed's."""

    step: float = 0.01
    num_octaves: int = 3
    octave_scale: float = 1.4
    iterations: int = 20
    max_loss: float | None = 10.0  # stop an octave once the loss exceeds this; None never stops
    jitter: int = 0  # random shift of up to this many pixels each step, undone after
    laplacian_levels: int = 0  # >1: normalise the gradient per Laplacian-pyramid band (0 or 1: off)
    smoothing: float = 0.0  # Gaussian blur of the gradient, sigma in pixels (0: off): softer, larger shapes
    tile_size: int = DEFAULT_TILE_SIZE  # images above 2 x tile_size^2 pixels get tiled gradients (0: never)

    def check(self) -> None:
        """Refuse values that make no sense, in one line."""
        if not (math.isfinite(self.step) and self.step > 0):
            raise DeepDreamError(f"step must be a positive number, not {self.step}")
        if self.num_octaves < 1:
            raise DeepDreamError(f"octaves must be at least 1, not {self.num_octaves}")
        if not (math.isfinite(self.octave_scale) and self.octave_scale >= 1):
            raise DeepDreamError(f"octave scale must be a number >= 1, not {self.octave_scale}")
        if self.iterations < 0:
            raise DeepDreamError(f"iterations must be 0 or more, not {self.iterations}")
        if self.max_loss is not None and (math.isnan(self.max_loss) or self.max_loss <= 0):
            raise DeepDreamError(f"max loss must be a positive number (or inf to disable), not {self.max_loss}")
        if self.jitter < 0:
            raise DeepDreamError(f"jitter must be 0 or more pixels, not {self.jitter}")
        if not 0 <= self.laplacian_levels <= 8:
            raise DeepDreamError(f"laplacian levels must be between 0 and 8, not {self.laplacian_levels}")
        if not (math.isfinite(self.smoothing) and 0 <= self.smoothing <= MAX_SMOOTHING):
            raise DeepDreamError(f"smoothing must be a blur sigma from 0 to {MAX_SMOOTHING:g} pixels, "
                                 f"not {self.smoothing}")
        if self.tile_size != 0 and (self.tile_size < 128 or self.tile_size % TILE_ALIGNMENT):
            raise DeepDreamError(f"tile size must be 0 (no tiling) or a multiple of {TILE_ALIGNMENT} from 128 up, "
                                 f"not {self.tile_size}")


@dataclass(frozen=True)
class Progress:
    """What the engine reports after each ascent step, and once more when an octave ends (``octave_done``)."""

    octave: int  # 0-based, smallest first
    num_octaves: int
    shape: tuple[int, int]
    step: int  # steps run so far in this octave
    iterations: int
    loss: float  # loss before the last step (the seed prints the same); at octave end, the last loss seen
    elapsed: float  # seconds since the dream started
    octave_done: bool = False
    stopped_early: bool = False  # the octave ended on max_loss


ProgressCallback = Callable[[Progress], None]


@dataclass
class DreamOutput:
    image: Tensor
    octave_images: list[Tensor] = field(default_factory=list)
    steps_per_octave: list[int] = field(default_factory=list)


def octave_shapes(height: int, width: int, num_octaves: int, octave_scale: float) -> list[tuple[int, int]]:
    """The seed's successive shapes, smallest first: ``int(dim / scale**i)`` for i = num_octaves-1 .. 0."""
    return [
        (int(height / octave_scale**i), int(width / octave_scale**i)) for i in reversed(range(num_octaves))
    ]


def resize(x: Tensor, shape: tuple[int, int]) -> Tensor:
    """Linear interpolation matching ``scipy.ndimage.zoom(order=1)`` (the seed's resize)."""
    if tuple(x.shape[-2:]) == tuple(shape):
        return x
    return F.interpolate(x, size=shape, mode="bilinear", align_corners=True)


def ascent_direction(
    image: Tensor, loss_fn: LossFunction, settings: DreamSettings, generator: torch.Generator
) -> tuple[float, Tensor]:
    """Loss and normalised gradient for one step, jittered; tiled on a randomly shifted grid for big images."""
    shift = (0, 0)
    if settings.jitter > 0:
        dy, dx = torch.randint(-settings.jitter, settings.jitter + 1, (2,), generator=generator).tolist()
        shift = (dy, dx)
    height, width = image.shape[-2:]
    if settings.tile_size and height * width > 2 * settings.tile_size**2:
        cells = settings.tile_size // TILE_ALIGNMENT  # reduced modulo the balanced tile in tiled_loss_and_gradient
        offset = (TILE_ALIGNMENT * torch.randint(0, cells, (2,), generator=generator)).tolist()
        loss, grad = tiled_loss_and_gradient(image, loss_fn, settings.tile_size, (offset[0], offset[1]), shift)
    else:
        loss, grad = whole_loss_and_gradient(image, loss_fn, shift)
    return loss, normalize_gradient(grad, settings.laplacian_levels, settings.smoothing)


def gradient_ascent(
    image: Tensor,
    loss_fn: LossFunction,
    settings: DreamSettings,
    *,
    generator: torch.Generator,
    report: Callable[[int, float], None] | None = None,
    step_mask: Tensor | None = None,
) -> tuple[int, float]:
    """Run up to ``settings.iterations`` steps on one octave, updating ``image`` in place.

    ``step_mask`` (1 x 1 x H x W, 0..1) scales each pixel's step: 0 leaves the pixel as it is.

    Returns the number of steps applied and the last loss evaluated (NaN if none was).
    """
    loss = math.nan
    for i in range(settings.iterations):
        loss, direction = ascent_direction(image, loss_fn, settings, generator)
        if settings.max_loss is not None and loss > settings.max_loss:
            return i, loss
        if step_mask is None:
            image.add_(direction, alpha=settings.step)
        else:
            image.addcmul_(direction, step_mask, value=settings.step)
        del direction
        if report is not None:
            report(i + 1, loss)
    return settings.iterations, loss


def dream_octaves(
    original: Tensor,
    loss_fn: LossFunction,
    settings: DreamSettings,
    *,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    keep_octaves: bool = False,
    step_mask: Tensor | None = None,
) -> DreamOutput:
    """The seed's octave loop with detail re-injection, on a 1x3xHxW tensor in the model's input space.

    ``step_mask`` (1 x 1 x H x W, values 0..1, any size: it is resized to each octave) dreams only part
    of the image: where it is 0 the result keeps the original's pixels (up to resampling), and soft
    edges blend.
    """
    settings.check()
    start = time.perf_counter()
    generator = torch.Generator().manual_seed(seed)
    shapes = octave_shapes(original.shape[-2], original.shape[-1], settings.num_octaves, settings.octave_scale)
    if min(shapes[0]) < 1:
        raise DeepDreamError(
            f"image of {original.shape[-1]}x{original.shape[-2]} is too small for {settings.num_octaves} octaves"
        )
    output = DreamOutput(image=original)
    shrunk_original = resize(original, shapes[0])
    image = shrunk_original.clone()  # updated in place; full-size tensors are few on a 24 MP photo
    with torch.no_grad():
        for octave, shape in enumerate(shapes):
            image = resize(image, shape)

            def report(step: int, loss: float, octave: int = octave, shape: tuple[int, int] = shape) -> None:
                if progress is not None:
                    progress(Progress(octave, len(shapes), shape, step, settings.iterations, loss,
                                      time.perf_counter() - start))

            octave_mask = None if step_mask is None else resize(step_mask.to(image), shape)
            with torch.enable_grad():
                steps, last_loss = gradient_ascent(image, loss_fn, settings, generator=generator, report=report,
                                                   step_mask=octave_mask)
            del octave_mask
            same_size_original = resize(original, shape)
            image.add_(same_size_original).sub_(resize(shrunk_original, shape))  # re-inject the lost detail
            shrunk_original = same_size_original
            output.steps_per_octave.append(steps)
            if keep_octaves:
                output.octave_images.append(image.detach().clone())
            if progress is not None:
                progress(Progress(octave, len(shapes), shape, steps, settings.iterations, last_loss,
                                  time.perf_counter() - start, octave_done=True,
                                  stopped_early=steps < settings.iterations))
    output.image = image.detach()
    return output
