"""The server's temporary folder: uploads checked completely, named by the server, removed with the session."""

from __future__ import annotations

import io
import time
from fractions import Fraction

import pytest
from PIL import Image

import deepdreamer as dd
from deepdreamer.errors import DeepDreamError
from deepdreamer.web.workspace import IDLE_SECONDS, PREVIEWS_KEPT, UploadLimits, Workspace


@pytest.fixture
def workspace(tmp_path):
    made = Workspace(UploadLimits(max_bytes=100_000, max_pixels=500_000, max_video_seconds=2, max_video_frames=20),
                     parent=tmp_path)
    yield made
    made.close()


def uploaded(workspace: Workspace, data: bytes, name: str = "Client's photo.png"):
    """A file where Gradio puts an upload: a folder of its own, the client's name."""
    folder = workspace.root / "0123abcd"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_upload_is_decoded_kept_under_a_server_name_and_the_clients_copy_deleted(workspace):
    upload = uploaded(workspace, dd.example_path("chelsea").read_bytes(), "my cat (1).jpg")
    picture = workspace.check_upload(upload)
    assert picture.image.size == (451, 300)
    assert not upload.exists() and not upload.parent.exists()
    session = workspace.session("browser-hash")
    kept = session.keep(picture, "photo")
    assert kept.parent == session.folder and kept.name == "photo-1.png"
    assert session.folder.parent == workspace.root / "sessions" and "browser-hash" not in str(session.folder)
    assert workspace.session("browser-hash") is session


@pytest.mark.parametrize(("data", "message"), [
    (b"hello, not a picture", "not an image this page can read"),
    (png((1000, 600)), "1000x600, 0.6 megapixels, above this page's limit of 0.5"),
    (dd.example_path("coffee").read_bytes()[:30_000], "cannot be read: truncated"),
    (b"\x89PNG" + bytes(200_000), "0.2 MB, above this page's limit of 0.1 MB"),
])
def test_bad_uploads_get_one_line_and_leave_nothing(workspace, data, message):
    upload = uploaded(workspace, data)
    with pytest.raises(DeepDreamError, match=message) as refused:
        workspace.check_upload(upload)
    assert str(upload) not in str(refused.value)  # the server's paths stay on the server
    assert [path for path in workspace.root.rglob("*") if path.is_file()] == []


def test_only_uploads_are_read_never_other_files(workspace, tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(png((10, 10)))
    kept = workspace.session("other").keep(dd.read_image(dd.example_path("chelsea")), "photo")
    for path in (outside, kept, workspace.root / "upload.png"):
        path.write_bytes(png((10, 10)))
        with pytest.raises(DeepDreamError, match="not uploaded to this page"):
            workspace.check_upload(path)
        assert path.exists()


def test_only_the_newest_previews_stay(workspace):
    session = workspace.session("s")
    paths = [session.preview(Image.new("RGB", (8, 8))) for _ in range(PREVIEWS_KEPT + 2)]
    assert [path.exists() for path in paths] == [False, False] + [True] * PREVIEWS_KEPT
    assert paths[-1].suffix == ".jpg"


def test_stop_reaches_every_job_of_the_session_running_or_queued(workspace):
    session = workspace.session("s")
    session.new_job()
    session.new_job()
    running = session.start_job()
    session.stop()
    queued = session.start_job()
    assert running.is_set() and queued.is_set()
    session.end_job(running)
    session.end_job(queued)
    session.new_job()
    assert not session.start_job().is_set()  # a new job after Stop runs


def test_a_closed_session_stops_its_job_and_loses_its_files_once_the_job_stopped(workspace):
    session = workspace.session("closing")
    session.new_job()
    stop = session.start_job()
    session.keep(dd.read_image(dd.example_path("chelsea")), "photo")
    other = workspace.session("staying")
    other.keep(dd.read_image(dd.example_path("coffee")), "photo")
    workspace.end("closing")
    assert stop.is_set() and session.folder.exists()  # the job is finishing its step: it may still write
    session.end_job(stop)
    workspace.sweep()
    assert not session.folder.exists() and other.folder.exists()
    assert workspace.session("closing") is not session  # a reload gets a new, empty session
    other_job = other.start_job()
    workspace.close()
    assert not workspace.root.exists() and other_job.is_set()


def test_the_sweep_ends_sessions_whose_tab_gradio_saw_closed_or_that_were_idle_a_day(workspace):
    sessions = {key: workspace.session(key) for key in ("closed", "idle", "open", "working")}
    for session in sessions.values():
        session.keep(dd.read_image(dd.example_path("chelsea")), "photo")
    sessions["working"].new_job()
    working = sessions["working"].start_job()
    later = time.monotonic() + IDLE_SECONDS + 1
    sessions["open"].last_used = sessions["working"].last_used = later  # requests since
    workspace.sweep(closed=lambda key: key == "closed", now=later + 1)
    assert {key: session.folder.exists() for key, session in sessions.items()} == \
        {"closed": False, "idle": False, "open": True, "working": True}
    assert not working.is_set()  # busy sessions that are neither closed nor idle keep their jobs


def test_the_background_sweep_removes_a_closed_tabs_files_within_a_few_sweeps(workspace):
    session = workspace.session("gone")
    session.keep(dd.read_image(dd.example_path("chelsea")), "photo")
    workspace.sweep_every(0.05, closed=lambda key: key == "gone")
    deadline = time.monotonic() + 5
    while session.folder.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not session.folder.exists()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Tiny clips made with PyAV: a good one with sound, too long, too many frames, too big, sound only, cut."""
    pytest.importorskip("av", reason="the video extra is not installed")
    from ..animate.clips import pan, write_clip, write_tone

    folder = tmp_path_factory.mktemp("clips")
    good = write_clip(folder / "good.mp4", pan(4), sound="aac")
    made = {"good": good.read_bytes(),
            "long": write_clip(folder / "long.mp4", pan(3), time_base=Fraction(3, 2)).read_bytes(),  # 4.5 s
            "many": write_clip(folder / "many.mp4", pan(24), time_base=Fraction(1, 24)).read_bytes(),  # 1 s
            "wide": write_clip(folder / "wide.mp4", [np_frame((1000, 600))]).read_bytes(),
            "sound": write_tone(folder / "tone.m4a").read_bytes()}
    made["cut"] = made["good"][: len(made["good"]) // 2]
    return made


def np_frame(size):
    import numpy as np

    return np.full((size[1], size[0], 3), 128, np.uint8)


def test_a_video_upload_is_read_through_kept_under_a_server_name_and_the_clients_copy_deleted(workspace, clips):
    upload = uploaded(workspace, clips["good"], "my holiday (2).mp4")
    session = workspace.session("browser")
    info = workspace.check_video(upload, session)
    assert (info.frame_count, info.sound) == (4, "aac")
    assert info.path.parent == session.folder and info.path.name == "clip-1.mp4"
    assert info.path.read_bytes() == clips["good"]
    assert not upload.exists() and not upload.parent.exists()


@pytest.mark.parametrize(("name", "message"), [
    ("long", r"lasts 4.5 s, above this page's limit of 2 s \(short clips only\)$"),
    ("many", r"has 24 frames, above this page's limit of 20 \(short clips only\)$"),
    ("wide", "cannot be used: frames of 1000x600 are above the limit of 500,000 pixels$"),
    ("sound", "cannot be used: holds only sound, no video stream"),
    ("cut", "cannot be used: .*cut short"),
    ("text", "cannot be used: not a video FFmpeg can read"),
])
def test_bad_video_uploads_get_one_line_and_leave_nothing(workspace, clips, name, message):
    upload = uploaded(workspace, clips.get(name, b"hello, not a video"), "clip.mp4")
    with pytest.raises(DeepDreamError, match=message) as refused:
        workspace.check_video(upload, workspace.session("s"))
    assert str(upload) not in str(refused.value) and "\n" not in str(refused.value)
    assert [path for path in workspace.root.rglob("*") if path.is_file()] == []


def test_a_video_over_the_byte_limit_is_refused_before_it_is_read(workspace):
    upload = uploaded(workspace, bytes(200_000), "big.mp4")
    with pytest.raises(DeepDreamError, match=r"0\.2 MB, above this page's limit of 0\.1 MB"):
        workspace.check_video(upload, workspace.session("s"))
    assert not upload.exists()


def test_only_uploaded_videos_are_read_and_odd_suffixes_are_not_kept(workspace, clips, tmp_path):
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(clips["good"])
    with pytest.raises(DeepDreamError, match="not uploaded to this page"):
        workspace.check_video(outside, workspace.session("s"))
    assert outside.exists()
    info = workspace.check_video(uploaded(workspace, clips["good"], "clip.<script>"), workspace.session("s"))
    assert info.path.name == "clip-1.video"


def test_a_download_is_named_after_the_upload_with_only_safe_characters():
    from deepdreamer.web.workspace import download_name

    assert download_name("my cat (1).jpg", "photo") == "my_cat_1"
    assert download_name("../../etc/passwd", "photo") == "passwd"
    assert download_name("日本.png", "photo") == "photo" and download_name(None, "video") == "video"
    assert len(download_name("x" * 300 + ".png", "photo")) == 40
