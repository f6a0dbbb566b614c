"""A synthetic track whose rhythm is known: clicks on a 120 bpm beat with a silent stretch, then a swelling tone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 22_050
BPM = 120
SILENT = (3.0, 5.0)  # seconds without a sound
SWELL_FROM = 5.0  # a 220 Hz tone rising from silence to the end


def beat_times(seconds: float = 8.0) -> list[float]:
    return [b for b in np.arange(0.25, seconds, 60 / BPM) if not SILENT[0] <= b < SILENT[1]]


def click_track(seconds: float = 8.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    track = np.zeros_like(t)
    length = round(0.02 * RATE)
    click = 0.8 * np.exp(-np.arange(length) / (0.004 * RATE)) * np.sign(np.sin(2 * np.pi * 1500 * t[:length]))
    for beat in beat_times(seconds):
        start = round(beat * RATE)
        track[start:start + length] += click
    track += 0.3 * np.clip((t - SWELL_FROM) / (seconds - SWELL_FROM), 0, 1) * np.sin(2 * np.pi * 220 * t)
    return track.astype(np.float32)


def write_track(path: Path, seconds: float = 8.0) -> Path:
    sf.write(path, click_track(seconds), RATE)
    return path
