"""ResNet-50 with torchvision state-dict keys (``conv1``, ``layer3.2.conv2``, ...).

Layers: ``conv1`` (after batch norm and ReLU), ``maxpool``, then every bottleneck block (``layer3.2``);
``layer1`` .. ``layer4`` resolve to the last block of each stage.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch.nn.functional as F
from torch import Tensor, nn

from .base import DreamNet
from .inception_v3 import TORCHVISION_WEIGHTS
from .registry import ModelSpec, Preset, register_model
from .sources import PublishedWeights
from .vgg import IMAGENET_MEAN, IMAGENET_NORMALISED, IMAGENET_STD

#: (blocks, width, stride of the first block) per stage; a block's output has 4x its width.
RESNET50_STAGES = ((3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2))


class Bottleneck(nn.Module):
    """torchvision's v1.5 bottleneck: 1x1 -> 3x3 (strided) -> 1x1, plus a projection when shapes change."""

    def __init__(self, c_in: int, width: int, stride: int) -> None:
        super().__init__()
        c_out = width * 4
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.downsample = (
            nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
            if stride != 1 or c_in != c_out else None
        )

    def forward(self, x: Tensor) -> Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet50(DreamNet):
    pixel_mean = IMAGENET_MEAN
    pixel_std = IMAGENET_STD

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        stages: list[tuple[str, nn.Module]] = [("conv1", self._stem), ("maxpool", nn.MaxPool2d(3, 2, 1))]
        aliases = {"relu": "conv1"}
        c_in = 64
        for index, (blocks, width, stride) in enumerate(RESNET50_STAGES, start=1):
            layer = nn.Sequential()
            for b in range(blocks):
                layer.append(Bottleneck(c_in, width, stride if b == 0 else 1))
                c_in = width * 4
                stages.append((f"layer{index}.{b}", layer[b]))
            setattr(self, f"layer{index}", layer)
            aliases[f"layer{index}"] = f"layer{index}.{blocks - 1}"
        self.fc = nn.Linear(c_in, num_classes)
        self._set_stages(stages, aliases=aliases)

    def conv_bn_pairs(self) -> Iterator[tuple[nn.Module, str, str]]:
        yield self, "conv1", "bn1"
        for block in self.modules():
            if isinstance(block, Bottleneck):
                yield from ((block, f"conv{i}", f"bn{i}") for i in (1, 2, 3))
                if block.downsample is not None:
                    yield block.downsample, "0", "1"

    def _stem(self, x: Tensor) -> Tensor:
        return F.relu(self.bn1(self.conv1(x)))

    top_layer = "layer4"

    def logits_from(self, top: Tensor) -> Tensor:
        return self.fc(top.mean(dim=(2, 3)))


register_model(ModelSpec(
    name="resnet50",
    description="ResNet-50 (ImageNet), torchvision weights",
    build=ResNet50,
    weights=PublishedWeights("resnet50-0676ba61.pth", TORCHVISION_WEIGHTS + "resnet50-0676ba61.pth", "0676ba61"),
    presets={
        "default": Preset({"layer3": 1.0}, IMAGENET_NORMALISED, "layer3 (not yet tuned by eye)"),
        "deep": Preset({"layer4.0": 1.0}, IMAGENET_NORMALISED, "layer4.0 (not yet tuned by eye)"),
    },
))
