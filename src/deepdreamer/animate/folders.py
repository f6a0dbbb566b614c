"""Whole folders: every photo in a folder dreamed with the same settings, resumable after a kill.

The run is planned first (:func:`plan_folder`: the photos in natural order, 2 before 10, each with its output
name), then each photo is dreamed alone (:func:`dream_photo`), so a batch runner on many machines can share the
plan and the per-photo step. A manifest in the output folder holds the run's settings, the drawn seed
included: a rerun of the same command skips the photos already written (outputs are written atomically, so a
file that exists is whole) and dreams the rest exactly as an uninterrupted run would have; a rerun with other
settings is refused instead of mixing two looks in one folder.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import checks
from ..errors import DeepDreamError
from ..progress import Job, ProgressCallback
from ..settings import DEFAULT_MAX_PIXELS
from .frames import Manifest

#: The run's settings, kept in the output folder.
MANIFEST = ".deepdreamer-folder.json"
#: What folder outputs are written as (the record travels in a PNG text chunk).
OUTPUT_SUFFIX = ".png"


@dataclass(frozen=True)
class PhotoTask:
    """One photo of a folder run and the file its dream goes to."""

    source: Path
    output: Path


@dataclass
class FolderRun:
    """What a folder run did: outputs written, photos skipped as already done, photos that failed, and why."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    stopped: bool = False


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts ``img2`` before ``img10`` (numbers compare as numbers, text without case)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in re.split(r"(\d+)", name) if part)


def image_suffixes() -> set[str]:
    """File name suffixes of the image formats Pillow can read."""
    from PIL import Image

    return {suffix for suffix, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}


def plan_folder(source: Path, output: Path) -> list[PhotoTask]:
    """The photos in ``source`` (not its subfolders), in natural order, each with its output in ``output``."""
    if not source.is_dir():
        raise DeepDreamError(f"{source}: not a folder")
    if output.exists() and not output.is_dir():
        raise DeepDreamError(f"{output}: exists and is not a folder (a folder of photos dreams into a folder)")
    if output.resolve() == source.resolve():
        raise DeepDreamError(f"{output}: is the input folder; give another folder for the dreams")
    suffixes = image_suffixes()
    photos = sorted((p for p in source.iterdir() if p.is_file() and p.suffix.lower() in suffixes),
                    key=lambda p: natural_key(p.name))
    if not photos:
        raise DeepDreamError(f"{source}: no images in this folder")
    stems: dict[str, Path] = {}
    for photo in photos:
        if photo.stem in stems:
            raise DeepDreamError(f"{photo.name} and {stems[photo.stem].name} would both be dreamed into "
                                 f"{photo.stem}{OUTPUT_SUFFIX}: rename one")
        stems[photo.stem] = photo
    return [PhotoTask(photo, output / f"{photo.stem}{OUTPUT_SUFFIX}") for photo in photos]


def settle_settings(output: Path, options: Mapping[str, Any]) -> dict[str, Any]:
    """The run's settings: a new run's (seed drawn if not given), or the unfinished run's in ``output``.

    ``options`` are :func:`~deepdreamer.dream` keyword arguments in JSON form (paths, not pictures). A
    rerun into a folder that holds another run's settings is refused in one line (:class:`.frames.Manifest`).
    """
    return Manifest(output / MANIFEST, "dreams").settle(options, fill={"seed": lambda: checks.seed_or_drawn(None)})


def dream_photo(task: PhotoTask, options: Mapping[str, Any], *, job: Job | None = None,
                max_pixels: int = DEFAULT_MAX_PIXELS) -> bool:
    """Dream one photo of the run into its output; False if the stop event cut it short (nothing written)."""
    from ..api import dream
    from ..images import read_image

    job = job or Job("photo")
    result = dream(read_image(task.source, max_pixels), **options, progress=job.progress, stop=job.stop)
    if result.stopped:
        return False
    result.save(task.output)
    return True


def dream_folder(
    source: Path,
    output: Path,
    *,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    **options: Any,
) -> FolderRun:
    """Dream every photo in ``source`` into ``output`` with the same settings (see the module's notes).

    ``options`` go to :func:`~deepdreamer.dream` for every photo; each output carries its own record. A photo
    that cannot be read or dreamed is listed in ``failed`` and the run goes on; progress covers the whole
    folder, and each photo written is reported as a record's ``result``.
    """
    tasks = plan_folder(source, output)
    settings = settle_settings(output, options)
    job = Job("folder", progress, stop)
    run = FolderRun()
    for index, task in enumerate(tasks):
        if job.stopped:
            run.stopped = True
            break
        label = f"{index + 1}/{len(tasks)} {task.source.name}"
        if task.output.exists():
            run.skipped.append(task.source)
            job.finished(index, len(tasks), label, None)
            continue
        try:
            done = dream_photo(task, settings, job=job.part(index, len(tasks), label), max_pixels=max_pixels)
        except DeepDreamError as exc:
            run.failed.append((task.source, str(exc)))
            continue
        if not done:
            run.stopped = True
            break
        run.written.append(task.output)
        job.finished(index, len(tasks), label, task.output)
    return run
