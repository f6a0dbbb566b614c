"""A sound as curves a clip can follow: one value per video frame for loudness, beats and the spectral balance.

The analysis is librosa's (extra ``music``): the sound is split into its harmonic and percussive parts
(median-filtering harmonic/percussive separation), and per STFT hop of 23 ms we take

- ``loudness``: the RMS of the whole sound;
- ``pulse``: the onset strength of the percussive part (drums, clicks: what a kick looks like);
- ``motion``: the RMS of the harmonic part (what swells and sustains);
- ``beat``: 1 on the beats librosa's tracker finds where the sound is not near silence, else 0 (the tracker
  carries its beat through a pause; the picture should not), with the tempo;
- ``low`` / ``high``: the loudness below 250 Hz / above 2 kHz, and ``balance``: low's share of the two.

Each is pooled into video frames (the loudest hop within a frame for ``pulse`` and ``beat``, so a click between
two frames is not lost; the mean for the rest), scaled to 0..1 by its 99th percentile, and smoothed with an
envelope follower whose attack is fast and release slow: a beat shows at once as a kick and fades
(:data:`ENVELOPES` gives the time constants). Silence stays 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import DeepDreamError

INSTALL_HINT = 'pip install "deepdreamer[music]"'
#: The rate the analysis runs at (librosa's default): enough for every curve, 2x less work than 44.1 kHz.
ANALYSIS_RATE = 22_050
HOP = 512
N_FFT = 2048
LOW_HZ, HIGH_HZ = 250.0, 2000.0
#: attack and release time constants in seconds, per curve: pulses kick and fade, swells glide.
ENVELOPES = {"loudness": (0.03, 0.3), "pulse": (0.0, 0.12), "motion": (0.1, 0.6), "beat": (0.0, 0.12),
             "low": (0.03, 0.4), "high": (0.03, 0.4), "balance": (0.1, 0.6)}
CURVES = tuple(ENVELOPES)
#: Peak level (full scale = 1) below which a sound counts as silent: -80 dBFS.
SILENCE = 1e-4
#: Loudness (0..1, before smoothing) below which a frame has no beat: near silence for this sound.
QUIET = 0.05


@dataclass(frozen=True)
class SoundCurves:
    """Per-frame curves of a sound (each 0..1, ``frames`` long) at ``fps``, from ``start`` for ``seconds``."""

    fps: float
    start: float
    seconds: float
    curves: Mapping[str, np.ndarray]
    beat_times: tuple[float, ...]  # seconds from ``start``
    tempo: float  # beats per minute

    @property
    def frames(self) -> int:
        return len(next(iter(self.curves.values())))

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.curves:
            raise DeepDreamError(f"unknown sound curve {name!r}; choose from {', '.join(self.curves)}")
        return self.curves[name]

    def describe(self) -> dict[str, Any]:
        """The curves as record values (3 decimals: the record repeats the clip, not the analysis)."""
        return {"fps": self.fps, "start": self.start, "seconds": self.seconds, "tempo": round(self.tempo, 2),
                "beat_times": [round(t, 3) for t in self.beat_times],
                "curves": {name: [round(float(v), 3) for v in values] for name, values in self.curves.items()}}


def _librosa() -> ModuleType:
    try:
        import librosa
    except ImportError:
        raise DeepDreamError(f"music videos need librosa: {INSTALL_HINT}") from None
    return librosa


def sound_curves(path: str | Path, fps: float, *, start: float = 0.0, seconds: float | None = None) -> SoundCurves:
    """The curves of the sound in ``path`` (any file ``deepdreamer audio`` reads, or a video's own sound track),
    one value per frame at ``fps``, from ``start`` seconds for ``seconds`` (default: to the end).

    One-line errors for an unreadable file, a silent one, and a stretch shorter than one frame.
    """
    from ..audio.io import read_audio

    if not (math.isfinite(fps) and fps > 0):
        raise DeepDreamError(f"fps must be a positive number, not {fps:g}")
    if not (math.isfinite(start) and start >= 0) or (seconds is not None and not (math.isfinite(seconds)
                                                                                  and seconds > 0)):
        raise DeepDreamError("the sound's start must be >= 0 and its length > 0 seconds")
    sound = read_audio(path)
    mono = sound.samples.mean(axis=1)
    first = round(start * sound.rate)
    if first >= len(mono):
        raise DeepDreamError(f"{path}: the sound lasts {len(mono) / sound.rate:.2f} s, less than the start "
                             f"{start:g} s")
    end = len(mono) if seconds is None else min(len(mono), first + round(seconds * sound.rate))
    mono = mono[first:end]
    frames = math.floor(len(mono) / sound.rate * fps + 1e-9)
    if frames < 1:
        raise DeepDreamError(f"{path}: {len(mono) / sound.rate:.3f} s of sound is shorter than one frame at "
                             f"{fps:g} fps")
    if np.abs(mono).max() < SILENCE:
        raise DeepDreamError(f"{path}: the sound is silent (below -80 dBFS): there is nothing to follow")
    librosa = _librosa()
    y = librosa.resample(mono.astype(np.float32), orig_sr=sound.rate, target_sr=ANALYSIS_RATE)
    per_hop, beat_hops, tempo = _analyse(librosa, y)
    hop_seconds = HOP / ANALYSIS_RATE
    pooled = {name: _pool(values, hop_seconds, fps, frames, peak=name in ("pulse", "beat"))
              for name, values in per_hop.items()}
    scaled = {name: values if name == "balance" else _unit(values) for name, values in pooled.items()}
    audible = scaled["loudness"] > QUIET
    scaled["beat"] = scaled["beat"] * audible
    curves = {name: _envelope(values, fps, *ENVELOPES[name]) for name, values in scaled.items()}
    beat_times = tuple(float(t) for t in beat_hops * hop_seconds
                       if t < frames / fps and audible[min(int(t * fps), frames - 1)])
    return SoundCurves(fps, start, len(mono) / sound.rate, curves, beat_times, tempo)


def _analyse(librosa: ModuleType, y: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    """The curves per STFT hop, the beats (as hop indices) and the tempo."""
    spectrum = librosa.stft(y, n_fft=N_FFT, hop_length=HOP)
    harmonic, percussive = librosa.decompose.hpss(spectrum)
    magnitude = np.abs(spectrum)
    pulse = librosa.onset.onset_strength(S=librosa.amplitude_to_db(np.abs(percussive), ref=np.max(magnitude)),
                                         sr=ANALYSIS_RATE, hop_length=HOP)
    onsets = librosa.onset.onset_strength(y=y, sr=ANALYSIS_RATE, hop_length=HOP)
    tempo, beat_hops = librosa.beat.beat_track(onset_envelope=onsets, sr=ANALYSIS_RATE, hop_length=HOP)
    beat = np.zeros(magnitude.shape[1])
    beat[beat_hops[beat_hops < len(beat)]] = 1.0
    hz = librosa.fft_frequencies(sr=ANALYSIS_RATE, n_fft=N_FFT)
    low = np.sqrt((magnitude[hz < LOW_HZ] ** 2).mean(axis=0))
    high = np.sqrt((magnitude[hz > HIGH_HZ] ** 2).mean(axis=0))
    per_hop = {
        "loudness": librosa.feature.rms(S=magnitude, frame_length=N_FFT)[0],
        "pulse": pulse,
        "motion": librosa.feature.rms(S=np.abs(harmonic), frame_length=N_FFT)[0],
        "beat": beat,
        "low": low,
        "high": high,
        "balance": np.where(low + high > 0, low / np.maximum(low + high, 1e-12), 0.5),
    }
    length = min(len(values) for values in per_hop.values())
    return ({name: values[:length] for name, values in per_hop.items()}, np.asarray(beat_hops),
            float(np.atleast_1d(tempo)[0]))


def _pool(values: np.ndarray, hop_seconds: float, fps: float, frames: int, *, peak: bool) -> np.ndarray:
    """Per-hop values gathered into frames: frame k covers [k/fps, (k+1)/fps); its hops' max or mean."""
    edges = np.minimum(np.round(np.arange(frames + 1) / fps / hop_seconds).astype(int), len(values) - 1)
    pooled = np.empty(frames)
    for k in range(frames):
        window = values[edges[k]:max(edges[k + 1], edges[k] + 1)]
        pooled[k] = window.max() if peak else window.mean()
    return pooled


def _unit(values: np.ndarray) -> np.ndarray:
    """Scaled to 0..1 by the 99th percentile (a single outlier does not flatten the rest)."""
    top = float(np.percentile(values, 99))
    return np.clip(values / top, 0.0, 1.0) if top > 0 else np.zeros_like(values)


def _envelope(values: np.ndarray, fps: float, attack: float, release: float) -> np.ndarray:
    """An envelope follower: rises toward a louder value with time constant ``attack`` (0: at once), falls
    toward a quieter one with ``release``, both in seconds."""
    rise = 1.0 if attack <= 0 else 1.0 - math.exp(-1.0 / (attack * fps))
    fall = 1.0 - math.exp(-1.0 / (release * fps))
    out = np.empty_like(values)
    level = values[0]
    for k, value in enumerate(values):
        level += (rise if value > level else fall) * (value - level)
        out[k] = level
    return out
