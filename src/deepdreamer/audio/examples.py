"""Synthesized example sounds: offline demos (``deepdreamer audio --example``), tests and benchmarks.

Each has what the dream should keep and what it should leave alone: tones with harmonics and vibrato,
transients, and stretches of digital silence.
"""

from __future__ import annotations

import numpy as np

from ..defaults import SOUND_EXAMPLES
from ..errors import DeepDreamError

#: A4 = 440 Hz; the melody walks an A minor arpeggio, half a second a note.
_MELODY = (57, 60, 64, 67, 69, 67, 64, 60, 57, 64, 69, 72)
_NOTE_SECONDS = 0.5
_HARMONICS = 6
_VIBRATO_HZ, _VIBRATO_DEPTH = 5.0, 0.01
#: A room: decay time (to -60 dB) and the reverberated share, so notes have tails and partials have skirts.
_REVERB_SECONDS, _REVERB_MIX = 0.8, 0.3
#: Where the examples fall silent (fraction of the clip): a pause the mask must keep silent.
SILENCE = (0.45, 0.6)


def _silence(signal: np.ndarray) -> np.ndarray:
    start, end = (round(f * len(signal)) for f in SILENCE)
    signal[start:end] = 0
    return signal


def _reverb(signal: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Convolution with exponentially decaying noise (FFT), mixed with the dry signal."""
    t = np.arange(round(rate * _REVERB_SECONDS)) / rate
    response = rng.standard_normal(len(t)) * 10 ** (-3 * t / _REVERB_SECONDS)
    size = len(signal) + len(response) - 1
    wet = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(response, size), size)[: len(signal)]
    wet *= np.sqrt(np.mean(signal**2) / max(np.mean(wet**2), 1e-20))
    return (1 - _REVERB_MIX) * signal + _REVERB_MIX * wet


def melody(rate: int, seconds: float = 5.0, seed: int = 0) -> np.ndarray:
    """An arpeggio of harmonic tones with vibrato in a small room, a pause in the middle (mono, peak 0.5)."""
    t = np.arange(round(rate * seconds)) / rate
    note = (t // _NOTE_SECONDS).astype(int) % len(_MELODY)
    f0 = 440 * 2 ** ((np.array(_MELODY)[note] - 69) / 12) * (1 + _VIBRATO_DEPTH * np.sin(2 * np.pi * _VIBRATO_HZ * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    tone = sum(np.sin(k * phase) / k for k in range(1, _HARMONICS + 1) if k * f0.max() < rate / 2)
    within = t % _NOTE_SECONDS
    envelope = np.minimum(np.minimum(within, _NOTE_SECONDS - within) / 0.02, 1) * np.exp(-2 * within)
    signal = _silence(_reverb(tone * envelope, rate, np.random.default_rng(seed)))
    return (0.5 * signal / np.abs(signal).max()).astype(np.float32)


def percussion(rate: int, seconds: float = 5.0, seed: int = 0) -> np.ndarray:
    """Kicks, snares and hi-hat clicks on a 120 bpm grid, a pause in the middle (mono, peak 0.5)."""
    rng = np.random.default_rng(seed)
    signal = np.zeros(round(rate * seconds))
    beat = round(rate * 0.25)
    t = np.arange(round(rate * 0.3)) / rate
    kick = np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t / 0.03)) / rate) * np.exp(-t / 0.12)
    snare = rng.standard_normal(len(t)) * np.exp(-t / 0.06) * 0.5 + np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.04)
    hat = np.diff(rng.standard_normal(len(t) + 1)) * np.exp(-t / 0.01) * 0.3
    for i, start in enumerate(range(0, len(signal), beat)):
        hit = (kick, hat, snare, hat)[i % 4]
        end = min(len(signal), start + len(hit))
        signal[start:end] += hit[: end - start]
    signal = _silence(signal)
    return (0.5 * signal / np.abs(signal).max()).astype(np.float32)


EXAMPLES = dict(zip(SOUND_EXAMPLES, (melody, percussion), strict=True))


def example(name: str, rate: int = 16_000, seconds: float = 5.0) -> np.ndarray:
    if name not in EXAMPLES:
        raise DeepDreamError(f"unknown example {name!r}; choose from {', '.join(EXAMPLES)}")
    return EXAMPLES[name](rate, seconds)
