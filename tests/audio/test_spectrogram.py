"""Spectrogram round trips have measured error bounds; the mask and the limiter do what they promise."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from deepdreamer.audio.loudness import CEILING, LIMITER_SECONDS, limit_peaks, match_loudness, rms
from deepdreamer.audio.spectrogram import (
    DYNAMIC_RANGE_DB,
    Stft,
    apply_change,
    db_to_pixels,
    griffin_lim,
    picture,
    pixels_to_db,
    step_mask,
    to_db,
)

from .clips import clip

#: Measured on the clips below: original phase 4e-7, Griffin-Lim from the original phase 2.3e-5 (max |error|).
ORIGINAL_PHASE_BOUND = 1e-5
GRIFFIN_LIM_BOUND = 1e-4


def undreamed(rate: int) -> tuple[torch.Tensor, Stft, torch.Tensor]:
    """A stereo clip, its STFT settings, and its STFT with an undreamed image's change applied."""
    signal = torch.from_numpy(np.ascontiguousarray(clip(rate, 2.0, channels=2).T))
    stft = Stft.for_rate(rate)
    spectrum = stft.forward(signal)
    db = to_db(spectrum.abs())
    peak = float(db.max())
    generator = torch.Generator().manual_seed(0)
    rebuilt = torch.cat([
        apply_change(spectrum[c:c + 1], db[c], pixels_to_db(db_to_pixels(db[c], peak), peak), peak, generator)
        for c in range(len(signal))
    ])
    return signal, stft, rebuilt


@pytest.mark.parametrize("rate", [16_000, 44_100])
def test_round_trip_of_an_undreamed_signal_is_exact_with_the_original_phase(rate):
    signal, stft, spectrum = undreamed(rate)
    error = (stft.inverse(spectrum, signal.shape[-1]) - signal).abs().max()
    assert error < ORIGINAL_PHASE_BOUND


@pytest.mark.parametrize("rate", [16_000, 44_100])
def test_round_trip_with_griffin_lim_stays_close(rate):
    signal, stft, spectrum = undreamed(rate)
    error = (griffin_lim(spectrum, stft, signal.shape[-1]) - signal).abs().max()
    assert error < GRIFFIN_LIM_BOUND


def test_window_is_64_ms_at_any_rate():
    assert Stft.for_rate(16_000) == Stft(1024, 256)  # the study's setting
    assert Stft.for_rate(44_100) == Stft(4096, 1024)
    assert Stft.for_rate(1_000).n_fft == 256  # still 129 rows


def test_stft_of_a_clip_shorter_than_a_window_inverts():
    signal = torch.randn(1, 100) * 0.1
    stft = Stft.for_rate(16_000)
    assert (stft.inverse(stft.forward(signal), 100) - signal).abs().max() < ORIGINAL_PHASE_BOUND


def test_image_shows_80_db_with_low_frequencies_at_the_bottom():
    db = torch.tensor([[0.0, -40.0], [-100.0, -80.0]])  # row 0 is the lowest frequency
    pixels = db_to_pixels(db, peak_db=0.0)
    assert pixels.shape == (1, 3, 2, 2)
    assert pixels[0, 0].tolist() == [[0.0, 0.0], [255.0, 127.5]]  # flipped; -100 dB sits on the floor
    assert torch.allclose(pixels_to_db(pixels, 0.0), db.clamp_min(-DYNAMIC_RANGE_DB))


def test_mask_opens_whole_frames_of_sound_and_keeps_pauses_shut():
    # bins x frames: a loud frame, one at the threshold, a pause; low frequencies first
    db = torch.tensor([[0.0, -50.0, -80.0], [-79.0, -79.0, -90.0]])
    mask = step_mask(db, peak_db=0.0, threshold_db=50.0)
    assert mask.shape == (1, 1, 2, 3)
    assert mask[0, 0].tolist() == [[1.0, 0.5, 0.0], [1.0, 0.5, 0.0]]  # quiet bins of a loud frame may change


def test_loudness_is_matched_and_a_peak_is_limited_only_where_it_is():
    rate = 16_000
    reference = torch.from_numpy(clip(rate, 1.0).T.copy())
    dreamed = 2 * reference  # a dream that added energy (peak 1.0) ...
    dreamed[0, 4000] = 4.0  # ... and a spike
    out = match_loudness(dreamed, reference, rate)
    assert out.abs().max() <= CEILING  # compared in float32, as written
    assert math.isclose(rms(out), rms(reference), rel_tol=0.01)
    gain = rms(reference) / rms(dreamed)
    window = round(rate * LIMITER_SECONDS)
    far = torch.ones(out.shape[-1], dtype=torch.bool)
    far[4000 - window:4000 + window + 1] = False
    assert torch.allclose(out[:, far], gain * dreamed[:, far], atol=1e-6)  # the limiter acted only near the spike
    assert out[0, 4000] == pytest.approx(CEILING)  # turned down to the ceiling, not clipped to zero


def test_limiter_leaves_quiet_signals_alone():
    signal = torch.full((2, 1000), 0.5)
    assert torch.equal(limit_peaks(signal, 16_000), signal)


def test_picture_stacks_channels_in_order_with_low_notes_at_the_bottom():
    db = torch.full((2, 3, 4), -80.0)
    db[0, 0] = 0.0  # channel 0, lowest bin: loud
    image = np.asarray(picture(db, peak_db=0.0))
    assert image.shape == (6, 4, 3)
    assert image[2].mean() > 200 and image[:2].mean() < 10 and image[3:].mean() < 10
