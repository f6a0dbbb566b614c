"""Loudness after a dream: as loud as the input (dreams add energy), and never past full scale.

The limiter's gain is a moving minimum followed by a moving average of the same width: each smoothed
value averages minima that all include the sample itself, so it never exceeds the gain that sample needs,
and no sample can overshoot the ceiling, while the gain moves smoothly (no clicks, little distortion).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

#: Output peaks stay at or below this (-0.18 dBFS): room for the rounding of 16-bit and lossy encoders.
CEILING = 0.98
#: Width of the limiter's gain smoothing: short enough to act on single peaks, long enough not to distort.
LIMITER_SECONDS = 0.005


def rms(signal: Tensor) -> float:
    return float(signal.double().square().mean().sqrt())


def match_loudness(signal: Tensor, reference: Tensor, rate: int, ceiling: float = CEILING) -> Tensor:
    """``signal`` (channels x samples) scaled to ``reference``'s RMS, then peak-limited to ``ceiling``.

    All channels get the same gain, so the stereo image does not move.
    """
    level = rms(signal)
    if level > 0:
        signal = signal * (rms(reference) / level)
    return limit_peaks(signal, rate, ceiling)


def limit_peaks(signal: Tensor, rate: int, ceiling: float = CEILING) -> Tensor:
    """Reduce the gain smoothly around samples above ``ceiling``, the same on all channels."""
    peak = signal.abs().amax(dim=0)
    if float(peak.max()) <= ceiling:
        return signal
    needed = (ceiling / peak.clamp_min(ceiling)).view(1, 1, -1)  # 1 where nothing is too loud
    width = max(1, round(rate * LIMITER_SECONDS)) | 1  # odd, so the windows are centred
    minimum = -F.max_pool1d(-needed, width, stride=1, padding=width // 2)
    padded = F.pad(minimum, (width // 2, width // 2), mode="replicate")
    gain = F.avg_pool1d(padded, width, stride=1).view(1, -1)
    return (signal * gain).clamp(-ceiling, ceiling)  # the clamp only absorbs float rounding
