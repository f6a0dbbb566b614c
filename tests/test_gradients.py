"""Gradients tile by tile: exact without spatial context, close to the whole-image gradient with it, no seams."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from scipy.ndimage import gaussian_filter
from torch import nn

import deepdreamer as dd
from deepdreamer.gradients import balanced_tile, tiled_loss_and_gradient, whole_loss_and_gradient
from deepdreamer.losses import objective_function
from deepdreamer.models import DreamNet
from deepdreamer.objectives import channel, channels, layer, layer_mix
from deepdreamer.settings import MIN_BUDGET
from deepdreamer.tensors import to_tensor

from .conftest import small_photo

TILE = 128
BORDERS = [128, 256, 384]  # tile-border columns of a 512-wide image with the grid at offset 0


@pytest.fixture(scope="module")
def loss_fn(lite0):
    return objective_function(lite0, layer_mix({"block8": 1.0, "block10": 1.0}))


class CellNet(DreamNet):
    """Maps of stride 2, 8 and 32 where each position sees its own cell of pixels and nothing else.

    Tiles then compute exactly the whole image's activations, so the tiled objective and gradient must
    equal the whole ones: border crops, weights, and which tile owns a position all show.
    """

    min_input_side = 32

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Conv2d(3, 4, 1), nn.Conv2d(4, 6, 1), nn.Conv2d(6, 5, 1)
        self._set_stages([("a", lambda x: F.avg_pool2d(torch.tanh(self.a(x)), 2)),
                          ("b", lambda x: F.avg_pool2d(torch.tanh(self.b(x)), 4)),
                          ("c", lambda x: F.avg_pool2d(torch.tanh(self.c(x)), 4))])


@pytest.mark.parametrize(("tile", "offset", "shift", "margin"), [
    (64, (0, 0), (0, 0), 64), (96, (32, 64), (5, -7), 64), (64, (64, 32), (-3, 11), 0), (160, (96, 0), (0, 0), 32)])
def test_tiles_without_spatial_context_give_exactly_the_whole_loss_and_gradient(tile, offset, shift, margin):
    torch.manual_seed(0)
    net = CellNet().requires_grad_(False)
    objective = layer("a") + 2 * layer("b") + 3 * layer("c") + channel("b", 1) - 0.5 * channels("c", [0, 2])
    loss_fn = objective_function(net, objective)
    x = torch.randn(1, 3, 230, 170)  # not multiples of the strides: partial cells and small edge tiles
    whole_loss, whole = whole_loss_and_gradient(x, loss_fn, shift)
    tiled_loss, tiled = tiled_loss_and_gradient(x, loss_fn, tile, offset, shift, margin)
    assert tiled_loss == pytest.approx(whole_loss, rel=1e-5)
    assert torch.allclose(tiled, whole, rtol=1e-4, atol=1e-6 * float(whole.abs().max()))


def border_profile(grad: torch.Tensor) -> tuple[float, float]:
    """(jump across border columns / jump elsewhere, |g| within 4 px of borders / |g| elsewhere)."""
    jump = (grad[..., 1:] - grad[..., :-1]).abs().mean(dim=(0, 1, 2))  # jump[c - 1]: between columns c-1, c
    near_border = torch.zeros(grad.shape[-1], dtype=torch.bool)
    for c in BORDERS:
        near_border[c - 4:c + 4] = True
    magnitude = grad.abs().mean(dim=(0, 1, 2))
    at = torch.tensor([c - 1 for c in BORDERS])
    elsewhere = torch.ones_like(jump, dtype=torch.bool)
    elsewhere[at] = False
    return (float(jump[at].mean() / jump[elsewhere].mean()),
            float(magnitude[near_border].mean() / magnitude[~near_border].mean()))


@pytest.mark.parametrize("picture", ["flat", "photo"])
def test_tile_borders_carry_no_seam(lite0, loss_fn, picture):
    image = Image.new("RGB", (512, 340), (128, 120, 110)) if picture == "flat" else small_photo("coffee", 512)
    x = lite0.to_input(to_tensor(image))
    _, whole = whole_loss_and_gradient(x, loss_fn)
    _, tiled = tiled_loss_and_gradient(x, loss_fn, TILE)
    jump, magnitude = border_profile(tiled)
    whole_jump, _ = border_profile(whole)
    assert jump <= max(1.1, 1.1 * whole_jump)  # no sharper step at tile borders than the whole gradient has there
    assert 0.8 <= magnitude <= 1.25  # and no weak or strong band along them
    # context margins are what makes it work: without them tiles get another gradient (measured: 6-9x further)
    _, bare = tiled_loss_and_gradient(x, loss_fn, TILE, margin=0)
    assert float((bare - whole).abs().mean()) > 3 * float((tiled - whole).abs().mean())


def test_tiled_gradient_is_close_to_the_whole_one(lite0, loss_fn):
    x = lite0.to_input(to_tensor(small_photo("astronaut", 800)))
    whole_loss, whole = whole_loss_and_gradient(x, loss_fn)
    tiled_loss, tiled = tiled_loss_and_gradient(x, loss_fn, 384, offset=(96, 256))
    assert float((tiled - whole).abs().mean() / whole.abs().mean()) < 0.1
    assert tiled_loss == pytest.approx(whole_loss, rel=0.02)  # no crop at tile edges, each position once
    # jitter: tiles read the shifted image by wrapped indices, as the whole pass reads a rolled copy
    _, whole = whole_loss_and_gradient(x, loss_fn, shift=(5, -7))
    _, tiled = tiled_loss_and_gradient(x, loss_fn, 384, offset=(96, 256), shift=(5, -7))
    assert float((tiled - whole).abs().mean() / whole.abs().mean()) < 0.1


def test_a_dream_that_fits_the_budget_runs_whole_and_one_that_does_not_is_tiled(monkeypatch):
    import deepdreamer.memory as memory

    monkeypatch.setattr(memory, "memory_in_use", lambda device: 0)  # the budget is all the network's
    photo = small_photo("rocket", 600)
    options = {"num_octaves": 2, "iterations": 1, "seed": 1, "device": "cpu", "scale": 0}  # no detail octaves
    whole = dd.dream(photo, max_memory=2 * memory.GIB, **options)
    assert whole.params["tiles"] is None
    tiled = dd.dream(photo, max_memory=MIN_BUDGET, **options)  # Lite0 needs ~0.4 GiB at 600x400
    assert tiled.params["tiles"]["max_memory"] == MIN_BUDGET
    (size, tile), = tiled.params["tiles"]["octaves"].items()  # the 428x285 octave still fits whole
    assert size == "600x400" and all(t < s for t, s in zip(map(int, tile.split("x")), (600, 400), strict=True))
    assert not np.array_equal(np.asarray(tiled.image), np.asarray(whole.image))


def test_a_tiled_dream_raises_the_objective_and_keeps_the_size():
    photo = small_photo("rocket", 600)
    losses: list[float] = []
    result = dd.dream(photo, tile_size=256, num_octaves=1, iterations=6, seed=0, device="cpu", scale=0,
                      progress=lambda p: None if p.octave_done else losses.append(p.loss))
    assert result.image.size == photo.size
    assert losses[-1] > 1.2 * losses[0]
    assert result.params["tile_size"] == 256
    assert result.params["tiles"]["octaves"] == {"600x400": "224x224"}


@pytest.mark.parametrize("length, tile, expected", [(800, 1024, 800), (2048, 1024, 1024),
                                                    (6000, 1024, 1024), (1500, 1024, 768), (4000, 768, 672)])
def test_balanced_tiles_are_aligned_and_cover_the_image_with_the_fewest_tiles(length, tile, expected):
    side = balanced_tile(length, tile)
    assert side == expected and side % 32 == 0
    assert -(-length // side) == -(-length // tile)


def _reference_laplacian(g: torch.Tensor, levels: int) -> torch.Tensor:
    """The pyramid written plainly on whole tensors: the oracle for the strip-by-strip version."""
    if levels < 2 or min(g.shape[-2:]) < 2:
        return g / g.square().mean().sqrt()
    kernel_1d = g.new_tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
    kernel = (kernel_1d[:, None] * kernel_1d[None, :]).expand(g.shape[1], 1, 5, 5)
    coverage = torch.nn.functional.conv2d(g.new_ones(1, 1, *g.shape[-2:]), kernel[:1], stride=2, padding=2)
    low = torch.nn.functional.conv2d(g, kernel, stride=2, padding=2, groups=g.shape[1]) / coverage

    def up(x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.interpolate(x, size=g.shape[-2:], mode="bilinear", align_corners=False)

    band = g - up(low)
    return band / band.square().mean().sqrt() + up(_reference_laplacian(low, levels - 1))


@pytest.mark.parametrize("shape", [(1, 3, 37, 50), (1, 3, 101, 33), (1, 3, 5, 9)])
def test_laplacian_pyramid_in_strips_equals_the_whole_tensor_version(monkeypatch, shape):
    import deepdreamer.gradients as gradients

    monkeypatch.setattr(gradients, "STRIP_ROWS", 7)  # many strips, odd boundaries
    g = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(gradients.laplacian_normalize(g.clone(), 4), _reference_laplacian(g, 4), atol=1e-4)


@pytest.mark.parametrize(("shape", "sigma"), [((1, 3, 37, 50), 1.5), ((1, 3, 101, 33), 4.0), ((1, 3, 5, 9), 2.0)])
def test_gaussian_smoothing_in_strips_equals_scipys_filter(monkeypatch, shape, sigma):
    import deepdreamer.gradients as gradients

    monkeypatch.setattr(gradients, "STRIP_ROWS", 7)
    g = torch.randn(shape, generator=torch.Generator().manual_seed(2))
    reference = gaussian_filter(g.numpy(), sigma=(0, 0, sigma, sigma), mode="nearest", truncate=3.0)
    assert np.abs(gradients.gaussian_smooth(g, sigma).numpy() - reference).max() < 1e-5


def test_the_laplacian_pyramid_and_smoothing_stay_on_the_gradients_device():
    import deepdreamer.gradients as gradients

    g = torch.empty(1, 3, 64, 48, device="meta")  # shapes and devices only: what a GPU run would hit
    assert gradients.normalize_gradient(g, 4, smoothing=1.5).device.type == "meta"
