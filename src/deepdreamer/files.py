"""Files in and out: an input checked before any work, and atomic outputs, written under a temporary name in the
same folder and renamed into place when complete.

An interrupted or failed write (Ctrl-C, SIGTERM, a full disk, an encoder error) leaves no file behind,
and an existing file at the path is replaced only by a complete one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DeepDreamError


def check_readable(path: Path, what: str) -> None:
    """A one-line error unless ``path`` is a non-empty file this process may read; ``what`` names the kind
    expected ("a video")."""
    if not path.exists():
        raise DeepDreamError(f"{path}: no such file")
    if path.is_dir():
        raise DeepDreamError(f"{path}: is a folder, not {what}")
    if not os.access(path, os.R_OK):
        raise DeepDreamError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise DeepDreamError(f"{path}: empty file")


@contextmanager
def atomic_output(path: Path, errors: tuple[type[BaseException], ...] = (OSError,)) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``path``, on failure it is removed.

    Exceptions of the ``errors`` types become a one-line :class:`DeepDreamError` naming ``path``.
    """
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise DeepDreamError(f"{path}: cannot write ({exc.strerror})") from None
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, errors):
            raise DeepDreamError(f"{path}: cannot write ({first_line(exc)})") from None
        raise


@contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """Yield a temporary folder to fill; on success it becomes ``path`` (which must be absent or empty).

    A folder of many files (PNG frames) appears whole or not at all: a run killed halfway leaves only a hidden
    ``.name.*.part`` folder behind, never a folder that looks finished but lacks its last frames.
    """
    if path.is_dir() and any(path.iterdir()):
        raise DeepDreamError(f"{path}: the folder already holds files (give a new or empty folder)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part"))
    except OSError as exc:
        raise DeepDreamError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())  # mkdtemp makes it private; give it a normal folder's mode
        os.replace(temporary, path)  # rename(2) replaces an empty folder
    except BaseException as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(exc, OSError):
            raise DeepDreamError(f"{path}: cannot write ({first_line(exc)})") from None
        raise


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (library errors can run to many lines)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
