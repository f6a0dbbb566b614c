"""How much memory a dream may use, and what one ascent step needs: whole when it fits, else the largest tiles.

The budget (``max_memory``; default: the process's current use plus half of what the machine has available,
at most ``DEFAULT_MEMORY_CAP``; on a GPU 90% of its free memory) bounds the peak resident memory of the process on a
CPU, and the memory torch allocates on a GPU. At the first step of each octave size the planner estimates
the step's peak as

- what the process holds now, measured: resident memory after the allocator has given back what it kept
  (``runtime.release_freed_memory``), or the GPU memory allocated;
- plus the full-size float copies of the image a step makes (:func:`step_copies`): the gradient, and with
  jitter, smoothing or Laplacian normalisation their temporaries;
- plus the network's working set for what it runs on, the whole image or one tile with its margins: the
  tensors autograd keeps for the backward pass, measured once per objective on a ``PROBE_SIDE`` input
  and scaled to any size by each tensor's stride, times ``BACKWARD_OVERHEAD`` for the gradients the
  backward pass allocates while it frees them.

The constants were measured against the peak RSS of real dreams (``benchmarks/memory.py``, ``docs/speed.md``).
"""

from __future__ import annotations

import math
import os
import sys
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from .errors import DeepDreamError
from .gradients import TILE_MARGIN, balanced_tile
from .runtime import release_freed_memory
from .settings import DEFAULT_MEMORY_CAP, GIB, MIN_TILE, TILE_ALIGNMENT, DreamSettings, format_size

if TYPE_CHECKING:
    from .losses import NetworkObjective

#: Share of the memory available when a dream starts that it may use by default.
DEFAULT_SHARE = 0.5
#: Share of a GPU's free memory a dream may use by default.
DEFAULT_GPU_SHARE = 0.9
#: What is taken as available where the system does not say.
FALLBACK_AVAILABLE = 4 * GIB
#: The backward pass's gradients and workspaces on top of the tensors saved for it: measured 1.05-1.50
#: times the saved tensors across the models and sizes of ``benchmarks/memory.py --steps``.
BACKWARD_OVERHEAD = 1.6
#: Input side of the probe that measures the tensors saved for the backward pass.
PROBE_SIDE = 256


def available_memory(device: torch.device) -> int:
    """Memory the machine could still give this process: the GPU's free memory, or the system's available
    memory (Linux), free pages, or all pages (macOS), else ``FALLBACK_AVAILABLE``."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    for pages in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return os.sysconf(pages) * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            continue
    return FALLBACK_AVAILABLE


def memory_in_use(device: torch.device) -> int:
    """What the dream's process holds now: the GPU's allocated memory, or resident memory once the
    allocator has given back what it kept (without /proc: the peak so far, an upper bound; 0 if unknown)."""
    if device.type == "cuda":
        return torch.cuda.memory_allocated(device)
    release_freed_memory()
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def step_copies(settings: DreamSettings) -> float:
    """Full-size copies of the image one step allocates besides the network's: the gradient; with jitter,
    the shifted image and the gradient shifted back; the blurred gradient; the Laplacian pyramid's bands."""
    jitter = 2 if settings.jitter else 0
    smoothing = 1 if settings.smoothing else 0
    laplacian = 0.5 if settings.laplacian_levels > 1 else 0
    return 1 + jitter + smoothing + laplacian


def default_budget(device: torch.device) -> int:
    """The default ``max_memory``: what the process holds plus half of what is available, at most 8 GiB of
    the machine's memory; on a GPU, which nothing else needs meanwhile, 90% of its free memory."""
    if device.type == "cuda":
        return int(memory_in_use(device) + DEFAULT_GPU_SHARE * available_memory(device))
    return int(min(memory_in_use(device) + DEFAULT_SHARE * available_memory(device), DEFAULT_MEMORY_CAP))


class TilePlanner:
    """Chooses, per octave size, between the whole image and the largest tiles that fit the budget.

    Belongs to one dream's objective: the default budget is fixed at its first step, and each octave's
    choice at that octave's first step, so every step of an octave computes its gradient the same way.
    """

    def __init__(self, loss: NetworkObjective) -> None:
        self.loss = loss
        self.tiles: dict[tuple[int, int], tuple[int, int]] = {}  # octave (height, width) -> tile core size
        self.budget: int | None = None  # bytes, fixed at the first step that needed it
        self._plans: dict[tuple[int, int, DreamSettings], int] = {}
        self._saved: list[tuple[int, int]] | None = None  # (bytes per map position, stride); stride 0: fixed

    def tile_side(self, image: Tensor, settings: DreamSettings) -> int:
        """0 to compute the gradient of ``image`` whole, else the tile side to compute it with.

        ``settings.tile_size`` > 0 asks for tiles of that side whatever the budget (whole if the image is no
        larger); otherwise the budget is ``settings.max_memory``, or the machine's default.
        """
        height, width = image.shape[-2:]
        key = (height, width, settings)
        if key not in self._plans:
            if settings.tile_size:
                side = settings.tile_size if max(height, width) > settings.tile_size else 0
            else:
                side = self._fitting_side(image, settings)
            if side:
                self.tiles[height, width] = (balanced_tile(height, side), balanced_tile(width, side))
            self._plans[key] = side
        return self._plans[key]

    def record(self) -> dict[str, object] | None:
        """For the output's metadata: None if every octave ran whole, else the budget and each tiled
        octave's size with its tiles' size (``{"6000x4000": "1024x1024"}``, width first)."""
        if not self.tiles:
            return None
        octaves = {f"{w}x{h}": f"{tile_w}x{tile_h}" for (h, w), (tile_h, tile_w) in self.tiles.items()}
        return {"max_memory": self.budget, "octaves": octaves}

    def _fitting_side(self, image: Tensor, settings: DreamSettings) -> int:
        height, width = image.shape[-2:]
        if self.budget is None:
            self.budget = default_budget(image.device) if settings.max_memory is None else settings.max_memory
        budget = self.budget
        held = memory_in_use(image.device) + int(step_copies(settings) * image[0].numel() * image.element_size())
        if held + self.network_bytes(height, width) <= budget:
            return 0
        for side in range((max(height, width) - 1) // TILE_ALIGNMENT * TILE_ALIGNMENT, MIN_TILE - 1,
                          -TILE_ALIGNMENT):
            piece = [min(balanced_tile(length, side) + 2 * TILE_MARGIN, length) for length in (height, width)]
            if held + self.network_bytes(*piece) <= budget:
                return side
        piece = [min(MIN_TILE + 2 * TILE_MARGIN, length) for length in (height, width)]
        needed = held + self.network_bytes(*piece)
        raise DeepDreamError(f"a {width}x{height} octave needs about {format_size(needed)} even in {MIN_TILE}-px "
                             f"tiles, more than the {format_size(budget)} allowed (--max-memory)")

    def network_bytes(self, height: int, width: int) -> int:
        """The network's working set for one forward and backward pass on a ``height`` x ``width`` input."""
        if self._saved is None:
            self._saved = self._measure_saved_tensors()
        saved = sum(size * (math.ceil(height / stride) * math.ceil(width / stride) if stride else 1)
                    for size, stride in self._saved)
        return int(BACKWARD_OVERHEAD * saved)

    def _measure_saved_tensors(self) -> list[tuple[int, int]]:
        """The tensors autograd saves for the backward pass on a probe input: each storage's bytes per map
        position and its stride (the power of two nearest the probe's side over the map's side). Scaled as
        ``ceil(side / stride)`` positions a side, which valid convolutions never exceed."""
        param = next(self.loss.net.parameters())
        probe = param.new_zeros(1, 3, PROBE_SIDE, PROBE_SIDE).requires_grad_(True)
        storages: dict[int, tuple[int, int]] = {}

        def pack(t: Tensor) -> Tensor:
            if not isinstance(t, torch.nn.Parameter):
                storage = t.untyped_storage()
                spatial = t.dim() == 4 and t.shape[-1] > 1
                stride = 2 ** round(math.log2(PROBE_SIDE / t.shape[-1])) if spatial else 0
                positions = t.shape[-2] * t.shape[-1] if spatial else 1
                storages[storage.data_ptr()] = (math.ceil(storage.nbytes() / positions), stride)
            return t

        with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            self.loss(probe)
        return list(storages.values())
