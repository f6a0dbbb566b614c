"""Process-wide settings that make the ascent faster: set by the program, never asked of the user's shell."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (the only one whose allocator these settings are for), else None."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None  # musl has neither


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory instead of returning it to the system.

    Every ascent step allocates and frees the same activation buffers. By default glibc serves blocks
    above a few MB with fresh ``mmap`` calls and unmaps them on free, so each step faults its memory in
    again; keeping blocks up to 128 MB makes EfficientNet-Lite0 steps at 512 px take 0.12 s instead of
    0.17-0.22 s. Larger blocks (whole-image tensors of big photos, used a few times per step) still go
    back. Tiles of different sizes would make the kept memory grow step after step (holes the next
    tile does not fit): the tiled path calls :func:`release_freed_memory` after each tile. A no-op
    outside glibc.
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 128 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1)


def release_freed_memory() -> None:
    """Give the memory freed so far back to the system (glibc's ``malloc_trim``; a no-op elsewhere).

    What was kept by :func:`keep_freed_memory` is faulted in again by the next use, so this is for the
    points where the next allocations will not reuse the same blocks: between tiles of different sizes,
    and before measuring what a process really uses.
    """
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
