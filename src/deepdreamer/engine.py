"""The octave / gradient-ascent engine: tensors in, tensors out, no files, no printing.

The default settings are the seed's algorithm (Chollet, *Deep Learning with Python*, ch. 8), exactly: for
each octave, smallest first, resize the dream, run gradient ascent with the gradient normalised by its mean
absolute value, stop an octave when the loss passes ``max_loss``, then re-inject the detail that downscaling
lost. Jitter, Laplacian-pyramid normalisation and smoothing are optional levers (off in the seed; presets
such as EfficientNet-Lite0's default turn some on). The gradient is computed over the whole image, as in the
seed, whenever the step fits the memory budget; otherwise tile by tile (``gradients.py``, ``memory.py``).
Progress goes to a :class:`~.progress.Job`, whose stop event ends the ascent after the current step (the
octaves still finish their resizing, so a stopped dream comes back whole, at full size).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .errors import DeepDreamError
from .gradients import StepStopped, normalize_gradient, tiled_loss_and_gradient, whole_loss_and_gradient
from .progress import Job, Progress, StepTimes
from .settings import TILE_ALIGNMENT, DreamSettings

if TYPE_CHECKING:
    from PIL import Image

    from .losses import NetworkObjective


def octave_shapes(height: int, width: int, num_octaves: int, octave_scale: float,
                  working_size: int = 0) -> list[tuple[int, int]]:
    """The octaves' shapes, smallest first.

    Without a working size (or for a photo no larger), the seed's: ``int(dim / scale**i)`` for
    i = num_octaves-1 .. 0. A photo whose long side exceeds ``working_size`` gets the seed's ``num_octaves``
    below the working size (the structure), then detail octaves up to its own size, evenly spaced in ratios of at
    most ``octave_scale`` (:func:`detail_octaves` counts them).
    """
    shrink = working_size / max(height, width) if working_size else 1.0
    if shrink >= 1:
        return [(int(height / octave_scale**i), int(width / octave_scale**i)) for i in reversed(range(num_octaves))]
    structure = [(int(height * shrink / octave_scale**i), int(width * shrink / octave_scale**i))
                 for i in reversed(range(num_octaves))]
    count = detail_octaves(height, width, octave_scale, working_size)
    ratio = (1 / shrink) ** (1 / count)
    detail = [(int(height / ratio**i), int(width / ratio**i)) for i in reversed(range(count))]
    return structure + detail


def detail_octaves(height: int, width: int, octave_scale: float, working_size: int) -> int:
    """How many octaves above the working size a photo this size gets (0 when it is no larger)."""
    if not working_size or max(height, width) <= working_size:
        return 0
    if octave_scale <= 1:  # octaves of one size: the photo's own size is the one detail octave
        return 1
    return max(1, math.ceil(math.log(max(height, width) / working_size) / math.log(octave_scale) - 1e-9))


def resize(x: Tensor, shape: tuple[int, int]) -> Tensor:
    """Linear interpolation matching ``scipy.ndimage.zoom(order=1)`` (the seed's resize)."""
    if tuple(x.shape[-2:]) == tuple(shape):
        return x
    return F.interpolate(x, size=shape, mode="bilinear", align_corners=True)


def ascent_direction(
    image: Tensor, loss_fn: NetworkObjective, settings: DreamSettings, generator: torch.Generator,
    stopped: Callable[[], bool] | None = None,
) -> tuple[float, Tensor]:
    """Loss and normalised gradient for one step, jittered; whole when it fits the memory budget, else tiled
    on a randomly shifted grid (given up between tiles once ``stopped()``: :class:`~.gradients.StepStopped`)."""
    shift = (0, 0)
    if settings.jitter > 0:
        dy, dx = torch.randint(-settings.jitter, settings.jitter + 1, (2,), generator=generator).tolist()
        shift = (dy, dx)
    tile = loss_fn.planner.tile_side(image, settings)
    if tile:
        cells = tile // TILE_ALIGNMENT  # reduced modulo the balanced tile in tiled_loss_and_gradient
        offset = (TILE_ALIGNMENT * torch.randint(0, cells, (2,), generator=generator)).tolist()
        loss, grad = tiled_loss_and_gradient(image, loss_fn, tile, (offset[0], offset[1]), shift, stopped=stopped)
    else:
        loss, grad = whole_loss_and_gradient(image, loss_fn, shift)
    return loss, normalize_gradient(grad, settings.laplacian_levels, settings.smoothing)


#: One ascent direction: the loss at the current input and the normalised gradient to step along.
Direction = Callable[[Tensor], tuple[float, Tensor]]


class Ascent(NamedTuple):
    """How one octave's ascent went: steps applied, the last loss seen (NaN if none), and why it ended."""

    steps: int
    loss: float
    end: str  # "done", "max_loss" or "stopped"


class _Clock:
    """A dream's fraction done, in time: the time it has taken over that plus the predicted time of the steps
    left (:class:`~.progress.StepTimes`, learnt from its own steps), never going back. Before the first step is
    timed, steps count by their pixels."""

    def __init__(self, job: Job, pixels: list[int], steps: list[int]) -> None:
        self.job, self.pixels, self.steps = job, pixels, steps  # each octave's pixels and ascent steps
        self.start = self.last = job.elapsed()
        self.times = StepTimes()
        self.done = 0.0

    def fraction(self, octave: int, step: int, finished: bool) -> float:
        now = self.job.elapsed()
        if step > 0 and not finished:
            self.times.add(self.pixels[octave], now - self.last)  # the step just reported
        self.last = now
        left = [(self.pixels[o], self.steps[o]) for o in range(octave + 1, len(self.pixels))]
        if not finished:
            left.append((self.pixels[octave], self.steps[octave] - step))
        predicted = [self.times.predict(pixels) for pixels, _ in left]
        if not left:
            fraction = 1.0
        elif any(seconds is None for seconds in predicted):  # nothing timed yet: pixel-steps
            total = max(sum(pixels * steps for pixels, steps in zip(self.pixels, self.steps, strict=True)), 1)
            fraction = 1 - sum(pixels * steps for pixels, steps in left) / total
        else:
            spent = now - self.start
            remaining = sum(seconds * steps for seconds, (_, steps) in zip(predicted, left, strict=True))
            fraction = spent / (spent + remaining) if spent + remaining > 0 else 1.0
        self.done = min(max(self.done, fraction), 1.0)
        return self.done


def gradient_ascent(
    image: Tensor,
    direction: Direction,
    settings: DreamSettings,
    *,
    job: Job | None = None,
    report: Callable[[int, float], None] | None = None,
    step_mask: Tensor | None = None,
    bounds: tuple[float, float] | None = None,
) -> Ascent:
    """Run up to ``settings.iterations`` steps of ``settings.step`` along ``direction``, updating ``image`` in place.

    Stops early when the loss exceeds ``settings.max_loss`` (the seed's rule) or when ``job``'s stop event
    is set (checked before every step, and between the tiles of a tiled step, which is then not applied).
    ``step_mask`` (broadcastable to ``image``, 0..1) scales each pixel's step: 0 leaves it as it is. ``bounds``
    clamps the values after each step.
    """
    loss = math.nan
    for i in range(settings.iterations):
        if job is not None and job.stopped:
            return Ascent(i, loss, "stopped")
        try:
            loss, step_direction = direction(image)
        except StepStopped:
            return Ascent(i, loss, "stopped")
        if settings.max_loss is not None and loss > settings.max_loss:
            return Ascent(i, loss, "max_loss")
        if step_mask is None:
            image.add_(step_direction, alpha=settings.step)
        else:
            image.addcmul_(step_direction, step_mask, value=settings.step)
        del step_direction
        if bounds is not None:
            image.clamp_(*bounds)
        if report is not None:
            report(i + 1, loss)
    return Ascent(settings.iterations, loss, "done")


@dataclass
class DreamOutput:
    image: Tensor
    shapes: list[tuple[int, int]]  # each octave's (height, width), smallest first
    steps_per_octave: list[int] = field(default_factory=list)
    octave_images: list[Tensor] = field(default_factory=list)
    stopped: bool = False  # the job's stop event cut the ascent short
    stopped_at: tuple[int, int] | None = None  # (octave, steps done in it) where the stop came


def dream_octaves(
    original: Tensor,
    loss_fn: NetworkObjective,
    settings: DreamSettings,
    *,
    seed: int = 0,
    job: Job | None = None,
    render: Callable[[Tensor], Image.Image] | None = None,
    keep_octaves: bool = False,
    step_mask: Tensor | None = None,
) -> DreamOutput:
    """The seed's octave loop with detail re-injection, on a 1x3xHxW tensor in the model's input space.

    ``step_mask`` (1 x 1 x H x W, values 0..1, any size: it is resized to each octave) dreams only part
    of the image: where it is 0 the result keeps the original's pixels (up to resampling), and soft
    edges blend. ``render`` turns the current image into a picture when a progress record is asked for one.
    Once ``job`` is stopped, the remaining octaves run no steps but still resize and re-inject detail.
    """
    settings.check()
    job = job or Job("dream")
    generator = torch.Generator().manual_seed(seed)
    shapes = octave_shapes(original.shape[-2], original.shape[-1], settings.num_octaves, settings.octave_scale,
                           settings.scale)
    # the structure octaves run ``iterations`` steps; the detail octaves above the working size, fewer
    steps = [settings.iterations if octave < settings.num_octaves else settings.detail_iterations
             for octave in range(len(shapes))]
    if min(shapes[0]) < 1:
        raise DeepDreamError(
            f"image of {original.shape[-1]}x{original.shape[-2]} is too small for {settings.num_octaves} octaves of "
            f"scale {settings.octave_scale:g}: give fewer octaves, or a larger image"
        )
    output = DreamOutput(image=original, shapes=shapes)
    shrunk_original = resize(original, shapes[0])
    image = shrunk_original.clone()  # updated in place; full-size tensors are few on a 24 MP photo
    clock = _Clock(job, [height * width for height, width in shapes], steps)

    def record(octave: int, step: int, loss: float, *, finished: bool = False, limit: bool = False) -> Progress:
        return Progress(job.stage, octave, len(shapes), step, steps[octave], loss, job.elapsed(),
                        clock.fraction(octave, step, finished), shapes[octave], octave_done=finished,
                        loss_limit_reached=limit, detail=octave >= settings.num_octaves,
                        _render=None if render is None else lambda: render(image))

    with torch.no_grad():
        for octave, shape in enumerate(shapes):
            image = resize(image, shape)
            octave_mask = None if step_mask is None else resize(step_mask.to(image), shape)
            octave_settings = replace(settings, iterations=steps[octave])
            with torch.enable_grad():
                ascent = gradient_ascent(
                    image, partial(ascent_direction, loss_fn=loss_fn, settings=settings, generator=generator,
                                   stopped=lambda: job.stopped),
                    octave_settings, job=job, step_mask=octave_mask,
                    report=lambda step, loss, octave=octave: job.report(record(octave, step, loss)),
                )
            del octave_mask
            same_size_original = resize(original, shape)
            image.add_(same_size_original).sub_(resize(shrunk_original, shape))  # re-inject the lost detail
            shrunk_original = same_size_original
            output.steps_per_octave.append(ascent.steps)
            if ascent.end == "stopped" and not output.stopped:
                output.stopped, output.stopped_at = True, (octave, ascent.steps)
            if keep_octaves:
                output.octave_images.append(image.detach().clone())
            job.report(record(octave, ascent.steps, ascent.loss, finished=True, limit=ascent.end == "max_loss"))
    output.image = image.detach()
    return output
