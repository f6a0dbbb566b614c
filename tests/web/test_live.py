"""The Live tab in a real Chromium whose camera is a clip the test writes (a .y4m file, Chromium's fake device).

One server, one browser with the fake camera: frames dreamed and counted, a control changed mid-stream, a second
visitor told the camera is busy and their dream waiting until Stop, the snapshot's record, a closed tab letting go;
and, in the browser without a camera, the one line that says so. Every request stays on 127.0.0.1.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import deepdreamer as dd
from deepdreamer.images import read_image

from .conftest import CHROMIUM, page_opener
from .test_app import fill, pick_example, wait_for

cv2 = pytest.importorskip("cv2", reason="the live path needs the video extra: pip install -e '.[video]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")

#: The fake camera: 320x240 at 15 frames a second, a pan over the cat (Chromium loops the file).
CAMERA, FPS, FRAMES = (320, 240), 15, 30


def write_y4m(path: Path, frames: list[np.ndarray], fps: int) -> Path:
    """Frames (H x W x 3 uint8 RGB) as a YUV4MPEG2 file, 4:2:0: the format Chromium's fake camera plays."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def pan_clip() -> list[np.ndarray]:
    photo = read_image(dd.example_path("chelsea")).image
    scene = np.asarray(photo.resize((480, round(photo.height * 480 / photo.width))))
    width, height = CAMERA
    top = (scene.shape[0] - height) // 2
    return [np.ascontiguousarray(scene[top:top + height, 4 * i:4 * i + width]) for i in range(FRAMES)]


@pytest.fixture(scope="module")
def camera_browser(chromium, tmp_path_factory):
    """A second Chromium of the same Playwright, whose camera plays the test's clip (and asks no permission)."""
    clip = write_y4m(tmp_path_factory.mktemp("camera") / "camera.y4m", pan_clip(), FPS)
    browser = chromium.browser_type.launch(executable_path=str(CHROMIUM), args=[
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={clip}",
        "--use-fake-ui-for-media-stream"])
    yield browser
    browser.close()


@pytest.fixture
def open_camera_page(camera_browser, page_server):
    """``open_camera_page()`` -> a fresh context (a visitor of its own) with the fake camera, on the Live tab."""
    for opener in page_opener(camera_browser, page_server):  # one page opener; the loop's end checks its requests
        yield lambda tab="Live", opener=opener: opener(tab)


def dreams_seen(page, seconds: float, until=None) -> list[tuple[str, tuple[int, int] | None]]:
    """The live dreams shown during ``seconds`` (or until ``until(seen)``): each new picture's URL and size (None if
    it was replaced before it could be fetched)."""
    seen: list[tuple[str, tuple[int, int] | None]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until(seen)):
        image = page.locator("#live-dream img")
        src = image.first.get_attribute("src") if image.count() else None
        if src and (not seen or seen[-1][0] != src):
            seen.append((src, _size(page, src)))
        time.sleep(0.03)
    return seen


def _size(page, src: str) -> tuple[int, int] | None:
    """A live picture's size; None if it is gone (the server keeps the newest few, removing one may cut a fetch)."""
    try:
        answer = page.request.get(src)
    except sync_api.Error:
        return None
    return Image.open(io.BytesIO(answer.body())).size if answer.ok else None


def start(page) -> None:
    page.click("#live-start")
    wait_for(page, ("live:",), where="#live-status", timeout=90)


def test_the_camera_is_dreamed_live_one_visitor_at_a_time(open_camera_page, page_server, tmp_path):
    first = open_camera_page()
    fill(first, {"live-size": "160"})
    start(first)
    seen = dreams_seen(first, 60, until=lambda seen: len(seen) >= 4)
    assert len(seen) >= 4, f"too few dreamed frames arrived: {seen}"
    sizes = [size for _, size in seen if size is not None]
    assert sizes and all(128 <= width <= 160 and height * 4 == width * 3 for width, height in sizes)  # the budget may
    # lower the size on a busy machine, never below 128

    fill(first, {"live-size": "128"})  # mid-stream: the next frames are smaller
    seen = dreams_seen(first, 30, until=lambda seen: seen and seen[-1][1] == (128, 96))
    assert seen and seen[-1][1] == (128, 96), f"the size change did not reach the stream: {seen}"

    first.click("#live-snapshot")
    wait_for(first, ("snapshot of frame",), where="#live-download")
    with first.expect_download() as kept:
        first.click("#live-download")
    snapshot = read_image(kept.value.path())
    assert snapshot.image.size == (128, 96)
    assert snapshot.params["record"] == "live" and snapshot.params["size"] == 128
    assert snapshot.params["model"] == "efficientnet_lite0" and snapshot.params["temporal"] == "flow"

    second = open_camera_page()  # another visitor: the camera path is taken, and a dream waits for the device
    second.click("#live-start")
    wait_for(second, ("busy",), where="#live-status")
    second.click("#live-stop")
    second.click("button[role='tab']:has-text('Dream')")
    pick_example(second)
    fill(second, {"size": "96", "num-octaves": "1", "iterations": "2", "seed": "1"})
    second.click("#dream")
    wait_for(second, ("waiting for the device",))
    time.sleep(1)
    assert "done" not in second.inner_text("#status")
    first.click("#live-stop")
    wait_for(first, ("the device is free",), where="#live-status")
    wait_for(second, ("done",), timeout=60)

    start(first)  # again; then the tab closes: the path is free for the other visitor
    assert dreams_seen(first, 30, until=lambda seen: len(seen) >= 1)
    first.context.close()
    second.click("button[role='tab']:has-text('Live')")
    second.click("#live-start")
    wait_for(second, ("live:",), where="#live-status", timeout=30)
    second.click("#live-stop")


def test_without_a_camera_the_tab_says_so_and_offers_a_clip(open_page):
    page = open_page()  # the browser of the other tests: no camera
    page.click("button[role='tab']:has-text('Live')")
    page.click("#live-start")
    line = wait_for(page, ("no camera",), where="#live-status")
    assert "Video tab" in line
    page.click("#live-clip")
    page.wait_for_selector("#video-input")


def test_without_opencv_the_tab_says_what_to_install(monkeypatch, tmp_path):
    import sys

    from deepdreamer.web import server

    server.quiet_environment()  # before Gradio is imported, as the server does: no analytics
    gr = pytest.importorskip("gradio", reason="the web extra is not installed")
    from deepdreamer.web import app, handlers
    from deepdreamer.web.workspace import Workspace

    monkeypatch.setitem(sys.modules, "cv2", None)  # as if not installed: find_spec says None
    monkeypatch.setattr(handlers.Page, "warm_up", lambda self: None)
    workspace = Workspace(parent=tmp_path)
    try:
        demo = app.build(workspace, device="cpu")
        widgets = {block.elem_id: block for block in demo.blocks.values() if getattr(block, "elem_id", None)}
        assert not widgets["live-start"].interactive
        notes = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
        assert any('the live camera needs OpenCV: pip install "deepdreamer[video]"' in note for note in notes)
    finally:
        workspace.close()
