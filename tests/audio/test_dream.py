"""dream_audio(): the objective rises; length, rate and channels are kept; nothing clips; silence stays silent."""

from __future__ import annotations

import numpy as np
import pytest

from deepdreamer import params_to_options
from deepdreamer.audio import dream_audio
from deepdreamer.audio.loudness import CEILING
from deepdreamer.errors import DeepDreamError

from .clips import clip, pause

FAST = {"num_octaves": 2, "iterations": 8, "seed": 3}
#: Measured: a 0-iteration run differs from the input by at most 4e-7 (original phase) and 2.3e-5 (Griffin-Lim).
UNDREAMED_BOUND = {"original": 1e-5, "griffin-lim": 1e-4}
#: -120 dBFS: what "silent" means for a pause after a dream with the mask on (measured: 0; unmasked: 5e-4).
SILENT = 1e-6


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.fixture(scope="module")
def mono_dream():
    samples = clip(16_000, 3.0)
    return samples, dream_audio(samples, 16_000, preset="strong", **FAST)


def test_objective_rises(mono_dream):
    _, result = mono_dream
    before, after = result.objective
    assert after > 3 * before  # measured 32.0 -> 183 (the mask gates pauses only)
    assert result.steps_per_octave == [FAST["iterations"]] * FAST["num_octaves"]


def test_output_keeps_shape_rate_and_loudness_and_never_clips(mono_dream):
    samples, result = mono_dream
    assert result.samples.shape == samples.shape and result.samples.dtype == np.float32
    assert result.rate == 16_000
    assert np.abs(result.samples).max() <= CEILING
    assert rms(result.samples) == pytest.approx(rms(samples), rel=0.01)
    assert rms(result.samples - samples) > 0.05 * rms(samples)  # the dream is audible


def test_silence_stays_silent_with_the_mask_and_not_without(mono_dream):
    samples, result = mono_dream
    quiet = pause(samples)
    assert np.abs(samples[quiet]).max() == 0
    assert np.abs(result.samples[quiet]).max() < SILENT
    unmasked = dream_audio(samples, 16_000, preset="strong", mask_threshold_db=None, **FAST)
    assert np.abs(unmasked.samples[quiet]).max() > 100 * SILENT  # the mask is what kept it silent
    assert unmasked.objective[1] > 3 * unmasked.objective[0]  # measured 32.0 -> 218: most goes into the silence


@pytest.mark.parametrize("phase", ["original", "griffin-lim"])
def test_zero_iterations_return_the_input(phase):
    samples = clip(16_000, 2.0, channels=2)
    result = dream_audio(samples, 16_000, iterations=0, phase=phase, stereo="each", seed=0)
    assert np.abs(result.samples - samples).max() < UNDREAMED_BOUND[phase]
    assert result.objective[0] == pytest.approx(result.objective[1])


@pytest.mark.parametrize("stereo", ["mid", "each"])
def test_stereo_at_44k_keeps_rate_channels_and_the_difference_between_them(stereo):
    samples = clip(44_100, 1.5, channels=2)
    result = dream_audio(samples, 44_100, stereo=stereo, num_octaves=1, iterations=3, seed=3)  # 2049 rows: slow
    assert result.samples.shape == samples.shape and result.rate == 44_100
    assert np.abs(result.samples).max() <= CEILING
    side_in, side_out = samples[:, 0] - samples[:, 1], result.samples[:, 0] - result.samples[:, 1]
    assert rms(side_out) == pytest.approx(rms(side_in), rel=0.5)
    assert result.objective[1] > result.objective[0]
    assert result.spectrogram_before.height == (1 if stereo == "mid" else 2) * (4096 // 2 + 1)


def test_a_clip_shorter_than_the_smallest_octave_is_padded_and_cut_back():
    samples = clip(16_000, 0.3)[:, 0]  # 1-D, 19 STFT frames: far below what 4 octaves of block10 need
    result = dream_audio(samples, 16_000, preset="strong", **FAST)
    assert result.samples.shape == samples.shape
    assert result.objective[1] > result.objective[0]  # finite: no empty border crop at the smallest octave
    before, after = result.spectrogram_before, result.spectrogram_after
    assert after.size == before.size and before.height == 1024 // 2 + 1  # the padding is cut off again


def test_recorded_parameters_repeat_the_dream_exactly(mono_dream):
    samples, result = mono_dream
    again = dream_audio(samples, 16_000, **params_to_options(result.params, "sound"))
    assert np.array_equal(again.samples, result.samples)
    assert result.params["mode"] == "spectrogram" and result.params["n_fft"] == 1024


@pytest.mark.parametrize(("option", "message"), [
    ({"preset": "loud"}, "unknown audio preset"),
    ({"phase": "random"}, "unknown phase"),
    ({"stereo": "side"}, "unknown stereo mode"),
    ({"model": "wavenet"}, "unknown model"),
    ({"mask_threshold_db": -3.0}, "mask threshold"),
    ({"layers": {"blok8": 1.0}}, "unknown layer"),
    ({"step": float("nan")}, "step must be"),
])
def test_bad_settings_are_one_line_errors(option, message):
    with pytest.raises(DeepDreamError, match=message):
        dream_audio(clip(16_000, 0.5), 16_000, **option)


def test_bad_samples_are_refused():
    with pytest.raises(DeepDreamError, match="NaN"):
        dream_audio(np.array([0.0, np.inf, 0.0], np.float32), 16_000)
    with pytest.raises(DeepDreamError, match="zero length"):
        dream_audio(np.zeros((0, 2), np.float32), 16_000)
    with pytest.raises(DeepDreamError, match="sample rate"):
        dream_audio(np.zeros(100, np.float32), 100)
