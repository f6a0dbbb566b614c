"""What a sound dream will cost, known before it starts: the picture it becomes, its padding, memory and time.

A photo too small for its octaves is refused (the smallest octave would be under a pixel). A spectrogram is
padded with silence instead, up to the side its smallest octave needs, so that a short clip can be dreamed at
all; but too many octaves, a huge octave scale or a very high sample rate (at 768 kHz a spectrogram is 32,769
bins tall) would pad a short clip to gigabytes. :func:`plan_audio` refuses those in one line before any work:
padding is bounded by :data:`MAX_PADDING_PIXELS`, a waveform's smallest octave must hold a CREPE frame, and the
whole dream must fit in the machine's memory. Its estimates are what ``deepdreamer audio`` prints first.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..engine import octave_shapes
from ..errors import DeepDreamError
from ..gradients import TILE_MARGIN
from ..memory import DEFAULT_SHARE
from ..models import catalog
from ..models.base import LOGITS
from ..models.crepe import FRAME, SAMPLE_RATE
from ..objectives import BORDER
from ..settings import DEFAULT_MEMORY_CAP, MIN_TILE, DreamSettings
from .spectrogram import Stft
from .waveform import HOP

#: Positions that the deepest layer's map keeps inside the border crop at the smallest octave; shorter
#: (or lower-rate) spectrograms are padded with silence up to that size, and the padding is dropped after.
MIN_INNER_SIDE = 4
#: At most this much silence (pixels) is added to a short clip's spectrogram: the work of a 4-megapixel photo.
#: The shortest clips the default presets pad (a few STFT frames at 16-48 kHz) add under a megapixel.
MAX_PADDING_PIXELS = 4_000_000

#: Memory of a dream, from the photo measurements in docs/speed.md and settings.py (Lite0): the runtime and
#: weights, then per pixel of the whole picture (the dream, the original, the mask, the step: 2.7 GiB for 24 MP),
#: then per pixel of what goes through the network at once (activations and their gradients: the whole
#: picture, or one tile with its margins: ~0.9 GB for a 768 px tile).
BASE_BYTES = 0.6 * 2**30
BYTES_PER_PIXEL = 60
NETWORK_BYTES_PER_PIXEL = 1100
#: Complex STFTs of the sound (before, dreamed, sources): bytes per bin and frame of each channel.
STFT_BYTES_PER_BIN = 3 * 8

#: Seconds per megapixel and ascent step on 2 CPU cores (AVX2): Lite0's from docs/speed.md (0.24 s at 512x512),
#: the others scaled by their ratio to it in one ``benchmarks/step_time.py --size 384`` session. A GPU or more
#: cores are faster; the progress bar's ETA takes over after the first step.
SECONDS_PER_MEGAPIXEL_STEP = {
    "efficientnet_lite0": 0.9, "efficientnet_lite1": 1.2, "efficientnet_lite2": 2.0, "inception_v3": 2.8,
    "googlenet": 1.4, "vgg16": 15.0, "resnet50": 6.0,
}
#: CREPE: seconds per 1024-sample frame and step (docs/audio.md: 937 frames take 2.75 s tiny, 80 s full).
SECONDS_PER_FRAME_STEP = {"crepe_tiny": 0.0029, "crepe_full": 0.086}


@dataclass(frozen=True)
class AudioPlan:
    """The work a sound dream will do, and what it is expected to cost."""

    shape: tuple[int, int]  # what is dreamed: spectrogram bins x frames, or 1 x samples at 16 kHz (waveform)
    padded: tuple[int, int]  # the same after padding with silence (spectrograms of short clips)
    sources: int  # channels dreamed one after the other ("mid" dreams one)
    memory_bytes: float  # estimated peak
    seconds: float  # estimated on 2 CPU cores

    def describe(self) -> str:
        """One line for a person: what is dreamed, and the estimates."""
        height, width = self.shape
        what = f"a {width}x{height} spectrogram" if height > 1 else f"{width} samples at 16 kHz"
        if self.padded != self.shape:
            what += f" (padded to {self.padded[1]}x{self.padded[0]})"
        if self.sources > 1:
            what += f", {self.sources} channels"
        return f"dreaming {what}: about {_duration(self.seconds)} and {self.memory_bytes / 2**30:.1f} GB (estimated)"


def plan_audio(samples: int, rate: int, sources: int, model: str, layers: Mapping[str, float],
               settings: DreamSettings, *, waveform: bool) -> AudioPlan:
    """The plan for dreaming ``sources`` channels of ``samples`` samples at ``rate`` Hz; a one-line error for a
    dream that cannot be done (octaves the clip cannot hold, padding beyond the bound, memory beyond the machine's)."""
    settings.check()
    if waveform:
        plan = _waveform_plan(samples, rate, sources, model, settings)
    else:
        plan = _spectrogram_plan(samples, rate, sources, model, layers, settings)
    available = physical_memory()
    if available is not None and plan.memory_bytes > available:
        advice = "dream a shorter part" + (", or the channels' mean (--stereo mid)" if sources > 1 else "")
        raise DeepDreamError(f"dreaming this sound needs about {plan.memory_bytes / 2**30:.0f} GB of memory and this "
                             f"machine has {available / 2**30:.0f} GB; {advice}")
    return plan


def min_side(stride: int, num_octaves: int, octave_scale: float) -> int:
    """The side the full-size picture needs so that the smallest octave's deepest map is not all border."""
    smallest = stride * (2 * BORDER + MIN_INNER_SIDE)
    return math.ceil(smallest * octave_scale ** (num_octaves - 1)) + 1


def _spectrogram_plan(samples: int, rate: int, sources: int, model: str, layers: Mapping[str, float],
                      settings: DreamSettings) -> AudioPlan:
    stft = Stft.for_rate(rate)
    shape = (stft.n_fft // 2 + 1, 1 + samples // stft.hop)
    stride = max(1 if name == LOGITS else catalog.layer_info(model, name).stride for name in layers)

    def padded(octaves: int) -> tuple[int, int]:
        side = min_side(stride, octaves, settings.octave_scale)
        return max(shape[0], side), max(shape[1], side)

    def padding(octaves: int) -> int:
        height, width = padded(octaves)
        return height * width - shape[0] * shape[1]

    if padding(settings.num_octaves) > MAX_PADDING_PIXELS:
        fitting = [n for n in range(1, settings.num_octaves) if padding(n) <= MAX_PADDING_PIXELS]
        height, width = padded(settings.num_octaves)
        advice = f"use at most {_octaves(fitting[-1])}" if fitting else "use a longer clip or a lower sample rate"
        raise DeepDreamError(
            f"a {samples / rate:.2g}-second clip at {rate / 1000:g} kHz is too short for {settings.num_octaves} "
            f"octaves of scale {settings.octave_scale:g}: its {shape[1]}x{shape[0]} spectrogram would be padded to "
            f"{width}x{height} ({padding(settings.num_octaves) / 1e6:.0f} megapixels of silence); {advice}")
    height, width = padded(settings.num_octaves)
    pixels = height * width
    rest = BASE_BYTES + pixels * BYTES_PER_PIXEL + sources * shape[0] * shape[1] * STFT_BYTES_PER_BIN
    memory = rest + _network_bytes(pixels, max(height, width), rest, settings)
    area = sum(h * w for h, w in octave_shapes(height, width, settings.num_octaves, settings.octave_scale))
    seconds_per_step = SECONDS_PER_MEGAPIXEL_STEP.get(model, max(SECONDS_PER_MEGAPIXEL_STEP.values()))
    seconds = sources * settings.iterations * area / 1e6 * seconds_per_step
    return AudioPlan(shape, (height, width), sources, memory, seconds)


def _waveform_plan(samples: int, rate: int, sources: int, model: str, settings: DreamSettings) -> AudioPlan:
    length = max(1, round(samples * SAMPLE_RATE / rate))
    sizes = [round(length / settings.octave_scale ** (settings.num_octaves - 1 - k)) for k in
             range(settings.num_octaves)]
    if sizes[0] < FRAME:
        fitting = [n for n in range(1, settings.num_octaves)
                   if length / settings.octave_scale ** (n - 1) >= FRAME]
        advice = f"use at most {_octaves(fitting[-1])}" if fitting else "use a clip of at least 64 ms"
        raise DeepDreamError(
            f"a {samples / rate:.2g}-second clip is too short for {settings.num_octaves} octaves of scale "
            f"{settings.octave_scale:g}: the smallest would be {sizes[0] / SAMPLE_RATE * 1000:.3g} ms, less than "
            f"one {FRAME * 1000 // SAMPLE_RATE}-ms frame of {model}; {advice}")
    frames = sum(math.ceil(max(size - FRAME, 0) / HOP) + 1 for size in sizes)
    seconds_per_step = SECONDS_PER_FRAME_STEP.get(model, max(SECONDS_PER_FRAME_STEP.values()))
    seconds = sources * settings.iterations * frames * seconds_per_step
    memory = BASE_BYTES + (samples + length) * sources * BYTES_PER_PIXEL
    return AudioPlan((1, length), (1, length), sources, memory, seconds)


def _network_bytes(pixels: int, side: int, rest: float, settings: DreamSettings) -> float:
    """The network's share of the peak: a forced tile's, else the whole image's unless that passes the default
    memory budget (``memory.py``: what the process holds plus half of the rest, at most ``DEFAULT_MEMORY_CAP``),
    which then tiles with what is left of the budget (at least the smallest tile)."""
    def tile(side: int) -> float:
        return (side + 2 * TILE_MARGIN) ** 2 * NETWORK_BYTES_PER_PIXEL

    if settings.tile_size:
        return tile(settings.tile_size) if side > settings.tile_size else pixels * NETWORK_BYTES_PER_PIXEL
    machine = physical_memory()
    budget = DEFAULT_MEMORY_CAP if machine is None else min(rest + DEFAULT_SHARE * (machine - rest), DEFAULT_MEMORY_CAP)
    return min(pixels * NETWORK_BYTES_PER_PIXEL, max(budget - rest, tile(MIN_TILE)))


def physical_memory() -> float | None:
    """Bytes of RAM in this machine, or None where the system does not say."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def _octaves(count: int) -> str:
    return "1 octave" if count == 1 else f"{count} octaves"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
