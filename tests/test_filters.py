"""Feature visualisation: each picture excites its own channel more than the other pictures do."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import deepdreamer as dd
from deepdreamer.filters import FilterSettings, parse_channels, visualize_channels
from deepdreamer.tensors import to_tensor

CHANNELS = [3, 40, 97]


def _channel_means(net, picture: Image.Image) -> torch.Tensor:
    with torch.no_grad():
        act = net.activations(net.to_input(to_tensor(picture)), ["block10"])["block10"]
    return act.mean(dim=(0, 2, 3))[CHANNELS]


def test_each_picture_excites_its_own_channel_most(lite0):
    found = visualize_channels(lite0, "block10", CHANNELS, FilterSettings(size=64, steps=40), seed=1)
    assert found.channels == CHANNELS and not found.stopped
    pictures = found.pictures
    assert [p.size for p in pictures] == [(64, 64)] * 3
    grid = torch.stack([_channel_means(lite0, p) for p in pictures])  # row: picture, column: channel
    grey = _channel_means(lite0, Image.new("RGB", (64, 64), (128, 128, 128)))
    for i in range(len(CHANNELS)):
        others = [grid[j, i] for j in range(len(CHANNELS)) if j != i]
        assert grid[i, i] > max(others) and grid[i, i] > grey[i], grid


def test_same_seed_same_pictures(lite0):
    settings = FilterSettings(size=48, steps=3)
    first, second = (visualize_channels(lite0, "block5", [0, 1], settings, seed=4) for _ in range(2))
    assert all(a.tobytes() == b.tobytes() for a, b in zip(first.pictures, second.pictures, strict=True))


@pytest.mark.parametrize(("text", "channels"), [("0-3", [0, 1, 2, 3]), ("7", [7]), ("5,1-2,5", [5, 1, 2])])
def test_channel_lists_parse(text, channels):
    assert parse_channels(text) == channels


@pytest.mark.parametrize("text", ["a-b", "3-1", "", "1,,2"])
def test_bad_channel_lists_are_one_line_errors(text):
    with pytest.raises(dd.DeepDreamError):
        parse_channels(text)


def test_a_channel_beyond_the_layer_is_refused(lite0):
    with pytest.raises(dd.DeepDreamError, match=r"channels 0\.\.111"):
        visualize_channels(lite0, "block8", [112], FilterSettings(size=48, steps=1))
