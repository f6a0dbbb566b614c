"""``deepdreamer zoom`` and ``deepdreamer video`` end to end: timing, sound and rotation kept, resume equals an
uninterrupted run, bad files are one line with nothing written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from deepdreamer.animate import video_io
from deepdreamer.cli import main

from ..animate.clips import pan, sound_packets, video_times, write_clip
from ..conftest import small_photo

FAST = ["--iterations", "2", "--octaves", "1", "--seed", "3", "-q"]


pytestmark = pytest.mark.usefixtures("one_thread")


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def frames_of(path: Path) -> list[np.ndarray]:
    info = video_io.probe_video(path)
    return [frame.pixels for frame in video_io.read_frames(info)]


def test_a_video_keeps_its_frames_timing_rotation_and_sound(tmp_path, capsys):
    # 160x128: the default layers' maps (stride 16) are larger than the seed's 2-position border on each side
    source = write_clip(tmp_path / "pan.mp4", pan(6, size=(160, 128)), time_base=Fraction(1, 1000),
                        pts=[0, 80, 170, 250, 400, 430], rotation=90, sound="aac")
    out = tmp_path / "dream.mp4"
    assert main(["video", str(source), "-o", str(out), *FAST]) == 0, capsys.readouterr().err
    before, after = video_io.probe_video(source), video_io.probe_video(out)
    assert after.frame_count == 6 and video_times(out) == video_times(source)  # a variable frame rate kept
    assert after.rotation == before.rotation == 90 and (after.width, after.height) == (before.width, before.height)
    assert sound_packets(out) == sound_packets(source)  # copied untouched
    assert files_in(tmp_path) == {"pan.mp4", "dream.mp4"}  # the work folder is gone
    changed = np.abs(np.stack(frames_of(out)).astype(float) - np.stack(frames_of(source))).mean()
    assert changed > 2  # dreamed (2 steps on 160x128 pixels), not copied


def test_an_interrupted_video_resumes_to_the_uninterrupted_result(tmp_path):
    source = write_clip(tmp_path / "pan.mp4", pan(8, size=(128, 96)))
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"  # folders of PNG frames: compared exactly
    command = [sys.executable, "-m", "deepdreamer", "video", str(source), "--iterations", "3", "--octaves", "2",
               "--seed", "3", "-q"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    work = tmp_path / ".resumed.frames"
    process = subprocess.Popen([*command, "-o", str(resumed)], env=env, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not (work / "000002.png").exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    assert "run the same command again to go on" in err and not resumed.exists()
    assert 3 <= len(list(work.glob("*.png"))) < 8
    assert subprocess.run([*command, "-o", str(resumed)], env=env).returncode == 0
    assert subprocess.run([*command, "-o", str(whole)], env=env).returncode == 0
    names = sorted(p.name for p in whole.iterdir())
    assert len(names) == 8 and names == sorted(p.name for p in resumed.iterdir())
    for name in names:
        assert (whole / name).read_bytes() == (resumed / name).read_bytes()


def _audio_only(folder: Path) -> Path:
    import av

    path = folder / "tone.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), format="fltp", layout="mono")
        frame.rate = 16000
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


BAD_VIDEOS = {
    "missing": lambda d: [d / "nope.mp4"],
    "not a video": lambda d: [_text(d)],
    "sound only": lambda d: [_audio_only(d)],
    "cut short": lambda d: [_cut(d)],
    "frames too large": lambda d: [write_clip(d / "big.mp4", pan(2)), "--max-pixels", "1000"],
    "bad output type": lambda d: [write_clip(d / "ok.mp4", pan(2)), "-o", d / "out.avi"],
}


def _text(folder: Path) -> Path:
    path = folder / "notes.mp4"
    path.write_text("not a video")
    return path


def _cut(folder: Path) -> Path:
    path = write_clip(folder / "cut.mp4", pan(6))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


@pytest.mark.parametrize("case", list(BAD_VIDEOS))
def test_bad_videos_are_one_line_exit_2_and_nothing_written(tmp_path, capsys, case):
    args = BAD_VIDEOS[case](tmp_path)
    before = files_in(tmp_path)
    status = main(["video", *map(str, args), *FAST])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("deepdreamer: error: ") and err.count("\n") == 1, err
    assert files_in(tmp_path) == before


def test_a_zoom_writes_its_frames_at_its_rate(tmp_path, capsys):
    photo = tmp_path / "cat.png"
    small_photo(width=96).save(photo)
    out = tmp_path / "zoom.mp4"
    status = main(["zoom", str(photo), "-o", str(out), "--frames", "5", "--fps", "30", "--size", "64",
                   "--zoom", "0:1.05,4:1.2", "--layer", "block8=1", "--layer", "block10=0:0,4:1", "--max-memory", "2G",
                   *FAST])
    assert status == 0, capsys.readouterr().err
    info = video_io.probe_video(out)
    assert info.frame_count == 5 and video_times(out) == [Fraction(i, 30) for i in range(5)]
    assert (info.width, info.height) == (64, 42) or (info.width, info.height) == (64, 43)
    assert files_in(tmp_path) == {"cat.png", "zoom.mp4"}


@pytest.mark.parametrize("args", [
    ["--zoom", "fast"], ["--zoom", "0:1.05,3:7"], ["--translate", "1"], ["--layer", "block8=0:1,2:0"],
    ["--frames", "0"], ["--fps", "0"], ["-o", "out.avi"], ["--max-memory", "1K"], ["--max-memory", "lots"],
])
def test_bad_zoom_settings_are_one_line_exit_2(tmp_path, capsys, args):
    photo = tmp_path / "cat.png"
    small_photo(width=64).save(photo)
    status = main(["zoom", str(photo), "-o", str(tmp_path / "z.mp4"), "--frames", "4", *args, *FAST])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert files_in(tmp_path) == {"cat.png"}
