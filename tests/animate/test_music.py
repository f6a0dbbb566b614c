"""Music zooms follow the music: on a click track with a pause and a swell, the dream's own change per frame
(what is not the camera's move) rises on the beats and rests in the pause; the sound sits under the frames it
drove; the record repeats the clip; bad sounds and names are one line."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

import deepdreamer as dd
from deepdreamer.animate.flicker import camera_residuals
from deepdreamer.animate.music import react_settings, sync_figures
from deepdreamer.animate.render import ZoomSettings, render_zoom
from deepdreamer.animate.video_io import read_record

from ..cli.test_dream import run_cli
from ..conftest import small_photo
from .music import write_track

pytest.importorskip("librosa", reason="music videos need librosa (pip install 'deepdreamer[music]'; CI does)")
#: Small and quick, but big enough that the default layers' maps outlast the 2-pixel border crop.
FAST = {"fps": 6.0, "size": 192, "num_octaves": 1, "seed": 1}


@pytest.fixture(scope="module")
def track(tmp_path_factory) -> Path:
    return write_track(tmp_path_factory.mktemp("music") / "clicks.wav")


def zoom_change(settings: ZoomSettings, tmp_path: Path, name: str) -> tuple[np.ndarray, object]:
    out = tmp_path / name
    photo = small_photo("chelsea", width=256)
    assert render_zoom(photo, settings, out).frames == 8 * settings.fps
    frames = [dd.read_image(path).image for path in sorted(out.glob("*.png"))]
    curves = settings.curves()
    plan = settings.plan(curves)
    return np.array(camera_residuals(frames, [plan.motion(t) for t in range(len(frames))])), curves


def test_a_music_zoom_follows_the_pulse_and_rests_in_silence(track, tmp_path):
    reacting = ZoomSettings(**FAST, sound=str(track), react=react_settings(["auto"], "zoom"))
    change, curves = zoom_change(reacting, tmp_path, "auto")
    figures = sync_figures(change, curves)
    # measured here: r 0.99, beats 8.3x the frames between them, silence 0.19 of the loud parts
    assert figures["r"] >= 0.5 and figures["beat/between"] >= 3 and figures["silence/loud"] <= 1 / 3, figures
    still, curves = zoom_change(ZoomSettings(**FAST, sound=str(track)), tmp_path, "still")
    assert abs(sync_figures(still, curves)["r"]) < 0.2  # the same zoom without --react does not follow


def test_the_sound_starts_with_the_first_frame_and_the_record_repeats_the_clip(track, tmp_path, capsys):
    photo = tmp_path / "photo.jpg"
    small_photo("chelsea", width=256).save(photo)
    first, again = tmp_path / "a.mp4", tmp_path / "b.mp4"
    args = ["--sound", track, "--start", "5", "--seconds", "1", "--fps", "4", "--size", "192", "--octaves", "1",
            "--react", "auto", "-q"]
    assert run_cli(capsys, "zoom", photo, "-o", first, *args, "--seed", "3")[0] == 0
    record = read_record(first)
    assert record["sound"] == str(track) and record["react"]["step"] == "pulse:0.004..0.04"
    assert record["frames"] == 4 and len(record["curves"]["curves"]["pulse"]) == 4
    assert run_cli(capsys, "zoom", photo, "-o", again, "--like", first, "-q")[0] == 0
    with av.open(str(first)) as one, av.open(str(again)) as other:
        video = [frame.to_ndarray(format="rgb24") for frame in one.decode(video=0)]
        repeated = [frame.to_ndarray(format="rgb24") for frame in other.decode(video=0)]
    assert len(video) == 4 and all(np.array_equal(a, b) for a, b in zip(video, repeated, strict=True))
    starts = {}
    for kind in ("audio", "video"):
        with av.open(str(first)) as clip:
            starts[kind] = min(packet.pts * packet.time_base for packet in clip.demux(**{kind: 0}) if packet.size)
    assert abs(starts["audio"] - starts["video"]) < 1 / 4  # within one frame (AAC's priming: 21 ms before)
    with av.open(str(first)) as clip:
        assert abs(clip.streams.audio[0].duration * clip.streams.audio[0].time_base - 1) < 0.05


@pytest.mark.parametrize(("args", "message"), [
    (["--react", "zoom=motion:1..1.1"], "--react follows a sound: give one with --sound"),
    (["--sound", "{track}", "--react", "blok10=low:0..1"], "'blok10' is not a number this clip has or a layer"),
    (["--sound", "{track}", "--react", "zoom=wobble:1..2"], "no curve 'wobble'"),
    (["--sound", "{track}", "--start", "60"], "less than the start 60 s"),
    (["--sound", "{silent}"], "the sound is silent"),
    (["--sound", "{broken}"], "broken.mp3"),
])
def test_bad_music_is_one_line_and_writes_nothing(track, tmp_path, capsys, args, message):
    import soundfile as sf

    photo = tmp_path / "photo.jpg"
    small_photo("chelsea", width=96).save(photo)
    sf.write(tmp_path / "silent.wav", np.zeros(8000, np.float32), 8000)
    (tmp_path / "broken.mp3").write_bytes(b"no sound here" * 50)
    names = {"track": track, "silent": tmp_path / "silent.wav", "broken": tmp_path / "broken.mp3"}
    status, _, err = run_cli(capsys, "zoom", photo, "-o", tmp_path / "out.mp4", "-q",
                             *[arg.format(**names) for arg in args])
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.mp4").exists() and not list(tmp_path.glob(".out.mp4*"))


def test_a_dreamed_video_follows_another_sound(track, tmp_path, capsys):
    from deepdreamer.animate.flicker import input_motion, warping_errors

    from .clips import pan, write_clip

    source = pan(count=24, size=(192, 128), step=1)
    clip = write_clip(tmp_path / "pan.mp4", source)  # 2 s at 12 fps
    out = tmp_path / "dream.mp4"
    status, _, err = run_cli(capsys, "video", clip, "-o", out, "--sound", track, "--start", "5", "--react", "auto",
                             "--iterations", "4", "--octaves", "1", "--seed", "2", "-q")
    assert status == 0, err
    record = read_record(out)
    assert record["react"]["iterations"] == "pulse:2..6" and len(record["curves"]["curves"]["pulse"]) == 24
    with av.open(str(out)) as container:
        dreams = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert abs(audio.duration * audio.time_base - 2) < 0.05  # the click track's 2 s from 5 s, not the clip's
    change = np.array(warping_errors(dreams, input_motion(source)))
    figures = sync_figures(change, type("Curves", (), {"__getitem__": lambda _, name: np.asarray(
        record["curves"]["curves"][name])})())
    assert figures["r"] >= 0.5, figures
