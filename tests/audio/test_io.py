"""Sound files in and out: every format round-trips with its rate, channels and tags; bad files are one line."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
import soundfile as sf

from deepdreamer.audio.io import check_output, read_audio, write_audio
from deepdreamer.errors import DeepDreamError

from .clips import clip

PARAMS = {"model": "efficientnet_lite0", "layers": {"block8": 1.0}, "seed": 7}


@pytest.mark.parametrize(("suffix", "tolerance"), [(".wav", 1e-4), (".flac", 1e-4), (".ogg", 0.05), (".mp3", 0.1)])
def test_formats_round_trip_with_parameters_in_tags(tmp_path, suffix, tolerance):
    samples = clip(44_100, 1.0, channels=2)
    path = tmp_path / f"out{suffix}"
    write_audio(path, samples, 44_100, params=PARAMS)
    sound = read_audio(path)
    assert (sound.rate, sound.channels, sound.params) == (44_100, 2, PARAMS)
    assert abs(len(sound.samples) - len(samples)) <= 0.02 * len(samples)  # lossy codecs may pad a little
    if suffix in (".wav", ".flac"):
        assert np.abs(sound.samples - samples).max() < tolerance
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_wav_keeps_a_float_encoding(tmp_path):
    samples = clip(16_000, 0.5)
    sf.write(tmp_path / "in.wav", samples, 16_000, subtype="FLOAT")
    sound = read_audio(tmp_path / "in.wav")
    write_audio(tmp_path / "out.wav", sound.samples, sound.rate, subtype=sound.subtype)
    assert sf.info(tmp_path / "out.wav").subtype == "FLOAT"
    assert np.array_equal(read_audio(tmp_path / "out.wav").samples, samples)


def _video_with_sound(path, rate: int = 16_000) -> np.ndarray:
    """An MP4 with a tiny video stream and an AAC stereo sound track; returns the sound."""
    samples = clip(rate, 1.0, channels=2)
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        sound = container.add_stream("aac", rate=rate)
        sound.layout = "stereo"
        for _ in range(10):
            for packet in video.encode(av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")):
                container.mux(packet)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T), format="fltp", layout="stereo")
        frame.sample_rate = rate
        for stream, item in ((sound, frame), (sound, None), (video, None)):
            for packet in stream.encode(item):
                container.mux(packet)
    return samples


def test_a_videos_sound_track_is_decoded_with_pyav(tmp_path):
    path = tmp_path / "clip.mp4"
    samples = _video_with_sound(path)
    sound = read_audio(path)
    assert (sound.rate, sound.channels, sound.subtype) == (16_000, 2, None)
    assert len(samples) <= len(sound.samples) <= len(samples) + 2048  # AAC adds its priming and a last frame
    level = np.sqrt(np.mean(samples**2))
    assert np.sqrt(np.mean(sound.samples**2)) == pytest.approx(level, rel=0.2)


def _file(folder, name, content: bytes):
    path = folder / name
    path.write_bytes(content)
    return path


def _wav(folder, name, samples, rate=16_000, subtype="PCM_16"):
    path = folder / name
    sf.write(path, samples, rate, subtype=subtype)
    return path


BAD_FILES = {
    "no such file": lambda d: d / "missing.wav",
    "is a folder": lambda d: d,
    "empty file": lambda d: _file(d, "empty.wav", b""),
    "not a sound file": lambda d: _file(d, "notes.wav", b"not sound"),
    "zero length": lambda d: _wav(d, "zero.wav", np.zeros((0, 1), np.float32)),
    "NaN or infinite": lambda d: _wav(d, "nan.wav", np.array([0.1, np.nan, 0.2], np.float32), subtype="FLOAT"),
    "sample rate 500 Hz": lambda d: _wav(d, "low.wav", np.zeros(100, np.float32), rate=500),
    "sample rate 2000000 Hz": lambda d: _wav(d, "high.wav", np.zeros(100, np.float32), rate=2_000_000),
}


@pytest.mark.parametrize("reason", list(BAD_FILES))
def test_bad_files_are_refused_in_one_line(tmp_path, reason):
    path = BAD_FILES[reason](tmp_path)
    with pytest.raises(DeepDreamError) as error:
        read_audio(path)
    message = str(error.value)
    assert reason in message and "\n" not in message


def test_output_that_cannot_hold_the_sound_is_refused_before_any_work(tmp_path):
    with pytest.raises(DeepDreamError, match="MP3 cannot hold 2 channels at 96000 Hz"):
        check_output(tmp_path / "out.mp3", [], 96_000, 2)
    with pytest.raises(DeepDreamError, match="unknown output format"):
        check_output(tmp_path / "out.aiff", [], 16_000, 1)
    with pytest.raises(DeepDreamError, match="does not exist"):
        check_output(tmp_path / "nope" / "out.wav", [], 16_000, 1)
    source = _wav(tmp_path, "in.wav", np.zeros(10, np.float32))
    with pytest.raises(DeepDreamError, match="overwrite the input"):
        check_output(source, [source], 16_000, 1)


def test_a_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(DeepDreamError, match="cannot write"):
        write_audio(tmp_path / "out.mp3", np.zeros((10, 2), np.float32), 96_000)
    assert list(tmp_path.iterdir()) == []


def test_parameters_are_json_in_the_comment_tag(tmp_path):
    write_audio(tmp_path / "out.flac", np.zeros((10, 1), np.float32), 16_000, params=PARAMS)
    with sf.SoundFile(tmp_path / "out.flac") as f:
        assert json.loads(f.comment) == PARAMS
        assert f.software.startswith("deepdreamer ")
