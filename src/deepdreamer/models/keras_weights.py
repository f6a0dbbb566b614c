"""Keras HDF5 weights for InceptionV3 (the seed's ``inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5``).

The file is in the legacy Keras-2 layout: a top-level ``layer_names`` attribute and, per layer group, a
``weight_names`` attribute. Its layer names come from an older Keras than today's, so layers are matched
the way Keras itself matches them: by the order of the layers that have weights. Keras lists a functional
model's layers by their distance from the output, farthest first, so inside each inception block the
branches interleave (``KERAS_BRANCH_ORDER``); convolutions and batch norms follow the same order.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import DeepDreamError

if TYPE_CHECKING:
    from torch import nn

    from .inception_v3 import InceptionV3

#: The order in which Keras lists each block's convolutions (read off keras.applications.InceptionV3().layers).
KERAS_BRANCH_ORDER: dict[str, tuple[str, ...]] = {
    "InceptionA": ("branch3x3dbl_1", "branch5x5_1", "branch3x3dbl_2", "branch1x1", "branch5x5_2",
                   "branch3x3dbl_3", "branch_pool"),
    "InceptionB": ("branch3x3dbl_1", "branch3x3dbl_2", "branch3x3", "branch3x3dbl_3"),
    "InceptionC": ("branch7x7dbl_1", "branch7x7dbl_2", "branch7x7_1", "branch7x7dbl_3", "branch7x7_2",
                   "branch7x7dbl_4", "branch1x1", "branch7x7_3", "branch7x7dbl_5", "branch_pool"),
    "InceptionD": ("branch7x7x3_1", "branch7x7x3_2", "branch3x3_1", "branch7x7x3_3", "branch3x3_2",
                   "branch7x7x3_4"),
    "InceptionE": ("branch3x3dbl_1", "branch3x3_1", "branch3x3dbl_2", "branch3x3_2a", "branch3x3_2b",
                   "branch3x3dbl_3a", "branch3x3dbl_3b", "branch1x1", "branch_pool"),
}


def keras_order(model: InceptionV3) -> list[nn.Module]:
    """Our ``BasicConv2d`` layers (convolution + batch norm) in the order Keras lists the corresponding layers.

    Blocks are told apart by class name: this module is imported by the one that defines them.
    """
    convs = []
    for child in model.children():
        kind = type(child).__name__
        if kind == "BasicConv2d":
            convs.append(child)
        elif kind in KERAS_BRANCH_ORDER:
            convs.extend(getattr(child, branch) for branch in KERAS_BRANCH_ORDER[kind])
    return convs


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def read_weighted_layers(path: Path) -> list[tuple[str, dict[str, np.ndarray]]]:
    """``(layer name, {"kernel": array, "beta": array, ...})`` for each layer with weights, in file order."""
    try:
        import h5py
    except ImportError:
        raise DeepDreamError("reading Keras .h5 weights needs h5py: pip install h5py") from None
    try:
        with h5py.File(path, "r") as f:
            root = f.get("model_weights", f)
            layers = []
            for name in map(_text, root.attrs["layer_names"]):
                group = root[name]
                weights = {}
                for weight_name in map(_text, group.attrs["weight_names"]):
                    short = weight_name.rsplit("/", 1)[-1].split(":")[0]  # "conv2d_1/kernel:0" -> "kernel"
                    weights[short] = np.asarray(group[weight_name])
                if weights:
                    layers.append((name, weights))
    except (OSError, KeyError) as exc:
        raise DeepDreamError(f"{path} is not a Keras weights file ({str(exc).splitlines()[0]})") from None
    return layers


def load_keras_inception_v3(model: InceptionV3, path: Path) -> None:
    """Fill ``model`` from a Keras InceptionV3 HDF5 file, converting HWIO kernels and BN moving statistics."""
    layers = read_weighted_layers(path)
    convs = keras_order(model)
    kernels = [layer for layer in layers if "kernel" in layer[1]]
    norms = [layer for layer in layers if "kernel" not in layer[1]]
    if len(kernels) != len(convs) or len(norms) != len(convs):
        raise DeepDreamError(f"{path} does not match inception_v3: {len(kernels)} convolutions and {len(norms)} "
                             f"other weighted layers instead of {len(convs)} each")
    with torch.no_grad():
        for conv, (conv_name, conv_weights), (bn_name, bn_weights) in zip(convs, kernels, norms, strict=True):
            kernel = conv_weights.get("kernel")
            expected = tuple(conv.conv.weight.shape)
            if kernel is None or kernel.ndim != 4 or kernel.transpose(3, 2, 0, 1).shape != expected:
                shape = None if kernel is None else kernel.shape
                raise DeepDreamError(f"{path} does not match inception_v3: layer {conv_name} has kernel {shape}, "
                                     f"expected HWIO for {expected}")
            missing = {"beta", "moving_mean", "moving_variance"} - set(bn_weights)
            if missing or bn_weights["beta"].shape != (expected[0],):
                raise DeepDreamError(f"{path} does not match inception_v3: layer {bn_name} is not the batch norm "
                                     f"of {expected[0]} channels expected there")
            conv.conv.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
            bn = conv.bn
            bn.weight.copy_(torch.from_numpy(bn_weights["gamma"]) if "gamma" in bn_weights else torch.ones(expected[0]))
            bn.bias.copy_(torch.from_numpy(bn_weights["beta"]))
            bn.running_mean.copy_(torch.from_numpy(bn_weights["moving_mean"]))
            bn.running_var.copy_(torch.from_numpy(bn_weights["moving_variance"]))
    model.use_keras_pooling()
