"""Where a long run keeps what it has done: a manifest of its settings, and a folder of numbered frames.

:class:`Manifest` is the one rule for every resumable run (a folder of photos, a zoom's or a video's frames, a
video's chunks on Ray): the first run writes its settings, a value it was not given (the seed) drawn and kept;
a rerun with the same settings continues and takes the kept value; a rerun with other settings is refused in
one line, so two looks never mix in one folder.

:class:`FrameFolder` holds frames written atomically as ``000000.png``, ``000001.png`` ..., so after a kill it
holds whole frames only; :meth:`FrameFolder.done` counts the consecutive frames from the first, where a rerun
picks up. A video dreamed on Ray keeps each chunk's piece in a folder of its own inside (:mod:`.chunks`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DeepDreamError
from ..files import atomic_output

if TYPE_CHECKING:
    from PIL import Image

#: The manifest of a frame folder.
SETTINGS_FILE = "settings.json"


class Manifest:
    """A run's settings in a JSON file (see the module's notes)."""

    def __init__(self, path: Path, what: str = "frames") -> None:
        self.path = path
        self.what = what  # what the folder holds, for the refusal: "frames", "dreams", ...

    def kept(self) -> dict[str, Any] | None:
        """The settings kept by an earlier run; None if there is none. An unreadable file is refused."""
        if not self.path.exists():
            return None
        try:
            kept = json.loads(self.path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise DeepDreamError(f"{self.path}: unreadable settings of an earlier run ({exc}); remove it to start "
                                 "over") from None
        if not isinstance(kept, dict):
            raise DeepDreamError(f"{self.path}: unreadable settings of an earlier run; remove it to start over")
        return kept

    def settle(self, settings: Mapping[str, Any], fill: Mapping[str, Callable[[], Any]] | None = None
               ) -> dict[str, Any]:
        """The run's settings: the earlier run's if they are the same, else a new run's (written now).

        A key of ``fill`` whose value is None takes the earlier run's value, or, in a new run, the one its
        callable gives (``{"seed": drawn}``): the same command run again goes on with what was drawn.
        """
        wanted = json.loads(json.dumps(dict(settings), sort_keys=True))
        kept = self.kept()
        for key, make in (fill or {}).items():
            if wanted.get(key) is None:
                wanted[key] = kept.get(key) if kept is not None else make()
        if kept is not None:
            if kept != wanted:
                changed = sorted(key for key in set(kept) | set(wanted) if kept.get(key) != wanted.get(key))
                raise DeepDreamError(f"{self.path.parent} holds the {self.what} of a run with other settings "
                                     f"({', '.join(changed)}); give another output, or remove it to start over")
            return kept
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(self.path) as temporary:
            temporary.write_text(json.dumps(wanted, sort_keys=True))
        return wanted


class FrameFolder:
    """Numbered frames, committed one by one (see the module's notes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.manifest = Manifest(path / SETTINGS_FILE)

    @staticmethod
    def name(index: int) -> str:
        return f"{index:06d}.png"

    def frame_path(self, index: int) -> Path:
        return self.path / self.name(index)

    def done(self) -> int:
        """How many frames, from the first, are already here."""
        count = 0
        while self.frame_path(count).exists():
            count += 1
        return count

    def write(self, index: int, image: Image.Image, record: Mapping[str, Any] | None = None) -> None:
        from ..images import write_image

        self.path.mkdir(parents=True, exist_ok=True)
        write_image(self.frame_path(index), image, params=None if record is None else dict(record), quick=True)

    def read(self, index: int) -> Image.Image:
        from ..images import read_image

        return read_image(self.frame_path(index)).image

    def frames(self, count: int | None = None) -> Iterator[Image.Image]:
        """The first ``count`` frames (all that are done: None), read one at a time."""
        for index in range(self.done() if count is None else count):
            yield self.read(index)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
