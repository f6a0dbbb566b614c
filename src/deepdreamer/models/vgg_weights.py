"""VGG16 weights in Keras's layout, read into the torchvision-keyed :class:`~.vgg.VGG16`.

Two files hold them: Keras's own HDF5 (``vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5``: one group per
layer, ``block1_conv1`` .. ``block5_conv3``, then ``fc1``, ``fc2``, ``predictions``; HWIO kernels) and an ONNX export
of Keras VGG16 (tf2onnx: ``functional_1/blockX_convY_1/convolution/ReadVariableOp:0``, already OIHW, and its bias
``.../Squeeze:0``), read with the ``onnx`` package. Both are the Oxford release, trained on Caffe's input: BGR,
0..255, the channel means subtracted, no scaling. The first convolution is rewritten for torchvision's input
(RGB, ``(x - mean) / std``), so that one input convention (and one step size) serves every VGG16 file: the
channels are reversed, the kernel scaled by the std and the difference of the means folded into the bias (exact
except at the image's border, where the zero padding stands for a slightly different grey).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import DeepDreamError
from ..files import first_line

if TYPE_CHECKING:
    from .vgg import VGG16

#: Caffe's channel means, in RGB order (the Oxford VGG16 was trained on BGR input minus these).
CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)
#: Keras's names of the fully connected layers, in order (absent from "notop" files and from the ONNX export).
KERAS_DENSE = ("fc1", "fc2", "predictions")
ONNX_KERNEL = "functional_1/{}_1/convolution/ReadVariableOp:0"
ONNX_BIAS = "functional_1/{}_1/Squeeze:0"
#: The side of the last pooling's output that Keras's ``fc1`` reads (224 px input).
TOP_SIDE = 7

Convolution = tuple[np.ndarray, np.ndarray]  # OIHW kernel (Caffe's BGR input for the first), bias


def keras_layer_names() -> list[str]:
    """``block1_conv1`` .. ``block5_conv3``: Keras's names of VGG16's 13 convolutions, in order."""
    from .vgg import VGG16_BLOCKS

    return [f"block{block}_conv{i}" for block, (count, _) in enumerate(VGG16_BLOCKS, start=1)
            for i in range(1, count + 1)]


def to_torchvision_input(kernel: np.ndarray, bias: np.ndarray) -> Convolution:
    """The first convolution, from Caffe's input (BGR, minus the means) to torchvision's (RGB, normalised)."""
    from .vgg import IMAGENET_MEAN, IMAGENET_STD

    rgb = kernel[:, ::-1].astype(np.float64)
    std = np.asarray(IMAGENET_STD).reshape(1, 3, 1, 1)
    shift = (np.asarray(IMAGENET_MEAN) - np.asarray(CAFFE_MEAN_RGB)).reshape(1, 3, 1, 1)
    return (rgb * std).astype(np.float32), (bias + (rgb * shift).sum(axis=(1, 2, 3))).astype(np.float32)


def read_keras_vgg16(path: Path) -> tuple[list[Convolution], list[tuple[np.ndarray, np.ndarray]]]:
    """The convolutions (OIHW) and, if the file has them, the dense layers ((out, in) weights) of a Keras file."""
    from .keras_weights import read_weighted_layers

    layers = dict(read_weighted_layers(path))
    names = keras_layer_names()
    missing = [name for name in names if name not in layers or "kernel" not in layers[name]]
    if missing:
        raise DeepDreamError(f"{path} does not match vgg16: no Keras layer {missing[0]} (expected {names[0]} .. "
                             f"{names[-1]}, as keras.applications.VGG16 names them)")
    convs = [(layers[name]["kernel"].transpose(3, 2, 0, 1), layers[name]["bias"]) for name in names]
    if not all(name in layers for name in KERAS_DENSE):
        return convs, []
    fc1, fc2, predictions = (layers[name] for name in KERAS_DENSE)
    kernel = fc1["kernel"]  # rows in Keras's flatten order (height, width, channel); torch's is (channel, h, w)
    channels = kernel.shape[0] // TOP_SIDE**2
    fc1_weight = kernel.reshape(TOP_SIDE, TOP_SIDE, channels, -1).transpose(3, 2, 0, 1).reshape(kernel.shape[1], -1)
    return convs, [(fc1_weight, fc1["bias"]), (fc2["kernel"].T, fc2["bias"]), (predictions["kernel"].T,
                                                                             predictions["bias"])]


def read_onnx_vgg16(path: Path) -> list[Convolution]:
    """VGG16's 13 convolutions from an ONNX export of Keras VGG16 (whatever head the export has)."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise DeepDreamError("reading ONNX weights needs the onnx package: pip install onnx") from None
    try:
        graph = onnx.load(str(path)).graph
    except Exception as exc:  # onnx raises protobuf's DecodeError and others for a file that is not ONNX
        raise DeepDreamError(f"{path} is not an ONNX file ({first_line(exc)})") from None
    tensors = {tensor.name: tensor for tensor in graph.initializer}
    convs = []
    for name in keras_layer_names():
        kernel, bias = tensors.get(ONNX_KERNEL.format(name)), tensors.get(ONNX_BIAS.format(name))
        if kernel is None or bias is None:
            raise DeepDreamError(f"{path} does not match vgg16: no tensor {ONNX_KERNEL.format(name)} "
                                 "(an ONNX export of keras.applications.VGG16 is expected)")
        convs.append((numpy_helper.to_array(kernel), numpy_helper.to_array(bias)))
    return convs


def fill_vgg16(model: VGG16, path: Path, convs: list[Convolution],
               dense: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Copy Caffe-convention convolutions (and dense layers, if any) into ``model``, checking every shape."""
    targets = [module for module in model.features if isinstance(module, torch.nn.Conv2d)]
    linears = [module for module in model.classifier if isinstance(module, torch.nn.Linear)]
    pairs = list(zip([*zip(keras_layer_names(), targets, strict=True),
                      *zip(KERAS_DENSE[: len(dense)], linears[: len(dense)], strict=True)], [*convs, *dense],
                     strict=True))
    for (name, module), (weight, bias) in pairs:
        if tuple(weight.shape) != tuple(module.weight.shape) or tuple(bias.shape) != tuple(module.bias.shape):
            raise DeepDreamError(f"{path} does not match vgg16: layer {name} is {tuple(weight.shape)}, "
                                 f"expected {tuple(module.weight.shape)}")
    pairs[0] = (pairs[0][0], to_torchvision_input(*pairs[0][1]))
    with torch.no_grad():
        for (_, module), (weight, bias) in pairs:
            module.weight.copy_(torch.tensor(weight))
            module.bias.copy_(torch.tensor(bias))
