"""The photos bundled with the package (public domain / CC0, from scikit-image's data set)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import DeepDreamError

EXAMPLE_PHOTOS = ("chelsea", "coffee", "astronaut", "rocket")


def example_path(name: str) -> Path:
    """Path of a bundled example photo."""
    if name not in EXAMPLE_PHOTOS:
        raise DeepDreamError(f"unknown example {name!r}; choose from {', '.join(EXAMPLE_PHOTOS)}")
    return Path(str(resources.files("deepdreamer") / "photos" / f"{name}.jpg"))
