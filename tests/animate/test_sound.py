"""A sound as per-frame curves: on a track whose beats, pauses and swell are known, each curve follows them."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from deepdreamer.animate.react import PRESETS, parse_react, react
from deepdreamer.animate.sound import CURVES, sound_curves
from deepdreamer.errors import DeepDreamError

from .clips import pan, write_clip
from .music import BPM, RATE, SILENT, SWELL_FROM, beat_times, click_track, write_track

pytest.importorskip("librosa", reason="music videos need librosa (pip install 'deepdreamer[music]'; CI does)")
FPS = 12


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    return write_track(tmp_path_factory.mktemp("music") / "clicks.wav")


@pytest.fixture(scope="module")
def curves(track):
    return sound_curves(track, FPS)


def test_every_curve_is_one_value_per_frame_from_0_to_1(curves):
    assert curves.frames == 8 * FPS and set(curves.curves) == set(CURVES)
    for name, values in curves.curves.items():
        assert values.shape == (curves.frames,) and values.min() >= 0 and values.max() <= 1, name


def test_the_pulse_kicks_on_each_beat_and_fades_between(curves):
    on = [round(b * FPS) for b in beat_times()]
    between = [round((b + 60 / BPM / 2) * FPS) for b in beat_times()][:-1]
    pulse = curves["pulse"]
    assert pulse[on].min() > 0.5
    assert pulse[on].mean() > 3 * pulse[between].mean()


def test_silence_is_calm_and_has_no_beat(curves):
    quiet = slice(round((SILENT[0] + 1.2) * FPS), round(SILENT[1] * FPS))  # once the last click has faded
    for name in ("pulse", "loudness", "beat", "motion", "high"):
        assert curves[name][quiet].max() < 0.05, name
    assert not [t for t in curves.beat_times if SILENT[0] + 0.1 < t < SILENT[1]]


def test_motion_follows_the_swell_not_the_clicks(curves):
    clicks_only = slice(0, round(SILENT[0] * FPS))
    assert curves["motion"][clicks_only].max() < 0.05
    swell = np.clip((np.arange(curves.frames) / FPS - SWELL_FROM) / (8 - SWELL_FROM), 0, 1)
    assert np.corrcoef(curves["motion"], swell)[0, 1] > 0.9
    assert curves["low"][-FPS:].mean() > 0.8 and curves["balance"][-FPS:].mean() > 0.8  # 220 Hz: bass


def test_the_beats_and_the_tempo_are_found(curves):
    assert abs(curves.tempo - BPM) < 6
    found = [t for t in beat_times() if min(abs(np.array(curves.beat_times) - t), default=9) < 1 / FPS]
    assert len(found) >= len(beat_times()) - 2


@pytest.mark.parametrize("suffix", [".flac", ".mp3", ".mp4"])
def test_flac_mp3_and_a_videos_own_sound_give_the_same_rhythm(tmp_path, suffix):
    path = tmp_path / f"track{suffix}"
    if suffix == ".mp4":
        write_clip(path, pan(count=24), sound="aac")  # one second of a 440 Hz tone
        assert sound_curves(path, FPS).frames == FPS
        return
    sf.write(path, click_track(4.0), RATE)
    pulse = sound_curves(path, FPS)["pulse"]
    assert pulse[[round(b * FPS) for b in beat_times(3.0)]].min() > 0.4


def test_start_and_seconds_cut_the_sound(track):
    part = sound_curves(track, FPS, start=5.0, seconds=2.0)
    assert part.frames == 2 * FPS and part.start == 5.0
    assert all(0 <= t < 2 for t in part.beat_times)


def test_bad_sounds_are_one_line(tmp_path, track):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(RATE, np.float32), RATE)
    with pytest.raises(DeepDreamError, match="silent"):
        sound_curves(silent, FPS)
    short = tmp_path / "short.wav"
    sf.write(short, click_track(1.0)[:500], RATE)
    with pytest.raises(DeepDreamError, match="shorter than one frame"):
        sound_curves(short, FPS)
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"not a sound at all" * 100)
    with pytest.raises(DeepDreamError, match=r"broken\.mp3"):
        sound_curves(broken, FPS)
    with pytest.raises(DeepDreamError, match="less than the start"):
        sound_curves(track, FPS, start=60)


def test_react_maps_a_curve_onto_a_range(curves):
    specs = parse_react(["zoom=motion:1.01..1.06", "step=pulse:0.01..0.04,block10=low:0..1"], "zoom")
    assert [str(spec) for spec in specs.values()] == ["motion:1.01..1.06", "pulse:0.01..0.04", "low:0..1"]
    values = react(specs, curves)
    assert np.allclose([values["zoom"].at(k) for k in range(curves.frames)], 1.01 + 0.05 * curves["motion"])
    assert values["step"].at(10_000) == values["step"].at(curves.frames - 1)  # the last value holds
    assert set(parse_react("auto", "zoom")) == {entry.split("=")[0] for entry in PRESETS["zoom"].split(",")}


@pytest.mark.parametrize(("text", "message"), [
    ("zoom=wobble:1..2", "no curve 'wobble'; choose from loudness"),
    ("zoom=motion:1..x", "LOW and HIGH must be numbers"),
    ("zoom=motion", "expected TARGET=CURVE:LOW..HIGH"),
    ("zoom=motion:1..2,zoom=pulse:1..2", r"zoom already follows motion:1\.\.2"),
])
def test_bad_reactions_are_one_line(text, message):
    with pytest.raises(DeepDreamError, match=message):
        parse_react(text, "zoom")
