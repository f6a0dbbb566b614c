"""Building a registered model with its weights, frozen for dreaming, on a device (cached)."""

from __future__ import annotations

import functools
from pathlib import Path

import torch

from ..errors import DeepDreamError
from .base import DreamNet, frozen
from .registry import model_spec
from .weights import ONNX_SUFFIX, file_sha256, is_hdf5, load_state_dict


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple's MPS, then the CPU."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if device.split(":")[0] not in available:
        raise DeepDreamError(f"unknown device {device!r}; choose from auto, cpu, cuda, mps")
    if not available[device.split(":")[0]]:
        raise DeepDreamError(f"device {device!r} is not available on this machine (try --device cpu)")
    return torch.device(device)


def load_model(
    name: str, weights: str | Path | None = None, device: str = "cpu", *, pretrained: bool = True
) -> DreamNet:
    """A frozen, inference-mode model with its weights, on ``device``.

    ``weights`` is a checkpoint path; without it the model's standard weights are used. ``pretrained=False``
    keeps random weights (for tests of the architecture). Models are cached per argument set.
    """
    return _load_model(name, None if weights is None else str(Path(weights).resolve()), str(resolve_device(device)),
                       pretrained)


@functools.lru_cache(maxsize=4)
def _load_model(name: str, weights: str | None, device: str, pretrained: bool) -> DreamNet:
    spec = model_spec(name)
    model = spec.build()
    if pretrained:
        path = Path(weights) if weights is not None else spec.weights.obtain()
        if not path.is_file():
            raise DeepDreamError(f"weights file {path} does not exist")
        if is_hdf5(path):
            model.load_keras_weights(path)
        elif path.suffix.lower() == ONNX_SUFFIX:
            model.load_onnx_weights(path)
        else:
            load_state_dict(model, path, name)
        model.weights_sha256 = file_sha256(path)
    model.fold_batch_norms()
    frozen(model)
    return model.to(device=torch.device(device), memory_format=torch.channels_last)
