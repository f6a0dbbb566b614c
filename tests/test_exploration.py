"""Exploration: random layer mixes are repeatable, each result repeats alone, every layer gets a preview."""

from __future__ import annotations

import random

import numpy as np

import deepdreamer as dd
from deepdreamer.exploration import explorable_layers, explore, layer_previews, random_layer_mix
from deepdreamer.images import shrink

FAST = {"iterations": 2, "num_octaves": 2}


def test_random_mixes_draw_from_the_models_layers_in_network_order():
    layers = explorable_layers("efficientnet_lite0")
    assert layers[0] == "block1" and layers[-1] == "head"
    rng = random.Random(3)
    mixes = [random_layer_mix(layers, rng) for _ in range(50)]
    for mix in mixes:
        assert 1 <= len(mix) <= 3 and set(mix) <= set(layers)
        assert list(mix) == sorted(mix, key=layers.index)
        assert all(0.2 <= w <= 3.0 for w in mix.values())
    assert len({tuple(mix.items()) for mix in mixes}) > 45  # actually random


def test_same_seed_same_exploration_and_each_result_repeats_alone(cat):
    first = explore(cat, 3, seed=7, side=96, **FAST)
    second = explore(cat, 3, seed=7, side=96, **FAST)
    other = explore(cat, 3, seed=8, side=96, **FAST)
    assert [r.params["layers"] for r in first.dreams] == [r.params["layers"] for r in second.dreams]
    pairs = zip(first.dreams, second.dreams, strict=True)
    assert all(np.array_equal(np.asarray(a.image), np.asarray(b.image)) for a, b in pairs)
    assert [r.params["layers"] for r in first.dreams] != [r.params["layers"] for r in other.dreams]
    small = first.dreams[1].image
    again = dd.dream(shrink(cat, 96), **dd.params_to_options(first.dreams[1].params))
    assert small.size == (96, 64)
    assert np.array_equal(np.asarray(again.image), np.asarray(small))


def test_every_stage_gets_a_preview(cat):
    previews = layer_previews(cat, side=64, iterations=1, num_octaves=1)
    assert previews.captions == dd.load_model("efficientnet_lite0").stage_names
    assert all(r.params["layers"] == {name: 1.0} for name, r in zip(previews.captions, previews.dreams, strict=True))
    first = np.asarray(previews.dreams[0].image)
    assert all(not np.array_equal(np.asarray(r.image), first) for r in previews.dreams[1:])
