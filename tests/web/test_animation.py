"""The Zoom and Video tabs' settings and files, without a browser."""

from __future__ import annotations

import sys

import pytest
from PIL import Image

from deepdreamer.errors import DeepDreamError
from deepdreamer.web import animation


def test_the_defaults_are_the_commands():
    from deepdreamer.animate import video, zoom

    assert animation.ZOOM_ITERATIONS == zoom.ZOOM_ITERATIONS
    assert animation.VIDEO_ITERATIONS == video.VIDEO_ITERATIONS
    from deepdreamer.cli import animate

    assert animation.TEMPORAL_MODES == animate.TEMPORAL_MODES


def test_zoom_settings_are_checked_against_the_pages_limits():
    chosen = animation.zoom_settings(3, "1.1", 2, 64.0, 1, " 7 ")
    assert chosen == animation.ZoomSettings(3, 1.1, 2.0, 64, 1, 7)
    assert animation.zoom_settings(24, 1.05, 0, 320, 5, "").seed is None
    for boxes, message in [
        ((animation.ZOOM_MAX_FRAMES + 1, 1.05, 0, 320, 5, ""), "frames must be a whole number from 1 to 120"),
        ((2.5, 1.05, 0, 320, 5, ""), "frames must be a whole number"),
        ((24, 3, 0, 320, 5, ""), "zoom per frame must be from 0.5 to 2"),
        ((24, None, 0, 320, 5, ""), "zoom per frame must be a number"),
        ((24, 1.05, float("nan"), 320, 5, ""), "rotate must be a finite number"),
        ((24, 1.05, 0, 2000, 5, ""), "the longest side must be a whole number from 32 to 640"),
        ((24, 1.05, 0, 320, 0, ""), "iterations must be a whole number 1 or more"),
        ((24, 1.05, 0, 320, 5, "x"), "seed must be a whole number"),
    ]:
        with pytest.raises(DeepDreamError, match=message):
            animation.zoom_settings(*boxes)


def test_video_settings_are_checked():
    assert animation.video_settings("flow", 96, 1, "") == animation.VideoSettings("flow", 96, 1, None)
    with pytest.raises(DeepDreamError, match="temporal must be one of flow, blend, none"):
        animation.video_settings("warp", 96, 1, "")


def test_without_the_video_extra_the_tabs_say_what_to_install():
    assert animation.missing_extra(lambda name: object()) is None
    said = animation.missing_extra(lambda name: None if name == "cv2" else object())
    assert said == 'zoom and video need the video extra: pip install "deepdreamer[video]" (cv2 missing)'


def test_frames_get_even_sides_for_h264():
    assert animation.even_sides(Image.new("RGB", (65, 43))).size == (64, 42)
    even = Image.new("RGB", (64, 42))
    assert animation.even_sides(even) is even


def test_a_zoom_is_written_at_its_frame_rate_in_a_container_the_browser_plays(tmp_path):
    av = pytest.importorskip("av", reason="the video extra is not installed")
    suffix = animation.output_suffix(None)
    assert suffix == (".mp4" if "libx264" in av.codecs_available else ".webm")
    assert animation.output_suffix("vorbis") == ".webm"
    assert animation.output_suffix("pcm_s16le") == ".mkv"
    path = tmp_path / f"zoom{suffix}"
    animation.write_zoom(path, (Image.new("RGB", (64, 42), (i * 60, 0, 0)) for i in range(3)), 3, fps=24)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert sum(1 for _ in container.decode(stream)) == 3
        assert (stream.codec_context.width, stream.codec_context.height) == (64, 42)
        assert float(container.duration / 1e6) == pytest.approx(3 / 24, abs=0.01)


def test_without_the_video_extra_the_page_starts_and_the_tabs_say_what_to_install(monkeypatch, tmp_path):
    from deepdreamer.web import server

    server.quiet_environment()  # before Gradio is imported, as the server does: no analytics
    pytest.importorskip("gradio", reason="the web extra is not installed")
    from types import SimpleNamespace

    import gradio as gr

    from deepdreamer.web import app, handlers
    from deepdreamer.web.workspace import Workspace

    for name in animation.VIDEO_MODULES:
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed: find_spec says None, import fails
    monkeypatch.setattr(handlers.Page, "warm_up", lambda self: None)
    workspace = Workspace(parent=tmp_path)
    try:
        demo = app.build(workspace, device="cpu")
        widgets = {block.elem_id: block for block in demo.blocks.values() if getattr(block, "elem_id", None)}
        assert not widgets["zoom-run"].interactive and not widgets["video-run"].interactive
        assert not widgets["video-input"].interactive
        notes = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
        assert sum('pip install "deepdreamer[video]" (av and cv2 missing)' in note for note in notes) == 2
        page = handlers.Page(workspace, "cpu")
        with pytest.raises(gr.Error, match="video extra"):
            page.prepare_zoom("efficientnet_lite0", 3, 1.05, 0, 64, 1, "", SimpleNamespace(session_hash="s"))
    finally:
        workspace.close()


def test_finished_frames_wait_on_disk_and_every_record_is_passed_on(tmp_path):
    import math

    from deepdreamer.animate.frames import FrameFolder
    from deepdreamer.progress import Progress

    folder = FrameFolder(tmp_path / "frames")
    folder.path.mkdir()
    seen: list[Progress] = []
    report = animation.committing(seen.append, folder)
    for index in range(2):
        report(Progress(f"frame {index + 1}/2", 0, 1, 1, 1, 0.5, 0.1, 0.4))  # a step
        report(Progress(f"frame {index + 1}/2", 0, 1, 0, 0, math.nan, 0.2, (index + 1) / 2, octave_done=True,
                        result=Image.new("RGB", (8, 6), (index * 200, 0, 0))))
    assert len(seen) == 4 and folder.done() == 2
    assert [image.getpixel((0, 0)) for image in folder.frames(2)] == [(0, 0, 0), (200, 0, 0)]
