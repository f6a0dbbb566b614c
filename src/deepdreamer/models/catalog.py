"""The registry as data (``catalog.json``), for front ends that must answer without importing torch.

``deepdreamer models``, ``layers``, ``list_layers()`` and ``--help`` read the catalog; everything that runs a network
uses the live registry. The catalog is written from the registry at build time
(``python -m deepdreamer.models.catalog``), and a test keeps the two equal.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

from ..errors import DeepDreamError
from . import sources
from .registry import DEFAULT_MODEL, LayerInfo, suggest

CATALOG = Path(__file__).with_name("catalog.json")


def build() -> dict[str, Any]:
    """The catalog, computed from the live registry (imports torch; builds each network with random weights)."""
    from .registry import list_models, model_spec

    catalog = {}
    for name in list_models():
        spec = model_spec(name)
        net = spec.build()
        catalog[name] = {
            "description": spec.description,
            "input": spec.input,
            "weights": sources.to_data(spec.weights),
            "presets": {preset_name: {"description": preset.description, "layers": dict(preset.layers),
                                      "settings": dataclasses.asdict(preset.settings)}
                        for preset_name, preset in spec.presets.items()},
            "layers": [[info.name, list(info.aliases), info.channels, info.stride] for info in net.layer_table()],
        }
    return catalog


@functools.cache
def load() -> dict[str, Any]:
    return json.loads(CATALOG.read_text())


def entry(name: str) -> dict[str, Any]:
    """One model's catalog entry; a one-line error with suggestions for an unknown name."""
    models = load()
    if name not in models:
        raise DeepDreamError(f"unknown model {name!r}; {suggest(name, list(models))}")
    return models[name]


def list_layers(model: str = DEFAULT_MODEL) -> list[LayerInfo]:
    """The layers of ``model`` that can be dreamed on, shallowest first: name, aliases, channels, stride.

    Read from the catalog, so it answers at once, without torch (``deepdreamer layers`` prints the same).
    """
    return [LayerInfo(name, tuple(aliases), channels, stride) for name, aliases, channels, stride in
            entry(model)["layers"]]


def layer_info(model: str, name: str) -> LayerInfo:
    """One layer of ``model``, by its name or an alias; a one-line error with suggestions otherwise."""
    rows = list_layers(model)
    for info in rows:
        if name in (info.name, *info.aliases):
            return info
    raise DeepDreamError(f"unknown layer {name!r} for {model}; "
                         f"{suggest(name, [known for info in rows for known in (info.name, *info.aliases)])}")


def weights_source(name: str) -> sources.WeightsSource:
    """Where the model's weights come from, rebuilt from the catalog (to ask ``locate()`` without torch)."""
    return sources.from_data(entry(name)["weights"])


if __name__ == "__main__":
    CATALOG.write_text(json.dumps(build(), indent=1) + "\n")
