"""Short synthesized clips for the audio tests: tones with vibrato, clicks and noise, and digital silence."""

from __future__ import annotations

import numpy as np

from deepdreamer.audio.examples import SILENCE, melody, percussion


def clip(rate: int = 16_000, seconds: float = 3.0, channels: int = 1) -> np.ndarray:
    """frames x channels: the melody, and for stereo a second channel mixing in percussion (not a copy)."""
    tone = melody(rate, seconds)
    if channels == 1:
        return tone[:, None]
    return np.stack([tone, 0.6 * tone + 0.4 * percussion(rate, seconds)], axis=1)


def pause(samples: np.ndarray, margin_seconds: float = 0.1, rate: int = 16_000) -> slice:
    """The digitally silent stretch in the middle of a clip, less a margin at each end."""
    start, end = (round(f * len(samples)) for f in SILENCE)
    margin = round(margin_seconds * rate)
    return slice(start + margin, end - margin)
