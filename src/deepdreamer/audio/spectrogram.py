"""Sound as a picture and back: STFT, log magnitude as an image for an image model, resynthesis.

The dream changes the log-magnitude image; resynthesis applies that change to the original STFT
(:func:`apply_change`), so an undreamed image gives back the input exactly, bins quieter than the image's
floor keep their level unless the dream paints over them, and the phase is the original one unless
Griffin-Lim is asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import Tensor

#: Seconds per STFT window at any rate: 1024 samples at 16 kHz, the setting the study measured.
WINDOW_SECONDS = 0.064
#: Shortest window, so that very low rates still give an image of 129 rows.
MIN_FFT = 256
#: Windows overlap by 3/4: what Griffin-Lim needs, and what keeps the pixels 16 ms apart at 16 kHz.
HOPS_PER_WINDOW = 4
#: The image shows this many dB below the loudest bin; quieter bins sit on its floor (black).
DYNAMIC_RANGE_DB = 80.0
#: Magnitudes are floored here before the logarithm (far below any floor the image shows).
_TINY = 1e-10
#: Griffin-Lim: iterations (the study's) and the momentum of the fast variant (Perraudin et al. 2013).
GRIFFIN_LIM_ITERATIONS = 64
GRIFFIN_LIM_MOMENTUM = 0.99


@dataclass(frozen=True)
class Stft:
    """Window and hop for one sample rate."""

    n_fft: int
    hop: int

    @classmethod
    def for_rate(cls, rate: int) -> Stft:
        n_fft = max(MIN_FFT, 2 ** math.ceil(math.log2(rate * WINDOW_SECONDS)))
        return cls(n_fft, n_fft // HOPS_PER_WINDOW)

    def _window(self, like: Tensor) -> Tensor:
        return torch.hann_window(self.n_fft, dtype=like.real.dtype, device=like.device)

    def forward(self, signal: Tensor) -> Tensor:
        """Channels x samples -> complex channels x bins x frames (zero-padded ends, so any length works)."""
        return torch.stft(signal, self.n_fft, self.hop, window=self._window(signal), center=True,
                          pad_mode="constant", return_complex=True)

    def inverse(self, spectrum: Tensor, length: int) -> Tensor:
        return torch.istft(spectrum, self.n_fft, self.hop, window=self._window(spectrum), center=True,
                           length=length)


def to_db(magnitude: Tensor) -> Tensor:
    return 20 * torch.log10(magnitude.clamp_min(_TINY))


def from_db(db: Tensor) -> Tensor:
    return torch.pow(10.0, db / 20)


def db_to_pixels(db: Tensor, peak_db: float) -> Tensor:
    """Bins x frames of dB -> 1 x 3 x H x W of 0..255, low frequencies at the bottom, the floor at 0."""
    floor = peak_db - DYNAMIC_RANGE_DB
    levels = (db.clamp_min(floor) - floor) * (255 / DYNAMIC_RANGE_DB)
    return levels.flip(0).expand(1, 3, *levels.shape).clone()


def pixels_to_db(pixels: Tensor, peak_db: float) -> Tensor:
    """Inverse of :func:`db_to_pixels` (the mean of the three channels); values below 0 go below the floor."""
    return pixels.mean(dim=1)[0].flip(0) * (DYNAMIC_RANGE_DB / 255) + (peak_db - DYNAMIC_RANGE_DB)


def step_mask(db: Tensor, peak_db: float, threshold_db: float, softness_db: float = 10.0) -> Tensor:
    """1 x 1 x H x W weights in 0..1 that gate whole moments: 1 for frames whose loudest bin is within
    ``threshold_db`` of the peak, 0 for frames well below (pauses), a soft ramp between.

    Pauses stay silent, and while there is sound the dream may paint anywhere in the spectrum, between
    the partials too: a mask on each bin instead leaves a clean tone's few-pixel partials as the only place
    to dream, and the dream is hardly visible (objective 37 -> 53 against 37 -> 405 on the README's melody).
    """
    frame_peak = db.amax(dim=0, keepdim=True)
    ramp = (frame_peak - (peak_db - threshold_db)) / softness_db + 0.5
    return ramp.clamp(0, 1).expand_as(db).flip(0)[None, None]


def apply_change(spectrum: Tensor, db_before: Tensor, db_after: Tensor, peak_db: float,
                 generator: torch.Generator) -> Tensor:
    """``spectrum`` (channels x bins x frames) with the dream's change of the image applied to every channel.

    The change is added in linear magnitude: a bin above the image's floor is scaled exactly as its pixel
    was, a bin below it gains what the dream painted. Bins without phase (digital silence) get a random one,
    so painted energy there is noise-like instead of a buzz at the frame rate.
    """
    floor = peak_db - DYNAMIC_RANGE_DB
    change = from_db(db_after) - from_db(db_before.clamp_min(floor))
    magnitude = spectrum.abs()
    random_phase = torch.polar(torch.ones_like(magnitude),
                               2 * math.pi * torch.rand(magnitude.shape, generator=generator, dtype=magnitude.dtype))
    phase = torch.where(magnitude > 0, spectrum / magnitude.clamp_min(_TINY), random_phase)
    return (magnitude + change).clamp_min(0) * phase


def griffin_lim(spectrum: Tensor, stft: Stft, length: int, iterations: int = GRIFFIN_LIM_ITERATIONS) -> Tensor:
    """A waveform whose STFT magnitude is close to ``spectrum``'s, starting from its phase (fast Griffin-Lim).

    Starting from the original phase keeps timing and pitch; the iterations make the dreamed parts
    consistent, so patterns painted into quiet regions come out as the tones and chirps they look like.
    """
    magnitude = spectrum.abs()
    angles = spectrum / magnitude.clamp_min(_TINY)
    previous = torch.zeros_like(spectrum)
    for _ in range(iterations):
        rebuilt = stft.forward(stft.inverse(magnitude * angles, length))
        angles = rebuilt - previous * (GRIFFIN_LIM_MOMENTUM / (1 + GRIFFIN_LIM_MOMENTUM))
        angles = angles / angles.abs().clamp_min(_TINY)
        previous = rebuilt
    return stft.inverse(magnitude * angles, length)


#: Anchors of a perceptually ordered colour map (close to matplotlib's "magma"), from the floor to the peak.
_COLOURS = ((0, 0, 4), (59, 15, 112), (140, 41, 129), (222, 73, 104), (254, 159, 109), (252, 253, 191))


def picture(db: Tensor, peak_db: float) -> Image.Image:
    """Spectrograms (channels x bins x frames of dB) as one colour image for people: channel 0 on top, low
    notes at the bottom of each, the 80 dB below ``peak_db`` shown."""
    levels = ((db - (peak_db - DYNAMIC_RANGE_DB)) / DYNAMIC_RANGE_DB).clamp(0, 1).flip(-2)
    levels = levels.reshape(-1, db.shape[-1]).cpu().numpy()
    anchors = np.linspace(0, 1, len(_COLOURS))
    rgb = np.stack([np.interp(levels, anchors, [c[i] for c in _COLOURS]) for i in range(3)], axis=-1)
    return Image.fromarray(np.rint(rgb).astype(np.uint8), "RGB")
