"""Loading weight files into a model, with one-line errors instead of tracebacks (sources: ``sources.py``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch import nn

from ..errors import DeepDreamError
from ..files import first_line

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_hdf5(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE


def load_state_dict(model: nn.Module, path: Path, model_name: str) -> None:
    """Load a state dict file into ``model`` strictly; any mismatch is reported in one line."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file; all mean the same to the user
        raise DeepDreamError(f"{path} is not a PyTorch checkpoint ({first_line(exc)})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DeepDreamError(f"{path} does not hold a state dict of tensors")
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys (e.g. {missing[0]})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[0]})")
    if wrong_shape:
        k = wrong_shape[0]
        problems.append(
            f"{len(wrong_shape)} tensors of the wrong shape (e.g. {k}: {tuple(state[k].shape)} "
            f"instead of {tuple(expected[k].shape)})"
        )
    if problems:
        raise DeepDreamError(f"{path} does not match {model_name}: {'; '.join(problems)}")
    model.load_state_dict(state, strict=True)
