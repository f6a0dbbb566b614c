"""A folder of numbered frames that an animation commits as it goes: the resume point of zooms and videos.

Each frame is written atomically as ``000000.png``, ``000001.png`` ..., so after a kill the folder holds
whole frames only; :meth:`FrameFolder.done` counts the consecutive frames from the first, where a rerun
picks up. The settings of the run are kept beside them (:meth:`FrameFolder.settle`), so a rerun with other
settings cannot continue someone else's animation.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from PIL import Image

from ..errors import DeepDreamError
from ..files import atomic_output
from ..images import read_image, write_image

SETTINGS_FILE = "settings.json"


class FrameFolder:
    def __init__(self, path: Path) -> None:
        self.path = path

    def frame_path(self, index: int) -> Path:
        return self.path / f"{index:06d}.png"

    def done(self) -> int:
        """How many frames, from the first, are already here."""
        count = 0
        while self.frame_path(count).exists():
            count += 1
        return count

    def write(self, index: int, image: Image.Image, record: Mapping[str, Any] | None = None) -> None:
        write_image(self.frame_path(index), image, params=None if record is None else dict(record))

    def read(self, index: int) -> Image.Image:
        return read_image(self.frame_path(index)).image

    def frames(self, count: int) -> Iterator[Image.Image]:
        for index in range(count):
            yield self.read(index)

    def settle(self, settings: Mapping[str, Any]) -> None:
        """Start a run with ``settings``, or continue the one here if it had the same; refuse another's."""
        path = self.path / SETTINGS_FILE
        wanted = json.loads(json.dumps(settings, sort_keys=True))
        if path.exists():
            try:
                kept = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                kept = None
            if kept != wanted:
                changed = sorted(k for k in set(kept or {}) | set(wanted) if (kept or {}).get(k) != wanted.get(k))
                raise DeepDreamError(f"{self.path} holds the frames of a run with other settings "
                                     f"({', '.join(changed) or 'unreadable'}); remove it to start over")
            return
        self.path.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as temporary:
            temporary.write_text(json.dumps(wanted, sort_keys=True))

    def kept_settings(self) -> dict[str, Any] | None:
        path = self.path / SETTINGS_FILE
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
