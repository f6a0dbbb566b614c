"""The octave / gradient-ascent engine, on real Lite0 weights and real photos."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.ndimage import gaussian_filter, zoom

import deepdreamer as dd
from deepdreamer.engine import octave_shapes, resize
from deepdreamer.gradients import laplacian_normalize
from deepdreamer.settings import DreamSettings


def test_octave_shapes_follow_the_seed_formula_on_odd_sizes():
    # The seed's own run: a 359x599 photo dreamed at (183, 305), (256, 427), (359, 599).
    assert octave_shapes(359, 599, 3, 1.4) == [(183, 305), (256, 427), (359, 599)]
    for height, width, count, scale in [(301, 457, 4, 1.4), (99, 77, 3, 1.3), (5, 3, 2, 2.0)]:
        expected = [tuple(int(d / scale**i) for d in (height, width)) for i in range(count)][::-1]
        assert octave_shapes(height, width, count, scale) == expected


def test_a_working_size_adds_detail_octaves_to_bigger_photos_only():
    assert octave_shapes(359, 599, 3, 1.4, 600) == octave_shapes(359, 599, 3, 1.4)  # no larger: the seed's
    phone = octave_shapes(3024, 4032, 4, 1.4, 512)
    assert phone[:4] == [(int(384 / 1.4**i), int(512 / 1.4**i)) for i in (3, 2, 1, 0)]  # the structure at 512
    assert phone[-1] == (3024, 4032)
    ratios = [b[1] / a[1] for a, b in itertools.pairwise(phone[3:])]
    assert max(ratios) <= 1.4 + 1e-2 and max(ratios) - min(ratios) < 1e-2  # detail octaves evenly spaced
    counts = [len(octave_shapes(round(side * 0.75), side, 4, 1.4, 512)) for side in (512, 1024, 2048, 4032, 6000)]
    assert counts == sorted(counts) and counts[0] == 4 and counts[-1] > counts[1]


def test_the_default_scale_gives_a_bigger_photo_more_octaves_and_is_recorded(cat):
    working = dd.model_spec(dd.DEFAULT_MODEL).preset(None).settings.scale
    small = dd.dream(cat, iterations=1, seed=0, device="cpu")  # 160 px: below the working size
    big_photo = cat.resize((3 * working, round(3 * working * cat.height / cat.width)))
    reports: list = []
    big = dd.dream(big_photo, iterations=2, detail_iterations=1, seed=0, device="cpu", progress=reports.append)
    assert len(small.octave_sizes) == small.params["num_octaves"] == 4
    assert len(big.octave_sizes) > len(small.octave_sizes)
    assert max(big.octave_sizes[3]) == working and big.octave_sizes[-1] == big_photo.size
    assert big.steps_per_octave == [2] * 4 + [1] * (len(big.octave_sizes) - 4)
    assert {r.octave for r in reports if r.detail} == set(range(4, len(big.octave_sizes)))  # progress says so
    assert not any(r.detail for r in reports if r.octave < 4) and reports[-1].fraction == 1.0
    assert big.params["scale"] == working and dd.params_to_options(big.params)["scale"] == working
    fine = dd.dream(big_photo, scale="fine", iterations=0, detail_iterations=0, seed=0, device="cpu")
    assert fine.params["scale"] == 1024 and max(fine.octave_sizes[3]) == 1024
    assert len(fine.octave_sizes) < len(big.octave_sizes)  # finer features: fewer octaves above the working size


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
    {"max_loss": -3.0}, {"jitter": -1}, {"laplacian_levels": 20}, {"smoothing": -1.0}, {"smoothing": 100.0},
    {"smoothing": float("inf")}, {"scale": 64}, {"scale": 1.5}, {"detail_iterations": -1},
])
def test_bad_numbers_are_refused_in_one_line(bad):
    with pytest.raises(dd.DeepDreamError) as error:
        DreamSettings(**bad).check()
    assert "\n" not in str(error.value)


def _change(result, photo) -> np.ndarray:
    return np.asarray(result.image, float) - np.asarray(photo, float)


def test_a_mask_dreams_only_where_it_is_white(cat):
    half = np.zeros((cat.height, cat.width), np.uint8)
    half[:, cat.width // 2:] = 255
    result, _ = _losses(cat, mask=Image.fromarray(half), iterations=4)
    change = np.abs(_change(result, cat))
    assert change[:, : cat.width // 2].max() == 0  # black: exactly the photo
    assert change[:, cat.width // 2:].mean() > 5  # white: dreamed (measured 7.6 levels)


def test_a_soft_mask_blends(cat):
    ramp = np.tile(np.linspace(0, 255, cat.width).astype(np.uint8), (cat.height, 1))
    result, _ = _losses(cat, mask=Image.fromarray(ramp), iterations=4)
    thirds = np.array_split(np.abs(_change(result, cat)).mean(axis=(0, 2)), 3)
    assert thirds[0].mean() < thirds[1].mean() < thirds[2].mean()


def test_a_mask_of_another_shape_is_refused(cat):
    with pytest.raises(dd.DeepDreamError, match="aspect ratio"):
        dd.dream(cat, mask=Image.new("L", (cat.width, cat.width)), iterations=1)


def test_keep_colors_keeps_the_photos_mean_colour(cat):
    options = {"iterations": 6, "num_octaves": 2}
    kept, _ = _losses(cat, keep_colors=True, **options)
    free, _ = _losses(cat, **options)
    mean_shift = {name: np.abs(_change(r, cat).mean(axis=(0, 1))).max() for name, r in [("kept", kept), ("free", free)]}
    assert mean_shift["kept"] < 1.0, mean_shift  # levels of 255, per channel
    assert mean_shift["free"] > 2 * mean_shift["kept"], mean_shift
    assert np.abs(_change(kept, cat)).mean() > 4  # still dreamed: light and shade changed (measured 6.7)


def _high_frequency_share(change: np.ndarray) -> float:
    smooth = gaussian_filter(change, sigma=(2, 2, 0))
    return float(np.square(change - smooth).sum() / np.square(change).sum())


def test_smoothing_moves_the_change_to_coarser_shapes(cat):
    options = {"iterations": 6, "num_octaves": 2}
    sharp, _ = _losses(cat, **options)
    smooth, _ = _losses(cat, smoothing=2.0, **options)
    assert smooth.params["smoothing"] == 2.0
    assert _high_frequency_share(_change(smooth, cat)) < 0.7 * _high_frequency_share(_change(sharp, cat))
