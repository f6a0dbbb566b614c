"""Exploring a network on one photo: random layer mixes (the seed's suggestion) and one dream per layer.

Both return a :class:`DreamSet` of ordinary :class:`~deepdreamer.api.DreamResult` values, whose ``params``
repeat any single result with ``--like`` or :func:`~deepdreamer.records.params_to_options`; its
:meth:`DreamSet.sheet` puts them on a captioned contact sheet.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from . import checks
from .api import DreamResult, dream
from .defaults import EXPLORE_SIDE, MAX_DREAMS
from .errors import DeepDreamError
from .images import as_picture, shrink
from .models import DEFAULT_MODEL, load_model
from .progress import Job, ProgressCallback
from .sheets import contact_sheet

#: The shallowest layers only tint and sharpen; exploration starts after them.
SKIPPED_SHALLOW_LAYERS = 2
#: A random mix has 1 to this many layers, with weights drawn from WEIGHT_RANGE (one decimal).
MAX_MIX_LAYERS = 3
WEIGHT_RANGE = (0.2, 3.0)


@dataclass
class DreamSet:
    """Several dreams of one photo, each with a caption; ``stopped`` when the stop event cut the set short."""

    dreams: list[DreamResult]
    captions: list[str]
    stopped: bool = False

    def sheet(self) -> Image.Image:
        """The dreams on a captioned contact sheet."""
        return contact_sheet([(result.image, caption) for result, caption in zip(self.dreams, self.captions,
                                                                                 strict=True)])


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
    image: Any,
    count: int,
    *,
    seed: int,
    model: str = DEFAULT_MODEL,
    side: int = EXPLORE_SIDE,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    **options: Any,
) -> DreamSet:
    """``count`` dreams of ``image`` (shrunk to ``side``) with random layer mixes; the same seed, the same mixes.

    ``options`` go to :func:`~deepdreamer.api.dream` (preset, step, iterations, ...). Each finished dream
    is reported as the ``result`` of a progress record, so a front end can save it at once.
    """
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_DREAMS:
        raise DeepDreamError(f"the number of dreams must be 1 to {MAX_DREAMS}, not {count!r:.30}")
    rng = random.Random(checks.seed(seed))
    layers = explorable_layers(model)
    small = shrink(as_picture(image, "image").image, side)
    variants = [{"layers": random_layer_mix(layers, rng), "seed": rng.randrange(2**31)} for _ in range(count)]
    captions = [f"{i + 1}: {describe_mix(variant['layers'])}" for i, variant in enumerate(variants)]
    return _dream_each(small, variants, captions, "explore", Job("explore", progress, stop), model=model, **options)


def layer_previews(
    image: Any,
    *,
    model: str = DEFAULT_MODEL,
    side: int = 256,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    **options: Any,
) -> DreamSet:
    """One small dream per stage (block) of the network, shallowest first, with the model's preset settings."""
    small = shrink(as_picture(image, "image").image, side)
    stages = load_model(model, pretrained=False, device="cpu").stage_names
    return _dream_each(small, [{"layers": {name: 1.0}, "seed": checks.seed(seed)} for name in stages], stages, "layers",
                       Job("layers", progress, stop), model=model, **options)


def _dream_each(photo: Image.Image, variants: list[dict[str, Any]], captions: list[str], stage: str, job: Job,
                **options: Any) -> DreamSet:
    """Dream ``photo`` once per variant of the options, until done or stopped."""
    done = DreamSet([], [])
    for index, (variant, caption) in enumerate(zip(variants, captions, strict=True)):
        if job.stopped:
            break
        label = f"{stage} {index + 1}/{len(variants)}"
        result = dream(photo, **variant, **options, progress=job.part(index, len(variants), label).progress,
                       stop=job.stop)
        if result.stopped:
            break
        done.dreams.append(result)
        done.captions.append(caption)
        job.finished(index, len(variants), label, result)
    done.stopped = len(done.dreams) < len(variants)
    return done

