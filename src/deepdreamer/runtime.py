"""Process-wide settings that make the ascent faster: set by the program, never asked of the user's shell."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory instead of returning it to the system.

    Every ascent step allocates and frees the same activation buffers. By default glibc serves blocks
    above a few MB with fresh ``mmap`` calls and unmaps them on free, so each step faults its memory in
    again; keeping blocks up to 128 MB makes EfficientNet-Lite0 steps at 512 px take 0.12 s instead of
    0.17-0.22 s. Larger blocks (whole-image tensors of big photos, used a few times per step) still go
    back, which keeps a 24-megapixel dream's peak memory down. A no-op outside glibc.
    """
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(_M_MMAP_THRESHOLD, 128 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1)
    except (OSError, AttributeError):
        return
