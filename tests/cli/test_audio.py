"""``deepdreamer audio``: a good run writes the sound (tags, spectrograms); bad input is one line, exit 2, no file."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import soundfile as sf

from deepdreamer.audio import read_audio
from deepdreamer.cli import main

from ..audio.clips import clip

FAST = ["--octaves", "1", "--iterations", "2", "--seed", "5", "-q"]


def run_cli(capsys, *args) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_dream_writes_sound_tags_and_spectrograms(tmp_path, capsys):
    source = tmp_path / "in.flac"
    sf.write(source, clip(22_050, 1.0, channels=2), 22_050)
    status, _, err = run_cli(capsys, "audio", source, "-o", tmp_path / "out.ogg", "--save-spectrograms", *FAST)
    assert status == 0, err
    sound = read_audio(tmp_path / "out.ogg")
    assert (sound.rate, sound.channels) == (22_050, 2)
    assert sound.params["seed"] == 5 and sound.params["iterations"] == 2 and sound.params["stereo"] == "mid"
    assert {p.name for p in tmp_path.iterdir()} == {"in.flac", "out.ogg", "out_before.png", "out_after.png"}


def test_default_output_keeps_the_extension(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sf.write("voice.wav", clip(16_000, 0.5), 16_000)
    status, _, err = run_cli(capsys, "audio", "voice.wav", *FAST)
    assert status == 0, err
    assert len(read_audio("voice_dream.wav").samples) == 8000


def test_example_needs_no_input(tmp_path, capsys):
    status, _, err = run_cli(capsys, "audio", "--example", "percussion", "-o", tmp_path / "drums.wav", *FAST)
    assert status == 0, err
    assert read_audio(tmp_path / "drums.wav").seconds == 5.0


def _write(folder, name, samples, rate=16_000, subtype="PCM_16"):
    path = folder / name
    sf.write(path, samples, rate, subtype=subtype)
    return path


def _bytes(folder, name, content):
    path = folder / name
    path.write_bytes(content)
    return path


def _mp4(folder):
    """Two seconds of sound in an MP4 container (decoded by PyAV, not soundfile)."""
    import av

    path = folder / "clip.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16_000, layout="mono")
        samples = (0.3 * np.sin(np.arange(32_000) * 0.1)).astype(np.float32)[None]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.rate = 16_000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return path


def _bad_record(folder):
    path = folder / "recorded.wav"
    sf.write(path, clip(16_000, 0.5), 16_000)
    with sf.SoundFile(path, "r+") as f:
        f.comment = '{"deepdreamer": "0.1.0", "model": "efficientnet_lite0", "step": "strong"}'
    return path


BAD_RUNS = {
    "missing file": lambda d: [d / "nope.wav"],
    "not audio": lambda d: [_bytes(d, "notes.wav", b"hello")],
    "empty file": lambda d: [_bytes(d, "empty.wav", b"")],
    "zero-length wav": lambda d: [_write(d, "zero.wav", np.zeros((0, 1), np.float32))],
    "NaN samples": lambda d: [_write(d, "nan.wav", np.array([0, np.nan, 0], np.float32), subtype="FLOAT")],
    "absurd rate": lambda d: [_write(d, "fast.wav", np.zeros(100, np.float32), rate=1_000_000)],
    "unknown output format": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "-o", d / "out.xyz"],
    "output folder missing": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "-o", d / "no" / "out.wav"],
    "overwrite input": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "-o", d / "in.wav"],
    "bad layer": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "--layer", "blok8=1"],
    "bad preset": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "--preset", "loud"],
    "input and example": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "--example", "melody"],
    "no input": lambda d: [],
    "too long (soundfile)": lambda d: [_write(d, "long.wav", clip(16_000, 2.0)), "--max-seconds", "1"],
    "too long (PyAV)": lambda d: [_mp4(d), "--max-seconds", "1"],
    "bad max seconds": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "--max-seconds", "0"],
    "like with a bad record": lambda d: [_write(d, "in.wav", clip(16_000, 0.5)), "--like", _bad_record(d)],
}


@pytest.mark.parametrize("case", list(BAD_RUNS))
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, case):
    args = BAD_RUNS[case](tmp_path)
    before = {p.name for p in tmp_path.iterdir()}
    status, out, err = run_cli(capsys, "audio", *args, "-q")
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("deepdreamer: error: ")
    assert {p.name for p in tmp_path.iterdir()} == before


def test_missing_extra_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    source = _write(tmp_path, "in.wav", clip(16_000, 0.5))
    monkeypatch.setitem(sys.modules, "soundfile", None)  # what an environment without the extra looks like
    status, _, err = run_cli(capsys, "audio", source, "-q")
    assert status == 2
    assert 'pip install "deepdreamer[audio]"' in err


def test_like_repeats_a_sound_dream_and_explicit_options_win(tmp_path, capsys):
    source = tmp_path / "voice.wav"
    sf.write(source, clip(16_000, 1.5), 16_000)
    first, again, changed = tmp_path / "first.wav", tmp_path / "again.wav", tmp_path / "changed.wav"
    assert run_cli(capsys, "audio", source, "-o", first, "--no-mask", "--layer", "block9=1", *FAST)[0] == 0
    assert run_cli(capsys, "audio", source, "-o", again, "--like", first, "-q")[0] == 0
    assert np.array_equal(sf.read(first)[0], sf.read(again)[0])
    assert run_cli(capsys, "audio", source, "-o", changed, "--like", first, "--mask-threshold", "40", "-q")[0] == 0
    params = read_audio(changed).params
    assert params["mask_threshold_db"] == 40 and params["layers"] == {"block9": 1.0} and params["seed"] == 5
