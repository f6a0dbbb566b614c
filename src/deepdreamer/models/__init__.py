"""Models: a registry of dreamable networks, each with named layers, a weights source and presets.

Each architecture module registers its models (:func:`register_model`). The registry and presets import
without torch; the networks themselves (``DreamNet``, ``load_model``) are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .catalog import list_layers
from .registry import (
    DEFAULT_MODEL,
    IMAGE,
    WAVEFORM,
    LayerInfo,
    ModelSpec,
    Preset,
    list_models,
    model_spec,
    register_model,
)

if TYPE_CHECKING:
    from .base import LOGITS, DreamNet
    from .inception_v3 import SEED_LAYER_MIX
    from .loader import load_model, resolve_device

#: Names exported from modules that import torch, and those modules.
_LAZY = {"LOGITS": ".base", "DreamNet": ".base", "SEED_LAYER_MIX": ".inception_v3",
         "load_model": ".loader", "resolve_device": ".loader"}

__all__ = [
    "DEFAULT_MODEL", "IMAGE", "LOGITS", "SEED_LAYER_MIX", "WAVEFORM", "DreamNet", "LayerInfo", "ModelSpec", "Preset",
    "list_layers", "list_models", "load_model", "model_spec", "register_model", "resolve_device",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
