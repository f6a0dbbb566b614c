"""InceptionV3, the seed's network, with torchvision ``Inception3`` state-dict keys.

Layers resolve under torchvision's names (``Mixed_5b`` .. ``Mixed_7c``, ``Conv2d_1a_3x3`` ...) and under the
Keras names the seed uses (``mixed0`` .. ``mixed10``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..settings import DreamSettings
from .base import DreamNet
from .keras_weights import load_keras_inception_v3
from .registry import ModelSpec, Preset, register_model
from .sources import PublishedWeights

#: Keras ``mixedN`` -> torchvision block, in order (the seed's layer names).
KERAS_MIXED_NAMES = {
    f"mixed{i}": name
    for i, name in enumerate(
        ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
         "Mixed_7a", "Mixed_7b", "Mixed_7c"]
    )
}


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm (eps 1e-3, as Keras), ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int | tuple[int, int], stride: int = 1,
                 padding: int | tuple[int, int] = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


def basic_conv_pairs(model: nn.Module) -> Iterator[tuple[nn.Module, str, str]]:
    """Each ``BasicConv2d``'s convolution and batch norm (for :meth:`DreamNet.fold_batch_norms`)."""
    return ((m, "conv", "bn") for m in model.modules() if isinstance(m, BasicConv2d))


class PoolingBlock(nn.Module):
    """A block with a 3x3 average-pooling branch.

    torchvision counts the zero padding in the border averages; Keras (TF "SAME" pooling) does not.
    Weights trained one way are used that way: see :meth:`InceptionV3.use_keras_pooling`.
    """

    count_include_pad = True

    def _avg_pool_3x3(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=self.count_include_pad)


class InceptionA(PoolingBlock):
    def __init__(self, c_in: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(c_in, 64, 1)
        self.branch5x5_1 = BasicConv2d(c_in, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(c_in, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(c_in, pool_features, 1)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(self._avg_pool_3x3(x)),
        ], 1)


class InceptionB(nn.Module):
    def __init__(self, c_in: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(c_in, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(c_in, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            F.max_pool2d(x, kernel_size=3, stride=2),
        ], 1)


class InceptionC(PoolingBlock):
    def __init__(self, c_in: int, channels_7x7: int) -> None:
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(c_in, 192, 1)
        self.branch7x7_1 = BasicConv2d(c_in, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(c_in, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(c_in, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d7 = self.branch7x7dbl_1(x)
        for conv in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            d7 = conv(d7)
        return torch.cat([self.branch1x1(x), b7, d7, self.branch_pool(self._avg_pool_3x3(x))], 1)


class InceptionD(nn.Module):
    def __init__(self, c_in: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(c_in, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(c_in, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b7 = x
        for conv in (self.branch7x7x3_1, self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b7 = conv(b7)
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(PoolingBlock):
    def __init__(self, c_in: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(c_in, 320, 1)
        self.branch3x3_1 = BasicConv2d(c_in, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(c_in, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(c_in, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_1(x)
        d3 = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        return torch.cat([
            self.branch1x1(x),
            self.branch3x3_2a(b3), self.branch3x3_2b(b3),
            self.branch3x3dbl_3a(d3), self.branch3x3dbl_3b(d3),
            self.branch_pool(self._avg_pool_3x3(x)),
        ], 1)


class InceptionAux(nn.Module):
    """The auxiliary classifier: unused for dreaming, present so torchvision checkpoints load strictly."""

    def __init__(self, c_in: int, num_classes: int) -> None:
        super().__init__()
        self.conv0 = BasicConv2d(c_in, 128, 1)
        self.conv1 = BasicConv2d(128, 768, 5)
        self.fc = nn.Linear(768, num_classes)


class InceptionV3(DreamNet):
    """Inception-v3 (Szegedy et al. 2015) as in torchvision and Keras; input RGB scaled to [-1, 1]."""

    pixel_mean = 127.5
    pixel_std = 127.5
    min_input_side = 75

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.AuxLogits = InceptionAux(768, num_classes)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)
        self.fc = nn.Linear(2048, num_classes)
        self._set_stages(
            [
                ("Conv2d_1a_3x3", self.Conv2d_1a_3x3),
                ("Conv2d_2a_3x3", self.Conv2d_2a_3x3),
                ("Conv2d_2b_3x3", self.Conv2d_2b_3x3),
                ("maxpool1", _max_pool_3x3_stride_2),
                ("Conv2d_3b_1x1", self.Conv2d_3b_1x1),
                ("Conv2d_4a_3x3", self.Conv2d_4a_3x3),
                ("maxpool2", _max_pool_3x3_stride_2),
                *((name, getattr(self, name)) for name in KERAS_MIXED_NAMES.values()),
            ],
            aliases=KERAS_MIXED_NAMES,
        )

    def conv_bn_pairs(self) -> Iterator[tuple[nn.Module, str, str]]:
        return basic_conv_pairs(self)

    def load_keras_weights(self, path: Path) -> None:
        load_keras_inception_v3(self, path)
        self.has_classifier = False  # the seed's file is "notop": fc keeps random values

    def use_keras_pooling(self) -> None:
        """Average borders over real pixels only, as Keras does (for weights converted from Keras)."""
        for block in self.modules():
            if isinstance(block, PoolingBlock):
                block.count_include_pad = False

    top_layer = "Mixed_7c"

    def logits_from(self, top: Tensor) -> Tensor:
        return self.fc(top.mean(dim=(2, 3)))


def _max_pool_3x3_stride_2(x: Tensor) -> Tensor:
    return F.max_pool2d(x, kernel_size=3, stride=2)


#: The seed's ``layer_contributions`` (Keras names of InceptionV3's mixed blocks).
SEED_LAYER_MIX = {"mixed2": 0.2, "mixed3": 3.0, "mixed4": 2.0, "mixed5": 1.5}
#: Where torchvision publishes its ImageNet checkpoints.
TORCHVISION_WEIGHTS = "https://download.pytorch.org/models/"

register_model(ModelSpec(
    name="inception_v3",
    description="Inception-v3 (ImageNet), the seed's network; torchvision weights, or Keras .h5 via --weights",
    build=InceptionV3,
    weights=PublishedWeights("inception_v3_google-0cc3c7bd.pth",
                             TORCHVISION_WEIGHTS + "inception_v3_google-0cc3c7bd.pth", "0cc3c7bd"),
    presets={"default": Preset(SEED_LAYER_MIX, DreamSettings(), "the seed's settings, exactly",
                                  precision="fp32")},
))
