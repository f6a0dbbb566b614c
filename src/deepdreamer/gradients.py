"""One ascent direction: the objective's gradient w.r.t. the image, whole or tile by tile, and its normalisation.

Tiling bounds memory by the tile, not the image: each tile is run through the network with a margin of
context around it and only the gradient of its core is kept, so tile borders carry the same gradient as the
whole-image computation would (no seams). Tiles, margins and the grid's random offset are multiples of
``TILE_ALIGNMENT``, the networks' largest stride, so every tile samples the image on the same grid as the
whole-image pass: a strided network shifted by a non-multiple of its stride gives another gradient.

Each tile's objective sees its layers through windows (:class:`Window`): the seed's border crop applies
where the tile meets the image's edge only, every map position is weighted as in the whole image's objective
(by the whole map's counts), and the loss value adds up each position once, from the tile that owns it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor

from .runtime import release_freed_memory
from .settings import TILE_ALIGNMENT

if TYPE_CHECKING:
    from .losses import NetworkObjective

LossFunction = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class Window:
    """Where one tile's activation map lies in the whole image's map, and which of its positions count.

    The tiled path evaluates the objective tile by tile. Seen through a window, an objective crops the
    border only where the tile's map meets the whole map's edge and divides by the whole map's counts, so
    the tiles' terms add up to the whole image's objective: each position counts once, with the weight it
    has there, however small the tile.
    """

    offset: tuple[int, int]  # the tile map's first row and column in the whole map
    whole: tuple[int, int]  # the whole map's height and width
    rows: tuple[int, int]  # tile-map rows that count (before the border crop): [start, stop)
    cols: tuple[int, int]

#: Floor of the gradient normaliser, as in the seed (``K.maximum(K.mean(K.abs(grads)), 1e-7)``).
GRADIENT_FLOOR = 1e-7
#: Context (input pixels) computed around each tile and then dropped: what makes tile borders invisible
#: (at 64 the gradient near a border has the whole-image magnitude; at 32 it is 20-30% weaker there).
TILE_MARGIN = 64


def whole_loss_and_gradient(
    image: Tensor, loss_fn: LossFunction, shift: tuple[int, int] = (0, 0)
) -> tuple[float, Tensor]:
    """The objective at ``image`` and its gradient, the image circularly shifted by ``shift`` (jitter)."""
    x = _roll(image, shift).detach().requires_grad_(True)
    loss = loss_fn(x)
    (grad,) = torch.autograd.grad(loss, x)
    return float(loss.detach()), _roll(grad, (-shift[0], -shift[1]))


def _roll(x: Tensor, shift: tuple[int, int]) -> Tensor:
    return torch.roll(x, shift, dims=(-2, -1)) if shift != (0, 0) else x


def _spans(length: int, tile: int, offset: int) -> list[tuple[int, int]]:
    """Tile cores along one axis: a grid of ``tile`` starting ``offset`` pixels before 0, clipped to the image."""
    starts = range(-offset, length, tile)
    return [(max(start, 0), min(start + tile, length)) for start in starts if min(start + tile, length) > 0]


def _context(start: int, stop: int, length: int, margin: int, smallest: int) -> tuple[int, int]:
    """The span computed for the core ``[start, stop)``: ``margin`` on each side within the image, widened in
    aligned steps while it is shorter than the network's smallest input (a sliver of a last tile)."""
    low, high = max(start - margin, 0), min(stop + margin, length)
    while high - low < smallest and (low > 0 or high < length):
        low, high = max(low - TILE_ALIGNMENT, 0), min(high + TILE_ALIGNMENT, length)
    return low, high


def balanced_tile(length: int, tile: int) -> int:
    """The smallest aligned tile side that covers ``length`` with as many tiles as ``tile`` would need."""
    count = -(-length // tile)
    return min(tile, -(-length // count // TILE_ALIGNMENT) * TILE_ALIGNMENT)


class StepStopped(Exception):
    """The stop event came while a tiled step was being computed: the step is given up between two tiles (a step
    of a large photo is many tiles, seconds long; Stop should not wait for all of them)."""


def tiled_loss_and_gradient(
    image: Tensor,
    loss_fn: NetworkObjective,
    tile: int,
    offset: tuple[int, int] = (0, 0),
    shift: tuple[int, int] = (0, 0),
    margin: int = TILE_MARGIN,
    stopped: Callable[[], bool] | None = None,
) -> tuple[float, Tensor]:
    """The objective and its gradient computed tile by tile; peak memory is that of one tile.

    The grid starts ``offset`` pixels before the image's corner; ``shift`` jitters the image as in
    :func:`whole_loss_and_gradient`, by wrapping each tile's indices instead of copying the image.
    A tile's gradient is that of all the map positions it computes (core and margins), so positions near
    its core's edge get the context they have in the whole image; its share of the loss value is that of
    the positions its core owns. ``stopped`` is asked before each tile: True raises :class:`StepStopped`.
    """
    height, width = image.shape[-2:]
    tile_h, tile_w = balanced_tile(height, tile), balanced_tile(width, tile)
    maps = loss_fn.maps(height, width)
    # row r of the jittered image is row (r - dy) mod height of the image
    rows = (torch.arange(height, device=image.device) - shift[0]) % height
    cols = (torch.arange(width, device=image.device) - shift[1]) % width
    grad = torch.empty_like(image)
    total = 0.0
    smallest = loss_fn.net.min_input_side
    for y0, y1 in _spans(height, tile_h, offset[0] % tile_h):
        for x0, x1 in _spans(width, tile_w, offset[1] % tile_w):
            if stopped is not None and stopped():
                raise StepStopped
            ey0, ey1 = _context(y0, y1, height, margin, smallest)
            ex0, ex1 = _context(x0, x1, width, margin, smallest)
            piece = image.index_select(-2, rows[ey0:ey1]).index_select(-1, cols[ex0:ex1]).requires_grad_(True)
            acts = loss_fn.activations(piece)
            computed, owned = {}, {}
            for name, geometry in maps.items():
                s = geometry.stride
                start = (ey0 // s, ex0 // s)  # ey0 and ex0 are multiples of every stride
                map_rows, map_cols = acts[loss_fn.map_layer(name)].shape[-2:]
                computed[name] = Window(start, geometry.size, (0, map_rows), (0, map_cols))
                owned[name] = Window(start, geometry.size, (y0 // s - start[0], math.ceil(y1 / s) - start[0]),
                                     (x0 // s - start[1], math.ceil(x1 / s) - start[1]))
            (piece_grad,) = torch.autograd.grad(loss_fn.objective(acts, computed), piece)
            grad[..., rows[y0:y1, None], cols[None, x0:x1]] = piece_grad[..., y0 - ey0:y1 - ey0, x0 - ex0:x1 - ex0]
            with torch.no_grad():
                total += float(loss_fn.objective(acts, owned))
            del piece, acts, piece_grad
            release_freed_memory()  # the next tile differs in size: it would not reuse these blocks
    return total, grad


#: Rows of a full-size tensor handled at once by the Laplacian pyramid and the norms (bounds temporaries).
STRIP_ROWS = 256
_BINOMIAL = (1.0, 4.0, 6.0, 4.0, 1.0)


def _binomial_blur_down(x: Tensor) -> Tensor:
    """5x5 binomial blur and 2x decimation, borders renormalised; in row strips (no full-size temporaries)."""
    height, width = x.shape[-2:]
    kernel_1d = x.new_tensor(_BINOMIAL) / sum(_BINOMIAL)
    kernel = (kernel_1d[:, None] * kernel_1d[None, :]).expand(x.shape[1], 1, 5, 5)
    out_rows, out_cols = (height + 1) // 2, (width + 1) // 2
    out = x.new_empty(*x.shape[:-2], out_rows, out_cols)
    for r0 in range(0, out_rows, STRIP_ROWS):
        r1 = min(r0 + STRIP_ROWS, out_rows)
        first, last = 2 * r0 - 2, 2 * r1 + 1  # input rows that output rows r0..r1-1 read
        strip = F.pad(x[..., max(first, 0):min(last, height), :], (0, 0, max(-first, 0), max(last - height, 0)))
        out[..., r0:r1, :] = F.conv2d(strip, kernel, stride=2, padding=(0, 2), groups=x.shape[1])
    # the share of the kernel that fell inside the image, per output row and column
    rows = F.conv1d(x.new_ones(1, 1, height), kernel_1d.view(1, 1, 5), stride=2, padding=2).view(-1, 1)
    cols = F.conv1d(x.new_ones(1, 1, width), kernel_1d.view(1, 1, 5), stride=2, padding=2).view(1, -1)
    return out.div_(rows * cols)


def laplacian_normalize(g: Tensor, levels: int) -> Tensor:
    """Split ``g`` into Laplacian-pyramid bands, scale each to unit RMS, and merge them back (in place).

    This evens out the gradient's frequencies (Mordvintsev's TF DeepDream notebook), so coarse,
    coherent shapes grow instead of only pixel-level texture. ``g`` itself becomes the finest band and
    then the result, and full-size work goes in row strips: a 24-megapixel gradient needs no full-size
    temporary.
    """
    if levels < 2 or min(g.shape[-2:]) < 2:
        return g.div_(_rms(g))
    low = _binomial_blur_down(g)
    _add_upsampled(g, low, -1.0)  # g becomes the finest band
    g.div_(_rms(g))
    return _add_upsampled(g, laplacian_normalize(low, levels - 1), 1.0)


def _add_upsampled(target: Tensor, low: Tensor, sign: float) -> Tensor:
    """``target += sign * bilinear_upsample(low)`` (PyTorch's align_corners=False), strip by strip."""
    height, width = target.shape[-2:]
    low_rows = low.shape[-2]
    # PyTorch's source row for output row y: (y + 0.5) * scale - 0.5, floored at 0
    source = ((torch.arange(height, dtype=torch.float64) + 0.5) * (low_rows / height) - 0.5).clamp_min(0)
    below = source.floor().long().clamp_max(low_rows - 1)
    above = (below + 1).clamp_max(low_rows - 1)
    weight = (source - below).to(device=target.device, dtype=target.dtype).view(-1, 1)
    for y0 in range(0, height, STRIP_ROWS):
        y1 = min(y0 + STRIP_ROWS, height)
        a, b = int(below[y0]), int(above[y1 - 1]) + 1
        widened = F.interpolate(low[..., a:b, :], size=(b - a, width), mode="bilinear", align_corners=False)
        w = weight[y0:y1]
        strip = widened[..., below[y0:y1] - a, :] * (1 - w) + widened[..., above[y0:y1] - a, :] * w
        target[..., y0:y1, :].add_(strip, alpha=sign)
    return target


def _rms(x: Tensor) -> Tensor:
    return (_chunked_sum(x, torch.square) / x.numel()).sqrt().clamp_min(GRADIENT_FLOOR)


def _chunked_sum(x: Tensor, transform: Callable[[Tensor], Tensor]) -> Tensor:
    """``transform(x).sum()`` in row chunks, so a 24-megapixel tensor needs no full-size temporary."""
    return sum((transform(chunk).sum() for chunk in x.split(STRIP_ROWS, dim=-2)), x.new_zeros(()))


def gaussian_smooth(g: Tensor, sigma: float) -> Tensor:
    """Separable Gaussian blur (edges replicated), in row strips; returns a new tensor."""
    radius = int(3 * sigma + 0.5)
    if radius == 0:
        return g
    offsets = torch.arange(-radius, radius + 1, dtype=g.dtype, device=g.device)
    kernel_1d = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel_1d /= kernel_1d.sum()
    channels = g.shape[1]
    vertical = kernel_1d.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    horizontal = kernel_1d.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    height = g.shape[-2]
    out = torch.empty_like(g)
    for y0 in range(0, height, STRIP_ROWS):
        y1 = min(y0 + STRIP_ROWS, height)
        a, b = max(y0 - radius, 0), min(y1 + radius, height)
        strip = F.pad(g[..., a:b, :], (radius, radius, radius - (y0 - a), radius - (b - y1)), mode="replicate")
        strip = F.conv2d(F.conv2d(strip, vertical, groups=channels), horizontal, groups=channels)
        out[..., y0:y1, :] = strip
    return out


def normalize_gradient(grad: Tensor, laplacian_levels: int, smoothing: float = 0.0) -> Tensor:
    """The seed's normalisation (divide by mean |g|, floored), after the optional blur and Laplacian one."""
    if smoothing > 0:
        grad = gaussian_smooth(grad, smoothing)
    if laplacian_levels > 1:
        grad = laplacian_normalize(grad, laplacian_levels)
    mean_magnitude = _chunked_sum(grad, torch.abs) / grad.numel()
    return grad.div_(mean_magnitude.clamp_min(GRADIENT_FLOOR))
