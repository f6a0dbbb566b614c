"""The model registry: every model by name, with its weights source and its presets. Importable without torch.

Each architecture module registers its models and presets with :func:`register_model` when it is imported
(as timm does); the first lookup imports them all (which imports torch). Front ends that must answer at once
(``deepdreamer models``, ``layers``, ``--help``) read the same facts from ``catalog.json`` instead
(:mod:`deepdreamer.models.catalog`).
"""

from __future__ import annotations

import difflib
import fnmatch
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import DeepDreamError
from ..settings import DreamSettings
from .sources import WeightsSource

if TYPE_CHECKING:
    from torch import nn

DEFAULT_MODEL = "efficientnet_lite0"
#: What a model dreams: pictures (and spectrograms), or sound waves.
IMAGE, WAVEFORM = "image", "waveform"
#: The modules that register models, imported on the first lookup.
ARCHITECTURES = ("efficientnet_lite", "inception_v3", "googlenet", "vgg", "resnet", "crepe")


@dataclass(frozen=True)
class LayerInfo:
    """One dreamable layer: its name, other names that resolve to it, channels, and stride w.r.t. the input
    (how many input pixels one activation step spans: deeper layers see larger shapes)."""

    name: str
    aliases: tuple[str, ...]
    channels: int
    stride: int


@dataclass(frozen=True)
class Preset:
    """A look: the layer mix and the ascent settings chosen for it by looking at results."""

    layers: Mapping[str, float]
    settings: DreamSettings
    description: str
    precision: str = "auto"  # what --precision auto runs: "fp32" for a preset that stands for the seed


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: how to build it, where its weights come from, and its presets (the first is the
    default). ``input`` says what it dreams: pictures (:data:`IMAGE`) or sound waves (:data:`WAVEFORM`)."""

    name: str
    description: str
    build: Callable[[], nn.Module]
    weights: WeightsSource
    presets: Mapping[str, Preset]  # the first one is the model's default
    input: str = IMAGE

    @property
    def default_preset(self) -> str:
        return next(iter(self.presets))

    def preset(self, name: str | None) -> Preset:
        """The preset called ``name`` (None: the default); a one-line error naming the choices otherwise."""
        name = name or self.default_preset
        if name not in self.presets:
            raise DeepDreamError(f"unknown preset {name!r} for {self.name}; choose from {', '.join(self.presets)}")
        return self.presets[name]


_REGISTRY: dict[str, ModelSpec] = {}


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry (architecture modules call this when imported); returns ``spec``."""
    _REGISTRY[spec.name] = spec
    return spec


def _registry() -> dict[str, ModelSpec]:
    for module in ARCHITECTURES:
        importlib.import_module(f"{__package__}.{module}")
    return _REGISTRY


def list_models(pattern: str = "*", input: str | None = None) -> list[str]:
    """Registered model names matching a glob pattern (``"efficientnet*"``), optionally of one input kind."""
    return [name for name, spec in _registry().items()
            if fnmatch.fnmatch(name, pattern) and input in (None, spec.input)]


def model_spec(name: str, input: str | None = None) -> ModelSpec:
    """The model called ``name`` (of the ``input`` kind, if given); a one-line error with suggestions otherwise.

    Its presets say what a dream with that model does by default (``model_spec("efficientnet_lite0").presets``);
    looking a model up imports the architectures, and torch with them (:func:`deepdreamer.list_layers` and
    ``deepdreamer models`` answer from the catalog instead).
    """
    known = list_models(input=input)
    if name not in known:
        raise DeepDreamError(f"unknown model {name!r}; {suggest(name, known)}")
    return _REGISTRY[name]


def suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.4)
    return f"did you mean {', '.join(close)}?" if close else f"choose from {', '.join(known)}"
