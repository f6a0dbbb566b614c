"""The plan of a sound dream: the padding a short clip needs, bounded; octaves a clip cannot hold, refused; memory
and time estimated before any work (nothing here loads a model or dreams)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from deepdreamer.audio import estimate_audio, plan
from deepdreamer.errors import DeepDreamError

from .clips import clip


def test_a_short_clip_is_padded_to_what_the_smallest_octave_needs():
    estimate = estimate_audio(clip(16_000, 0.3), 16_000, preset="strong")
    assert estimate.shape == (513, 19)  # 1024-point STFT: 513 bins; 0.3 s at hop 256: 19 frames
    # block10's stride 16 x (2 x border 2 + 4 inner positions) = 128 at the smallest of 4 octaves of 1.4
    assert estimate.padded == (513, int(np.ceil(128 * 1.4**3)) + 1) == (513, 353)
    assert "padded to 353x513" in estimate.describe()


def test_a_long_clip_needs_no_padding_and_its_estimates_grow_with_it():
    short, long = (estimate_audio(np.zeros(round(seconds * 16_000), np.float32), 16_000) for seconds in (30, 300))
    assert short.padded == short.shape == (513, 1876)
    assert long.seconds == pytest.approx(10 * short.seconds, rel=0.01)
    assert long.memory_bytes > short.memory_bytes
    assert 10 < short.seconds < 200  # docs/audio.md measured 24 s for this dream on 2 cores


@pytest.mark.parametrize(("samples", "rate", "options", "message"), [
    (clip(16_000, 1.5), 16_000, {"num_octaves": 40}, "too short for 40 octaves .* use at most 9 octaves"),
    (clip(16_000, 1.5), 16_000, {"octave_scale": 1e4}, "too short for 3 octaves of scale 10000"),
    (clip(16_000, 1.5), 16_000, {"octave_scale": 1e6}, "would shrink the image"),
    (np.zeros(7_680, np.float32), 768_000, {}, "0.01-second clip at 768 kHz .* longer clip or a lower sample rate"),
    (np.zeros(230_400, np.float32), 768_000, {}, "use at most 1 octave$"),
    (clip(16_000, 1.5), 16_000, {"model": "crepe_tiny", "num_octaves": 20}, "less than one 64-ms frame"),
    (clip(16_000, 1.5), 16_000, {"layers": {"blok8": 1.0}}, "unknown layer 'blok8'.* did you mean block8"),
])
def test_dreams_that_cannot_be_done_are_refused_at_once(samples, rate, options, message):
    start = time.perf_counter()
    with pytest.raises(DeepDreamError, match=message) as caught:
        estimate_audio(samples, rate, **options)
    assert "\n" not in str(caught.value)
    assert time.perf_counter() - start < 5


def test_padding_stays_within_its_bound_for_every_octave_count_it_allows():
    samples = clip(16_000, 0.5)
    for octaves in range(1, 12):
        try:
            estimate = estimate_audio(samples, 16_000, num_octaves=octaves)
        except DeepDreamError:
            continue
        height, width = estimate.padded
        assert height * width - estimate.shape[0] * estimate.shape[1] <= plan.MAX_PADDING_PIXELS


def test_a_dream_larger_than_the_machine_is_refused(monkeypatch):
    stereo = np.zeros((30 * 44_100, 2), np.float32)
    monkeypatch.setattr(plan, "physical_memory", lambda: None)  # where the system does not say: no check
    whole = estimate_audio(stereo, 44_100, stereo="each").memory_bytes
    assert whole > 2**31  # the 2049x1292 spectrogram's network, whole
    monkeypatch.setattr(plan, "physical_memory", lambda: 2**30)  # a small machine: 1 GB
    assert estimate_audio(stereo, 44_100, stereo="each").memory_bytes < 2**30  # tiled to fit its memory budget
    stereo = np.zeros((120 * 44_100, 2), np.float32)  # but even in tiles, 2 minutes of it do not fit
    with pytest.raises(DeepDreamError, match=r"needs about 2 GB of memory and this machine has 1 GB; dream a shorter "
                                             r"part, or the channels' mean \(--stereo mid\)"):
        estimate_audio(stereo, 44_100, stereo="each")
