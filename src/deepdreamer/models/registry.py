"""The model registry: every model by name, with its weights source and its presets."""

from __future__ import annotations

import difflib
import fnmatch
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

from ..engine import DreamSettings
from ..errors import DeepDreamError
from .base import DreamNet, frozen
from .weights import WeightsSource, file_sha256, is_hdf5, load_state_dict


@dataclass(frozen=True)
class Preset:
    """A look: the layer mix and the ascent settings chosen for it by looking at results."""

    layers: Mapping[str, float]
    settings: DreamSettings
    description: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    build: Callable[[], DreamNet]
    weights: WeightsSource
    presets: Mapping[str, Preset]  # the first one is the model's default

    @property
    def default_preset(self) -> str:
        return next(iter(self.presets))

    def preset(self, name: str | None) -> Preset:
        name = name or self.default_preset
        if name not in self.presets:
            raise DeepDreamError(f"unknown preset {name!r} for {self.name}; choose from {', '.join(self.presets)}")
        return self.presets[name]


_REGISTRY: dict[str, ModelSpec] = {}


def register_model(spec: ModelSpec) -> ModelSpec:
    _REGISTRY[spec.name] = spec
    return spec


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching a glob pattern, e.g. ``"efficientnet*"``."""
    return [name for name in _REGISTRY if fnmatch.fnmatch(name, pattern)]


def model_spec(name: str) -> ModelSpec:
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.4)
        hint = f"did you mean {', '.join(close)}?" if close else f"choose from {', '.join(_REGISTRY)}"
        raise DeepDreamError(f"unknown model {name!r}; {hint}")
    return _REGISTRY[name]


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple's MPS, then the CPU."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if device.split(":")[0] not in available:
        raise DeepDreamError(f"unknown device {device!r}; choose from auto, cpu, cuda, mps")
    if not available[device.split(":")[0]]:
        raise DeepDreamError(f"device {device!r} is not available on this machine (try --device cpu)")
    return torch.device(device)


def load_model(
    name: str, weights: str | Path | None = None, device: str = "cpu", *, pretrained: bool = True
) -> DreamNet:
    """A frozen, inference-mode model with its weights, on ``device``.

    ``weights`` is a checkpoint path; without it the model's standard weights are used. ``pretrained=False``
    keeps random weights (for tests of the architecture). Models are cached per argument set.
    """
    return _load_model(name, None if weights is None else str(Path(weights).resolve()), str(resolve_device(device)),
                       pretrained)


@functools.lru_cache(maxsize=4)
def _load_model(name: str, weights: str | None, device: str, pretrained: bool) -> DreamNet:
    spec = model_spec(name)
    model = spec.build()
    if pretrained:
        path = Path(weights) if weights is not None else spec.weights.obtain()
        if not path.is_file():
            raise DeepDreamError(f"weights file {path} does not exist")
        if is_hdf5(path):
            model.load_keras_weights(path)
        else:
            load_state_dict(model, path, name)
        model.weights_sha256 = file_sha256(path)
    model.fold_batch_norms()
    frozen(model)
    return model.to(device=torch.device(device), memory_format=torch.channels_last)
