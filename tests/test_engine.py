"""The octave / gradient-ascent engine, on real Lite0 weights and real photos."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.ndimage import zoom

import deepdreamer as dd
from deepdreamer.engine import DreamSettings, octave_shapes, resize
from deepdreamer.gradients import laplacian_normalize

from .conftest import small_photo


def test_octave_shapes_follow_the_seed_formula_on_odd_sizes():
    # The seed's own run: a 359x599 photo dreamed at (183, 305), (256, 427), (359, 599).
    assert octave_shapes(359, 599, 3, 1.4) == [(183, 305), (256, 427), (359, 599)]
    for height, width, count, scale in [(301, 457, 4, 1.4), (99, 77, 3, 1.3), (5, 3, 2, 2.0)]:
        expected = [tuple(int(d / scale**i) for d in (height, width)) for i in range(count)][::-1]
        assert octave_shapes(height, width, count, scale) == expected


def test_resize_is_the_seeds_linear_zoom():
    x = torch.rand(1, 3, 13, 17, generator=torch.Generator().manual_seed(1))
    ours = resize(x, (9, 24)).numpy()
    theirs = zoom(x.numpy(), (1, 1, 9 / 13, 24 / 17), order=1)  # the seed's resize_img
    assert np.abs(ours - theirs).max() < 1e-5


def _losses(image, **kwargs):
    losses: list[float] = []
    result = dd.dream(image, device="cpu", seed=0,
                      progress=lambda p: None if p.octave_done else losses.append(p.loss), **kwargs)
    return result, losses


def test_objective_rises_over_an_octave(cat):
    _, losses = _losses(cat, preset="seed", num_octaves=1, iterations=8)
    assert len(losses) == 8
    assert losses[-1] > 1.3 * losses[0]
    assert sum(b > a for a, b in itertools.pairwise(losses)) >= 6  # rises at (almost) every step


def test_default_preset_also_raises_the_objective(cat):
    _, losses = _losses(cat, num_octaves=1, iterations=8)
    assert losses[-1] > 1.3 * losses[0]


def test_dream_changes_the_picture_and_keeps_size_and_mode(cat):
    result, _ = _losses(cat)  # the default model and preset
    assert result.image.size == cat.size and result.image.mode == cat.mode
    difference = np.abs(np.asarray(result.image, float) - np.asarray(cat, float))
    assert difference.mean() > 10  # levels out of 255: visibly dreamed, not a copy
    assert difference.mean() < 80  # and not replaced by noise


def test_alpha_is_kept_and_not_dreamed(cat):
    alpha = np.tile(np.linspace(0, 255, cat.width).astype(np.uint8), (cat.height, 1))
    rgba = cat.copy()
    rgba.putalpha(Image.fromarray(alpha))
    result, _ = _losses(rgba, iterations=2, num_octaves=1)
    assert result.image.mode == "RGBA"
    assert np.array_equal(np.asarray(result.image)[..., 3], alpha)


def test_zero_iterations_return_the_input_within_one_level(cat):
    result, _ = _losses(cat, iterations=0)
    difference = np.abs(np.asarray(result.image, int) - np.asarray(cat, int))
    assert difference.max() <= 1


def test_max_loss_stops_an_octave_early(cat):
    _, losses = _losses(cat, preset="seed", num_octaves=1, iterations=10)
    cap = (losses[3] + losses[4]) / 2  # exceeded at the fifth evaluation, once four steps are applied
    result, capped = _losses(cat, preset="seed", num_octaves=1, iterations=10, max_loss=cap)
    assert result.steps_per_octave == [4]
    assert capped == losses[:4]


def test_same_seed_same_dream(cat):
    first, _ = _losses(cat, iterations=3, num_octaves=2)
    second, _ = _losses(cat, iterations=3, num_octaves=2)
    assert np.array_equal(np.asarray(first.image), np.asarray(second.image))


def test_octave_images_are_kept_smallest_first(cat):
    result = dd.dream(cat, iterations=1, keep_octaves=True, device="cpu")
    sizes = [(im.height, im.width) for im in result.octave_images]
    assert sizes == octave_shapes(cat.height, cat.width, result.params["num_octaves"], 1.4)
    assert len(sizes) == result.params["num_octaves"] > 1


def test_laplacian_normalisation_is_per_band_and_scale_free():
    generator = torch.Generator().manual_seed(0)
    g = torch.randn(1, 3, 37, 50, generator=generator)
    normalised = laplacian_normalize(g.clone(), 4)
    assert normalised.shape == g.shape and torch.isfinite(normalised).all()
    assert torch.allclose(laplacian_normalize(1e-3 * g, 4), normalised, atol=1e-4)
    assert torch.allclose(laplacian_normalize(g.clone(), 1), g / g.square().mean().sqrt())
    # each band is scaled to unit RMS: the fine band of the result has RMS 1
    fine = normalised - torch.nn.functional.interpolate(
        torch.nn.functional.avg_pool2d(normalised, 2), size=g.shape[-2:], mode="bilinear")
    assert 0.5 < float(fine.square().mean().sqrt()) < 2


@pytest.mark.parametrize("bad", [
    {"step": -1.0}, {"step": float("nan")}, {"num_octaves": 0}, {"octave_scale": 0.5}, {"iterations": -2},
    {"max_loss": -3.0}, {"jitter": -1}, {"laplacian_levels": 20},
])
def test_bad_numbers_are_refused_in_one_line(bad):
    with pytest.raises(dd.DeepDreamError) as error:
        DreamSettings(**bad).check()
    assert "\n" not in str(error.value)


def test_bf16_raises_the_objective_and_dreams_like_fp32():
    photo = small_photo("coffee", width=192)
    losses: list[float] = []
    options = {"num_octaves": 1, "iterations": 4, "seed": 0, "device": "cpu", "preset": "seed"}
    bf16 = dd.dream(photo, precision="bf16", progress=lambda p: None if p.octave_done else losses.append(p.loss),
                    **options)
    fp32 = dd.dream(photo, **options)
    assert losses[-1] > 1.1 * losses[0]
    original = np.asarray(photo, float)
    bf16_change = (np.asarray(bf16.image, float) - original).ravel()
    fp32_change = (np.asarray(fp32.image, float) - original).ravel()
    # the same picture changes, with bf16's rounding noise on top (measured correlation 0.68)
    assert np.corrcoef(bf16_change, fp32_change)[0, 1] > 0.5
    assert bf16.params["precision"] == "bf16"
