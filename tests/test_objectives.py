"""Objectives: the seed's loss against NumPy; each objective raises its own value on a real photo and model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepdreamer as dd
from deepdreamer.gradients import Window
from deepdreamer.models.classes import class_index, imagenet_classes
from deepdreamer.objectives import channel, channels, guide, layer, layer_mix, mean_square
from deepdreamer.tensors import to_tensor

from .conftest import small_photo


def seed_loss_numpy(activations: dict[str, np.ndarray], contributions: dict[str, float]) -> float:
    """The seed's Keras loss, transcribed on NHWC arrays."""
    loss = 0.0
    for name, coeff in contributions.items():
        act = activations[name]
        scaling = np.prod(np.array(act.shape, dtype=np.float64))
        loss += coeff * np.sum(np.square(act[:, 2:-2, 2:-2, :].astype(np.float64))) / scaling
    return loss


def test_seed_loss_on_inception_v3_matches_numpy(random_inception):
    photo = small_photo("coffee", width=299)
    x = random_inception.to_input(to_tensor(photo))
    with torch.no_grad():
        acts = random_inception.activations(x, dd.SEED_LAYER_MIX)
        ours = float(layer_mix(dd.SEED_LAYER_MIX)(acts))
    nhwc = {name: act.permute(0, 2, 3, 1).numpy() for name, act in acts.items()}
    assert ours > 0
    assert abs(ours - seed_loss_numpy(nhwc, dd.SEED_LAYER_MIX)) <= 1e-5 * ours


def test_objectives_add_scale_and_describe_themselves():
    acts = {"a": torch.ones(1, 2, 6, 6), "b": 2 * torch.ones(1, 1, 5, 5)}
    mix = 0.5 * layer("a") - layer("b")
    assert mix.layers == {"a", "b"}
    # a: 2*2*2 ones of 72 -> 8/72; b: 1*1*1 of value 4 over 25
    assert abs(float(mix(acts)) - (0.5 * 8 / 72 - 4 / 25)) < 1e-6
    assert str(mix) == "0.5*layer('a') - layer('b')"
    assert str(2 * (layer("a") - 0.5 * layer("b"))) == "2*(layer('a') - 0.5*layer('b'))"
    assert str(-(3 * channel("a", 1)) / 2) == "-1.5*channel('a', 1)"


@pytest.mark.parametrize("rows", [1, 3, 4])
def test_a_map_of_4_rows_or_fewer_adds_0_with_a_zero_gradient_as_in_the_seed(rows):
    act = torch.full((1, 2, rows, 9), 2.0, requires_grad=True)
    value = layer("a")({"a": act})
    (grad,) = torch.autograd.grad(value, act)
    assert float(value.detach()) == 0.0 and not grad.any()
    nhwc = act.detach().permute(0, 2, 3, 1).numpy()
    assert seed_loss_numpy({"a": nhwc}, {"a": 1.0}) == 0.0  # the seed's crop is empty too, not an error


def test_a_map_of_5_rows_keeps_its_middle_row_over_the_full_size():
    act = torch.arange(5 * 7, dtype=torch.float32).reshape(1, 1, 5, 7)
    expected = float(act[..., 2:3, 2:5].square().sum() / 35)
    assert float(layer("a")({"a": act})) == pytest.approx(expected)
    nhwc = act.permute(0, 2, 3, 1).numpy()
    assert seed_loss_numpy({"a": nhwc}, {"a": 1.0}) == pytest.approx(expected)


def test_mean_objectives_average_a_map_too_small_to_crop_whole():
    acts = {"a": torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(1, 2, 3, 4)}
    assert float(channel("a", 1)(acts)) == pytest.approx(float(acts["a"][:, 1].mean()))
    assert float(channels("a", [0, 1])(acts)) == pytest.approx(float(acts["a"].mean()))
    big = {"a": torch.arange(2 * 6 * 7, dtype=torch.float32).reshape(1, 2, 6, 7)}
    assert float(channel("a", 1)(big)) == pytest.approx(float(big["a"][:, 1, 2:4, 2:5].mean()))


def test_mean_square_takes_a_one_sample_wide_map_whole():
    act = torch.arange(1, 1 + 2 * 3 * 6, dtype=torch.float32).reshape(2, 3, 6, 1)  # CREPE: frames x C x time x 1
    assert float(layer("a")({"a": act})) == 0.0  # the seed's crop leaves nothing of it
    assert float(mean_square("a")({"a": act})) == pytest.approx(float(act.square().mean()))


def tile_windows(height: int, width: int, cuts: tuple[list[int], list[int]], context: int):
    """Tiles of a height x width map cut at ``cuts``, each with ``context`` positions around it: the tile's
    map, its window for the value (its own positions) and for the gradient (all its positions)."""
    rows = list(zip([0, *cuts[0]], [*cuts[0], height], strict=True))
    cols = list(zip([0, *cuts[1]], [*cuts[1], width], strict=True))
    for r0, r1 in rows:
        for c0, c1 in cols:
            er0, er1 = max(r0 - context, 0), min(r1 + context, height)
            ec0, ec1 = max(c0 - context, 0), min(c1 + context, width)
            own = Window((er0, ec0), (height, width), (r0 - er0, r1 - er0), (c0 - ec0, c1 - ec0))
            every = Window((er0, ec0), (height, width), (0, er1 - er0), (0, ec1 - ec0))
            yield (slice(er0, er1), slice(ec0, ec1)), own, every


@pytest.mark.parametrize("shape", [(13, 17), (6, 9), (4, 11)])
def test_tiles_own_windows_add_up_to_the_whole_objective(shape):
    act = torch.rand(1, 5, *shape, generator=torch.Generator().manual_seed(0))
    features = torch.rand(5, 3, generator=torch.Generator().manual_seed(1))
    objective = layer("a") + 0.5 * channel("a", 2) - channels("a", [0, 3]) + 2 * guide("a", features) \
        + mean_square("a")
    total = 0.0
    for (rows, cols), own, _ in tile_windows(*shape, ([3, 5], [4, 12]), context=2):
        total += float(objective({"a": act[..., rows, cols]}, {"a": own}))
    assert total == pytest.approx(float(objective({"a": act})), rel=1e-5)


def test_tiles_gradients_add_up_to_the_whole_gradient():
    """With windows over all of each tile's positions, the gradient of a map position is the whole one's
    wherever a tile holds it whole (here the map itself is tiled, so every tile holds its positions)."""
    act = torch.rand(1, 4, 12, 10, generator=torch.Generator().manual_seed(2), requires_grad=True)
    objective = layer("a")
    (whole,) = torch.autograd.grad(objective({"a": act}), act)
    for (rows, cols), own, every in tile_windows(12, 10, ([5], [3, 7]), context=1):
        piece = act.detach()[..., rows, cols].requires_grad_(True)
        (grad,) = torch.autograd.grad(objective({"a": piece}, {"a": every}), piece)
        core = (..., slice(*own.rows), slice(*own.cols))
        assert torch.allclose(grad[core], whole[..., rows, cols][core])


def _channel_means(net, image, name):
    with torch.no_grad():
        return net.activations(net.to_input(to_tensor(image)), [name])[name].mean(dim=(0, 2, 3))


def test_a_channel_dream_raises_that_channel_more_than_the_others(lite0, cat):
    target = 97
    before = _channel_means(lite0, cat, "block10")
    dreamed = dd.dream(cat, objective=channel("block10", target), seed=0, iterations=5, num_octaves=2).image
    rise = _channel_means(lite0, dreamed, "block10") - before
    assert rise[target] > 0
    others = torch.randperm(len(rise), generator=torch.Generator().manual_seed(0))[:8].tolist()
    assert all(rise[target] > rise[other] for other in others if other != target), rise


def _probability(model, image, index):
    net = dd.load_model(model)
    with torch.no_grad():
        return float(net.classify(net.to_input(to_tensor(image))).softmax(-1)[0, index])


def test_a_class_dream_raises_the_class_under_its_model_and_another_one(cat, capsys):
    index = class_index("Golden_Retriever")
    assert imagenet_classes()[index] == "golden retriever"
    dreamed = dd.dream(cat, objective="logit('golden retriever')", seed=0, iterations=10, num_octaves=2).image
    before = {m: _probability(m, cat, index) for m in ("efficientnet_lite0", "efficientnet_lite2")}
    after = {m: _probability(m, dreamed, index) for m in before}
    with capsys.disabled():
        print(f"\np(golden retriever) before -> after a Lite0 class dream: {before} -> {after}")
    assert before["efficientnet_lite0"] < 0.01 and after["efficientnet_lite0"] > 0.9
    assert after["efficientnet_lite2"] > 100 * before["efficientnet_lite2"]  # transfers to a model it never saw


def _cosine_to_guide(net, image, guide, name):
    mean = _channel_means(net, image, name)
    target = _channel_means(net, guide, name)
    return float(torch.nn.functional.cosine_similarity(mean, target, dim=0))


def test_a_guided_dream_moves_the_features_towards_the_guide(lite0, cat):
    guide = small_photo("coffee")
    dreamed = dd.dream(cat, guide=guide, layers={"block10": 1.0}, seed=0, iterations=8, num_octaves=2).image
    before, after = (_cosine_to_guide(lite0, image, guide, "block10") for image in (cat, dreamed))
    assert after > before + 0.03, (before, after)  # measured 0.618 -> 0.683
    plain = dd.dream(cat, layers={"block10": 1.0}, seed=0, iterations=8, num_octaves=2).image
    assert after > _cosine_to_guide(lite0, plain, guide, "block10")  # the guide, not dreaming itself, did it


def test_arithmetic_with_anything_but_objectives_and_numbers_is_one_clear_line():
    cases = {
        lambda: layer("a") + 1: "cannot add an objective and 1",
        lambda: 1 + layer("a"): "cannot add an objective and 1",
        lambda: 2 - layer("a"): "cannot subtract an objective and 2",
        lambda: layer("a") * layer("b"): "only be scaled by numbers",
        lambda: layer("a") * "2": "only be scaled by numbers",
        lambda: True * layer("a"): "only be scaled by numbers",
        lambda: 1 / layer("a"): "cannot divide 1 by an objective",
        lambda: layer("a") / 0: "cannot divide an objective by zero",
        lambda: layer("a") * 1e308 * 10: r"not 1e\+308\*10",  # the product, not the last factor
        lambda: layer("a") * 10**400: "must be a finite number, not 1000",
        lambda: channel("a", -1): "whole numbers from 0, not -1",
        lambda: channel(3, 1): "expected a layer name in quotes, not 3",
        lambda: channels("a"): "takes a list of channels, or strongest=K",
        lambda: channels("a", strongest=2, weakest=2): "takes a list of channels, or strongest=K",
        lambda: channels("a", "12"): "expected a non-empty list",
        lambda: channels("a", weakest=0): "positive integer",
    }
    for make, message in cases.items():
        with pytest.raises(dd.DeepDreamError, match=message) as caught:
            make()
        assert "\n" not in str(caught.value)


def test_strongest_channels_describe_themselves_until_a_photo_ranks_them():
    unranked = 2 * channels("a", strongest=3)
    assert str(unranked) == "2*channels('a', strongest=3)"
    with pytest.raises(dd.DeepDreamError, match="ranks the channels on a photo"):
        unranked({"a": torch.ones(1, 4, 6, 6)})
