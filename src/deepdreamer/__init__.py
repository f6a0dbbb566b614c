"""deepdreamer: DeepDream for photos and sounds, from the command line or Python.

>>> import deepdreamer
>>> result = deepdreamer.dream("photo.jpg", seed=7)            # doctest: +SKIP
>>> result.save("dream.png")                                   # doctest: +SKIP

Names are imported on first use, so ``import deepdreamer`` (and the command line's ``--help``) stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: The version, written only here (``pyproject.toml`` reads it); it rises with each release that changes behaviour.
__version__ = "0.3.0"

if TYPE_CHECKING:
    from .api import DreamResult, dream
    from .errors import DeepDreamError
    from .examples import example_path
    from .exploration import DreamSet, explore, layer_previews
    from .filters import FilterPictures, FilterSettings, visualize_channels
    from .images import read_image, write_image
    from .models import DEFAULT_MODEL, SEED_LAYER_MIX, LayerInfo, list_layers, list_models, load_model, model_spec
    from .models.classes import imagenet_classes
    from .objectives import Objective, channel, channels, layer, layer_mix, logit
    from .progress import Progress
    from .records import params_to_options
    from .settings import DreamSettings
    from .sheets import contact_sheet

_EXPORTS = {
    ".api": ("DreamResult", "dream"),
    ".errors": ("DeepDreamError",),
    ".exploration": ("DreamSet", "explore", "layer_previews"),
    ".filters": ("FilterPictures", "FilterSettings", "visualize_channels"),
    ".examples": ("example_path",),
    ".images": ("read_image", "write_image"),
    ".models": ("DEFAULT_MODEL", "SEED_LAYER_MIX", "LayerInfo", "list_layers", "list_models", "load_model",
                "model_spec"),
    ".models.classes": ("imagenet_classes",),
    ".objectives": ("Objective", "channel", "channels", "layer", "layer_mix", "logit"),
    ".progress": ("Progress",),
    ".records": ("params_to_options",),
    ".settings": ("DreamSettings",),
    ".sheets": ("contact_sheet",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "DEFAULT_MODEL", "SEED_LAYER_MIX", "DeepDreamError", "DreamResult", "DreamSet", "DreamSettings", "FilterPictures",
    "FilterSettings", "LayerInfo", "Objective", "Progress", "__version__", "channel", "channels", "contact_sheet",
    "dream", "example_path", "explore", "imagenet_classes", "layer", "layer_mix", "layer_previews", "list_layers",
    "list_models", "load_model", "logit", "model_spec", "params_to_options", "read_image", "visualize_channels",
    "write_image",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name], __name__), name)
    globals()[name] = value
    return value
