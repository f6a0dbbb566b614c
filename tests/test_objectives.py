"""Objectives: the seed's loss, checked against an independent NumPy computation."""

from __future__ import annotations

import numpy as np
import torch

import deepdreamer as dd
from deepdreamer.images import to_tensor
from deepdreamer.objectives import layer, layer_mix

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
    assert str(mix) == "0.5*layer('a') + -1*layer('b')"
