"""Exploring a network on one photo: random layer mixes (the seed's suggestion) and one dream per layer.

Both return ordinary :class:`DreamResult` values, whose ``params`` repeat any single result with
``--like`` or :func:`params_to_options`; the front end puts them on a contact sheet.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image

from .api import DreamResult, dream
from .errors import DeepDreamError
from .images import shrink
from .models import DEFAULT_MODEL, load_model

#: Exploration dreams on a small copy of the photo: many results quickly; ``--like`` repeats one at full size.
EXPLORE_SIDE = 384
#: The shallowest layers only tint and sharpen; exploration starts after them.
SKIPPED_SHALLOW_LAYERS = 2
#: A random mix has 1 to this many layers, with weights drawn from WEIGHT_RANGE (one decimal).
MAX_MIX_LAYERS = 3
WEIGHT_RANGE = (0.2, 3.0)


def explorable_layers(model: str = DEFAULT_MODEL) -> list[str]:
    """The layers random mixes draw from: the network's stages (blocks) but the shallowest."""
    return load_model(model, pretrained=False, device="cpu").stage_names[SKIPPED_SHALLOW_LAYERS:]


def random_layer_mix(layers: Sequence[str], rng: random.Random) -> dict[str, float]:
    """1..MAX_MIX_LAYERS distinct layers, in network order, with random weights."""
    count = rng.randint(1, min(MAX_MIX_LAYERS, len(layers)))
    chosen = sorted(rng.sample(range(len(layers)), count))
    return {layers[i]: round(rng.uniform(*WEIGHT_RANGE), 1) for i in chosen}


def describe_mix(layers: dict[str, float]) -> str:
    return " + ".join(f"{weight:g}*{name}" for name, weight in layers.items())


def explore(
    image: Image.Image,
    count: int,
    *,
    seed: int,
    model: str = DEFAULT_MODEL,
    side: int = EXPLORE_SIDE,
    on_result: Callable[[int, DreamResult], None] | None = None,
    **options: Any,
) -> list[DreamResult]:
    """``count`` dreams of ``image`` (shrunk to ``side``) with random layer mixes; the same seed, the same mixes.

    ``options`` go to :func:`dream` (preset, step, iterations, ...). ``on_result`` sees each result as it
    is done (to save it at once).
    """
    if count < 1:
        raise DeepDreamError(f"the number of dreams must be at least 1, not {count}")
    rng = random.Random(seed)
    layers = explorable_layers(model)
    small = shrink(image, side)
    results = []
    for i in range(count):
        mix = random_layer_mix(layers, rng)
        result = dream(small, model=model, layers=mix, seed=rng.randrange(2**31), **options)
        if on_result is not None:
            on_result(i, result)
        results.append(result)
    return results


def layer_previews(
    image: Image.Image,
    *,
    model: str = DEFAULT_MODEL,
    side: int = 256,
    seed: int = 0,
    on_result: Callable[[str, DreamResult], None] | None = None,
    **options: Any,
) -> list[tuple[str, DreamResult]]:
    """One small dream per stage (block) of the network, shallowest first, with the model's preset settings."""
    small = shrink(image, side)
    previews = []
    for name in load_model(model, pretrained=False, device="cpu").stage_names:
        result = dream(small, model=model, layers={name: 1.0}, seed=seed, **options)
        if on_result is not None:
            on_result(name, result)
        previews.append((name, result))
    return previews
