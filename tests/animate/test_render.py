"""The clip renderer: frames committed as they come, a stopped render resumed to the uninterrupted clip, the
record written into every kind of output and read back, and ``--like`` making the same frames bit for bit."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

import deepdreamer as dd
from deepdreamer.animate import video_io
from deepdreamer.animate.render import VideoSettings, ZoomSettings, render_video, render_zoom, work_folder
from deepdreamer.cli import main
from deepdreamer.errors import DeepDreamError

from ..conftest import small_photo
from .clips import pan, write_clip

ZOOM = ZoomSettings(frames=4, zoom="0:1.05,3:1.2", iterations=1, size=64, num_octaves=1, seed=3)
VIDEO = VideoSettings(size=64, iterations=2, num_octaves=1, seed=3)
FAST = ["--iterations", "1", "--octaves", "1", "-q"]


pytestmark = pytest.mark.usefixtures("one_thread")


def frames_of(folder: Path) -> list[bytes]:
    """The pixels of a folder of PNG frames, in order."""
    return [dd.read_image(path).image.tobytes() for path in sorted(folder.iterdir())]


def stop_after(frames: int) -> tuple[threading.Event, object]:
    stop = threading.Event()
    finished = []

    def progress(record):
        if record.result is not None:
            finished.append(record.result)
            if len(finished) == frames:
                stop.set()

    return stop, progress


def test_a_zoom_stopped_keeps_its_frames_and_the_same_call_ends_with_the_uninterrupted_clip(tmp_path):
    photo = small_photo(width=96)
    stop, progress = stop_after(2)
    first = render_zoom(photo, ZOOM, tmp_path / "resumed", progress=progress, stop=stop)
    work = work_folder(tmp_path / "resumed")
    assert first.stopped and first.path is None and first.frames == 2 and first.work == work
    assert sorted(p.name for p in work.glob("*.png")) == ["000000.png", "000001.png"]
    assert not (tmp_path / "resumed").exists()
    second = render_zoom(photo, ZOOM, tmp_path / "resumed")
    assert not second.stopped and second.frames == 4 and not work.exists()
    whole = render_zoom(photo, ZOOM, tmp_path / "whole")
    assert frames_of(tmp_path / "whole") == frames_of(tmp_path / "resumed")
    assert second.params == whole.params and whole.params["zoom"] == "0:1.05,3:1.2"


def test_a_work_folder_refuses_other_settings_and_keeps_the_seed_it_drew(tmp_path):
    photo = small_photo(width=96)
    stop, progress = stop_after(1)
    first = render_zoom(photo, replace(ZOOM, seed=None), tmp_path / "z.mp4", progress=progress, stop=stop)
    with pytest.raises(DeepDreamError, match=r"other settings \(iterations\); give another output"):
        render_zoom(photo, replace(ZOOM, seed=None, iterations=2), tmp_path / "z.mp4")
    again = render_zoom(photo, replace(ZOOM, seed=None), tmp_path / "z.mp4")  # no seed given: the one drawn
    assert again.params["seed"] == first.params["seed"] and video_io.read_record(tmp_path / "z.mp4") == again.params


def test_a_stopped_render_can_write_the_frames_it_made(tmp_path):
    stop, progress = stop_after(2)
    clip = render_zoom(small_photo(width=96), ZOOM, tmp_path / "part.gif", work=tmp_path / "frames",
                       write_stopped=True, progress=progress, stop=stop)
    assert clip.stopped and clip.path == tmp_path / "part.gif" and clip.frames == 2
    assert video_io.probe_video(clip.path).frame_count == 2 and not (tmp_path / "frames").exists()
    assert video_io.read_record(clip.path) == clip.params  # a GIF's comment


def test_a_video_stopped_resumes_to_the_uninterrupted_one_and_records_itself(tmp_path):
    source = video_io.probe_video(write_clip(tmp_path / "pan.mp4", pan(4), sound="aac"))
    stop, progress = stop_after(2)
    assert render_video(source, VIDEO, tmp_path / "resumed", progress=progress, stop=stop).stopped
    resumed = render_video(source, VIDEO, tmp_path / "resumed")
    render_video(source, VIDEO, tmp_path / "whole")
    assert resumed.frames == 4 and frames_of(tmp_path / "whole") == frames_of(tmp_path / "resumed")
    clip = render_video(source, VIDEO, tmp_path / "dream.mkv")
    assert video_io.read_record(clip.path) == clip.params == resumed.params
    assert clip.params["record"] == "video" and clip.params["seed"] == 3


def test_zoom_like_a_clip_makes_the_same_frames_bit_for_bit(tmp_path, capsys):
    photo = tmp_path / "cat.png"
    small_photo(width=96).save(photo)
    first = ["zoom", str(photo), "--frames", "3", "--size", "64", "--zoom", "0:1.05,2:1.1", "--layer",
             "block8=0:1,2:2", "--seed", "3", *FAST]
    assert main([*first, "-o", str(tmp_path / "a.mp4")]) == 0, capsys.readouterr().err
    assert main([*first, "-o", str(tmp_path / "a")]) == 0, capsys.readouterr().err
    assert main(["zoom", str(photo), "-o", str(tmp_path / "b"), "--like", str(tmp_path / "a.mp4"), "-q"]) == 0
    assert frames_of(tmp_path / "a") == frames_of(tmp_path / "b")
    assert video_io.read_record(tmp_path / "b") == video_io.read_record(tmp_path / "a.mp4")
    # options given win; the rest comes from the clip
    assert main(["zoom", str(photo), "-o", str(tmp_path / "c"), "--like", str(tmp_path / "a"), "--frames", "2",
                 "-q"]) == 0
    assert frames_of(tmp_path / "c") == frames_of(tmp_path / "a")[:2]


def test_video_like_a_clip_makes_the_same_frames_bit_for_bit(tmp_path, capsys):
    source = write_clip(tmp_path / "pan.mp4", pan(3))
    assert main(["video", str(source), "-o", str(tmp_path / "a.webm"), "--size", "64", "--temporal", "blend",
                 "--seed", "5", *FAST]) == 0, capsys.readouterr().err
    assert main(["video", str(source), "-o", str(tmp_path / "b"), "--like", str(tmp_path / "a.webm"), "-q"]) == 0
    assert main(["video", str(source), "-o", str(tmp_path / "c"), "--size", "64", "--temporal", "blend", "--seed",
                 "5", *FAST]) == 0
    assert frames_of(tmp_path / "b") == frames_of(tmp_path / "c")


def test_like_refuses_a_record_of_another_kind(tmp_path, capsys):
    photo = tmp_path / "cat.png"
    dd.dream(small_photo(width=64), iterations=1, num_octaves=1).save(photo)
    assert main(["zoom", str(photo), "-o", str(tmp_path / "z.mp4"), "--like", str(photo), "-q"]) == 2
    err = capsys.readouterr().err
    assert "its metadata is a picture dream's, not the settings of a zoom" in err and err.count("\n") == 1
