"""GoogLeNet (Inception-v1), the network of Google's original DeepDream, with torchvision state-dict keys.

Layers: ``conv1`` .. ``inception5b`` and each inception block's branches (``inception4c.branch2``).
The Caffe names of Google's notebook resolve too: ``inception_4c/output``, ``inception_4c/3x3``, ...
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..settings import DreamSettings
from .base import DreamNet
from .inception_v3 import TORCHVISION_WEIGHTS, BasicConv2d, basic_conv_pairs
from .registry import ModelSpec, Preset, register_model
from .sources import PublishedWeights

#: Inception blocks: (name, in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection), as in torchvision.
BLOCKS = [
    ("inception3a", 192, 64, 96, 128, 16, 32, 32),
    ("inception3b", 256, 128, 128, 192, 32, 96, 64),
    ("inception4a", 480, 192, 96, 208, 16, 48, 64),
    ("inception4b", 512, 160, 112, 224, 24, 64, 64),
    ("inception4c", 512, 128, 128, 256, 24, 64, 64),
    ("inception4d", 512, 112, 144, 288, 32, 64, 64),
    ("inception4e", 528, 256, 160, 320, 32, 128, 128),
    ("inception5a", 832, 256, 160, 320, 32, 128, 128),
    ("inception5b", 832, 384, 192, 384, 48, 128, 128),
]
#: Pooling after these blocks (or stem layers), as in torchvision: name, kernel.
POOLS_AFTER = {"conv1": ("maxpool1", 3), "conv3": ("maxpool2", 3), "inception3b": ("maxpool3", 3),
               "inception4e": ("maxpool4", 2)}
#: torchvision's branch modules and the Caffe layer names of Google's GoogLeNet.
CAFFE_BRANCH_NAMES = {"branch1": "1x1", "branch2": "3x3", "branch3": "5x5", "branch4": "pool_proj"}


class Inception(nn.Module):
    def __init__(self, c_in: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                 pool_proj: int) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(c_in, ch1x1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(c_in, ch3x3red, 1), BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
        # torchvision's "5x5" branch is a 3x3 convolution (kept so its checkpoint loads)
        self.branch3 = nn.Sequential(BasicConv2d(c_in, ch5x5red, 1), BasicConv2d(ch5x5red, ch5x5, 3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                     BasicConv2d(c_in, pool_proj, 1))

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: unused for dreaming, present so torchvision checkpoints load strictly."""

    def __init__(self, c_in: int, num_classes: int) -> None:
        super().__init__()
        self.conv = BasicConv2d(c_in, 128, 1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)


class GoogLeNet(DreamNet):
    """GoogLeNet as in torchvision; its ImageNet weights expect RGB scaled to [-1, 1] (``transform_input``)."""

    pixel_mean = 127.5
    pixel_std = 127.5
    min_input_side = 15

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, 7, stride=2, padding=3)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        for name, *channels in BLOCKS:
            setattr(self, name, Inception(*channels))
        self.aux1 = InceptionAux(512, num_classes)
        self.aux2 = InceptionAux(528, num_classes)
        self.fc = nn.Linear(1024, num_classes)
        stages: list[tuple[str, nn.Module]] = []
        for name in ["conv1", "conv2", "conv3", *(block[0] for block in BLOCKS)]:
            stages.append((name, getattr(self, name)))
            if name in POOLS_AFTER:
                pool_name, kernel = POOLS_AFTER[name]
                stages.append((pool_name, nn.MaxPool2d(kernel, stride=2, ceil_mode=True)))
        taps = {f"{block}.{branch}": (block, getattr(getattr(self, block), branch))
                for block, *_ in BLOCKS for branch in CAFFE_BRANCH_NAMES}
        aliases = {f"{_caffe(block)}/output": block for block, *_ in BLOCKS}
        aliases.update({f"{_caffe(block)}/{caffe}": f"{block}.{branch}"
                        for block, *_ in BLOCKS for branch, caffe in CAFFE_BRANCH_NAMES.items()})
        self._set_stages(stages, aliases=aliases, taps=taps)

    def conv_bn_pairs(self) -> Iterator[tuple[nn.Module, str, str]]:
        return basic_conv_pairs(self)

    top_layer = "inception5b"

    def logits_from(self, top: Tensor) -> Tensor:
        return self.fc(F.adaptive_avg_pool2d(top, 1).flatten(1))


def _caffe(block: str) -> str:
    """``inception4c`` -> ``inception_4c`` (the Caffe model's spelling)."""
    return f"inception_{block.removeprefix('inception')}"


#: Google's notebook: step 1.5 on 0..255 pixels (= 1.5/127.5 here), 10 steps, 4 octaves x 1.4, jitter 32.
GOOGLE_NOTEBOOK = DreamSettings(step=1.5 / 127.5, num_octaves=4, octave_scale=1.4, iterations=10, max_loss=None,
                                jitter=32)

register_model(ModelSpec(
    name="googlenet",
    description="GoogLeNet / Inception-v1 (ImageNet), Google's original DeepDream network; torchvision weights",
    build=GoogLeNet,
    weights=PublishedWeights("googlenet-1378be20.pth", TORCHVISION_WEIGHTS + "googlenet-1378be20.pth", "1378be20"),
    presets={
        "default": Preset({"inception4c": 1.0}, GOOGLE_NOTEBOOK, "Google's notebook: inception_4c/output"),
        "deep": Preset({"inception4d": 1.0, "inception4e": 0.5}, GOOGLE_NOTEBOOK, "more objects: inception_4d/4e"),
        "patterns": Preset({"inception3b": 1.0}, GOOGLE_NOTEBOOK, "textures and swirls: inception_3b"),
    },
))
