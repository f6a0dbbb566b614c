"""The Zoom and Video tabs' settings, and a clip's record back into them, without a browser."""

from __future__ import annotations

import sys

import pytest
from PIL import Image

from deepdreamer.errors import DeepDreamError
from deepdreamer.web import animation


def test_zoom_boxes_are_checked_against_the_pages_limits_and_made_into_the_renderers_settings():
    chosen = animation.zoom_boxes(3, "1.1", 2, 64.0, 1, " 7 ")
    assert chosen == animation.ZoomBoxes(3, 1.1, 2.0, 64, 1, 7)
    assert animation.zoom_boxes(24, 1.05, 0, 320, 5, "").seed is None
    settings = chosen.settings("efficientnet_lite0", "", 7)
    assert (settings.frames, settings.zoom, settings.rotate, settings.size, settings.iterations, settings.seed,
            settings.preset) == (3, 1.1, 2.0, 64, 1, 7, None)
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
            animation.zoom_boxes(*boxes)


def test_video_boxes_are_checked():
    assert animation.video_boxes("flow", 96, 1, "") == animation.VideoBoxes("flow", 96, 1, None)
    with pytest.raises(DeepDreamError, match="temporal must be one of flow, blend, none"):
        animation.video_boxes("warp", 96, 1, "")


def _clip_record(kind, **values):
    return {"deepdreamer": "0.1.0", "record": kind, "model": "efficientnet_lite0", "preset": None, "seed": 9,
            **values}


def test_a_clips_record_comes_back_into_its_tabs_boxes():
    zoom = animation.from_record(_clip_record("zoom", frames=30, zoom="1.1", rotate="2", iterations="3", size=128,
                                              num_octaves=2))
    assert (zoom.kind, zoom.boxes, zoom.notes) == ("zoom", {"frames": 30, "zoom": 1.1, "rotate": 2.0, "side": 128,
                                                            "iterations": 3, "seed": "9"}, [])
    assert list(zoom.boxes) == list(animation.ZOOM_BOXES)
    video = animation.from_record(_clip_record("video", temporal="blend", size=None, iterations=4,
                                               layers={"block8": 2.0}, num_octaves=3))
    assert video.boxes == {"temporal": "blend", "side": animation.SIDE, "iterations": 4, "seed": "9"}
    assert video.notes == ["its layers (block8=2) is not set by this page: repeat it with 'deepdreamer video --like' "
                           "for that"]
    with pytest.raises(DeepDreamError, match="its zoom per frame follows keyframes"):
        animation.from_record(_clip_record("zoom", zoom="0:1.02,9:1.1"))
    with pytest.raises(DeepDreamError, match="not a zoom's or a dreamed video's"):
        animation.from_record(_clip_record("dream"))


def test_without_the_video_extra_the_tabs_say_what_to_install():
    assert animation.missing_extra(lambda name: object()) is None
    said = animation.missing_extra(lambda name: None if name == "cv2" else object())
    assert said == 'zoom and video need the video extra: pip install "deepdreamer[video]" (cv2 missing)'


def test_frames_get_even_sides_for_h264():
    assert animation.even_sides(Image.new("RGB", (65, 43))).size == (64, 42)
    even = Image.new("RGB", (64, 42))
    assert animation.even_sides(even) is even


def test_clips_are_written_in_a_container_the_browser_plays():
    av = pytest.importorskip("av", reason="the video extra is not installed")
    assert animation.output_suffix(None) == (".mp4" if "libx264" in av.codecs_available else ".webm")
    assert animation.output_suffix("vorbis") == ".webm"
    assert animation.output_suffix("pcm_s16le") == ".mkv"


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
        assert not any(widgets[name].interactive for name in ("zoom-run", "video-run", "music-run"))
        assert not widgets["video-input"].interactive and not widgets["music-sound"].interactive
        notes = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
        assert sum('pip install "deepdreamer[video]" (av and cv2 missing)' in note for note in notes) == 3
        page = handlers.Page(workspace, "cpu")
        with pytest.raises(gr.Error, match="video extra"):
            page.prepare_zoom("efficientnet_lite0", 3, 1.05, 0, 64, 1, "", SimpleNamespace(session_hash="s"))
    finally:
        workspace.close()
