"""End to end: the page in a real headless Chromium (Debian's), dreaming tiny pictures on the CPU.

Each test opens its own browser context (a session of its own); dreams are 1-2 octaves of a few steps on
the photo shrunk to 64-96 px, so a test takes seconds. Waits poll the page with a deadline, never sleep blind.
"""

from __future__ import annotations

import hashlib
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import deepdreamer as dd
from deepdreamer.images import read_image, shrink
from deepdreamer.models import catalog

from .conftest import session_files

#: A short, small dream: 2 octaves of 10 steps on the photo shrunk to 96 px (0.5 s on 2 idle cores).
# 160 px: the default layers' maps (stride 16) outlast the seed's 2-position border crop at both octaves
SHORT = {"size": "160", "num-octaves": "2", "iterations": "10", "seed": "7"}
#: A dream far too long to finish during a test: for Stop and for closing the tab.
ENDLESS = {"size": "64", "num-octaves": "2", "iterations": "100000"}
RUNNING = ("step",)


def fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f"#{name} input, #{name} textarea").first.fill(value)


def field(page, name: str) -> str:
    return page.locator(f"#{name} input, #{name} textarea").first.input_value()


def wait_for(page, words: tuple[str, ...], where: str = "#status", timeout: float = 90) -> str:
    """Wait until the text of ``where`` (a widget's value for a name: ``layers``) holds one of ``words``."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = page.inner_text(where) if where.startswith("#") else field(page, where)
        if any(word in text for word in words):
            return text
        time.sleep(0.02)
    raise AssertionError(f"{where} never said any of {words} in {timeout} s; it says {text!r}")


def upload(page, path: Path | str, selector: str = "#input-image") -> None:
    page.set_input_files(f"{selector} input[type=file]", str(path))


def pick_example(page, name: str = "chelsea") -> None:
    page.click(f"#example label:has-text('{name}')")
    wait_for(page, ("photo ready",))


def dream_until(page, words: tuple[str, ...], timeout: float = 90) -> str:
    """Press Dream (again, if a job that just ended still holds the button) and wait for ``words``."""
    deadline = time.monotonic() + timeout
    while True:
        page.click("#dream")
        try:
            return wait_for(page, words, timeout=min(5, deadline - time.monotonic()))
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def toast(page, words: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = page.locator(".toast-body").all_inner_texts()
        if any(words in text for text in texts):
            return next(text for text in texts if words in text)
        time.sleep(0.05)
    raise AssertionError(f"no message with {words!r}; toasts: {page.locator('.toast-body').all_inner_texts()}")


def download(page, folder: Path, name: str = "dream.png", button: str = "#download") -> Path:
    with page.expect_download() as started:
        page.click(button)
    path = folder / name
    started.value.save_as(path)
    return path


def test_dream_shows_live_pictures_and_downloads_its_record(open_page, tmp_path):
    page = open_page()
    upload(page, dd.example_path("chelsea"))
    wait_for(page, ("photo ready: 451x300",))
    fill(page, SHORT)
    page.click("#dream")
    pictures: dict[str, str] = {}  # live picture URL -> hash of its pixels
    deadline = time.monotonic() + 90
    while "done" not in page.inner_text("#status") and time.monotonic() < deadline:
        image = page.locator("#output-image img")
        src = image.first.get_attribute("src") if image.count() else None
        if src and "preview-" in src and src not in pictures:
            pictures[src] = hashlib.sha256(page.request.get(src).body()).hexdigest()
        time.sleep(0.01)
    assert "done" in page.inner_text("#status")
    assert len(set(pictures.values())) >= 2, f"fewer than two different live pictures: {pictures}"
    assert page.locator("#compare img").count() == 2  # before and after

    dreamed = read_image(download(page, tmp_path))
    record = dreamed.params
    assert record["record"] == "dream" and record["model"] == "efficientnet_lite0"
    assert (record["num_octaves"], record["iterations"], record["seed"]) == (2, 10, 7)
    assert record["layers"] == {"block8": 1.0, "block10": 1.0}
    photo = shrink(read_image(dd.example_path("chelsea")).image, 160)
    assert dreamed.image.size == photo.size == (160, 106)
    change = np.abs(np.asarray(dreamed.image, float) - np.asarray(photo, float)).mean()
    assert change > 5, f"the dream is too close to the photo ({change:.1f} levels)"


def test_stop_ends_the_dream_within_two_seconds_and_keeps_it(open_page, tmp_path):
    page = open_page()
    pick_example(page)
    fill(page, ENDLESS)
    dream_until(page, RUNNING)
    time.sleep(0.5)
    page.click("#stop")
    pressed = time.monotonic()
    said = wait_for(page, ("stopped",), timeout=10)
    assert time.monotonic() - pressed < 2, f"'{said}' came {time.monotonic() - pressed:.1f} s after Stop"
    assert "kept what was dreamed" in said
    assert read_image(download(page, tmp_path)).params["iterations"] == 100000  # what was dreamed, downloadable

    fill(page, {"iterations": "1", "num-octaves": "1"})
    assert "done" in dream_until(page, ("done",))


def test_a_non_image_and_too_big_uploads_are_refused_and_nothing_is_kept(open_page, page_server, tmp_path):
    page = open_page()
    before = set(session_files(page_server))
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    upload(page, text)
    assert "not an image" in toast(page, "not an image")
    wide = tmp_path / "wide.png"
    Image.new("RGB", (1200, 1000), (90, 120, 200)).save(wide)  # 1.2 MP: over the tests' 1 MP, under 300 kB
    upload(page, wide)
    assert "1.2 megapixels, above this page's limit of 1" in toast(page, "megapixels")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(dd.example_path("coffee").read_bytes()[:20_000])
    upload(page, truncated)
    assert "truncated" in toast(page, "cannot be read")
    noise = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (400, 400, 3), dtype=np.uint8)).save(noise)
    upload(page, noise)  # 480 kB: the browser refuses it before sending, and the server would answer 413
    toast(page, "exceed the maximum allowed size")
    assert "error" in page.inner_html("#status")
    assert set(session_files(page_server)) == before, "a refused upload left a file on the server"
    page.click("#dream")
    toast(page, "upload a photo")


def test_two_sessions_share_the_device_and_the_second_sees_its_queue_place(open_page):
    first, second = open_page(), open_page()
    for page, iterations in ((first, "60"), (second, "2")):  # the first: seconds on idle cores
        pick_example(page)
        fill(page, {**SHORT, "iterations": iterations})
    dream_until(first, RUNNING)
    second.click("#dream")
    wait_for(second, ("queue: 1/1",), where="#output-image", timeout=30)
    assert "step" in first.inner_text("#status")  # the first one is dreaming meanwhile
    wait_for(first, ("done",))
    first_done = time.monotonic()
    wait_for(second, ("done",))
    assert time.monotonic() >= first_done


def test_closing_the_tab_stops_its_dream_and_removes_its_files(open_page, page_server):
    sessions = page_server.workspace.root / "sessions"
    known = set(sessions.iterdir()) if sessions.exists() else set()
    leaving = open_page()
    pick_example(leaving)
    fill(leaving, ENDLESS)
    dream_until(leaving, RUNNING)
    (folder,) = set(sessions.iterdir()) - known
    leaving.context.close()
    staying = open_page()
    pick_example(staying)
    fill(staying, SHORT)
    assert "done" in dream_until(staying, ("done",), timeout=60)
    deadline = time.monotonic() + 30  # the tab's heartbeat (2 s) breaks, then the unload event or the sweep
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not folder.exists(), "the closed tab's files are still there after 30 s"
    root = page_server.workspace.root
    assert [path for path in root.rglob("*") if path.is_file() and path.relative_to(root).parts[0] != "sessions"] \
        == [], "files outside the sessions' folders (uploads are moved or deleted)"


def test_repeat_restores_every_setting_of_a_downloaded_dream(open_page, tmp_path):
    page = open_page()
    pick_example(page)
    page.click("#preset input")
    page.click("li[aria-label='patterns']")
    wait_for(page, ("block5",), where="layers")
    settings = {"layers": "block5=1.5, block7=0.5", "num-octaves": "1", "octave-scale": "1.3", "iterations": "2",
                "step": "0.02", "jitter": "8", "laplacian-levels": "2", "smoothing": "0.5", "seed": "11",
                "size": "64"}
    fill(page, settings)
    page.get_by_text("Guide, colours, mask").click()
    page.check("#keep-colors input")
    dream_until(page, ("done",))
    dreamed = download(page, tmp_path)

    page.reload()
    page.wait_for_selector("#dream")
    assert field(page, "layers") == "block8=1, block10=1"
    page.click("button[role=tab]:has-text('Repeat')")
    upload(page, dreamed, "#repeat-file")
    wait_for(page, ("settings restored",))
    assert page.locator("button[role=tab][aria-selected=true]").inner_text() == "Dream"
    del settings["size"]  # not in the record: a repeat dreams the photo as it is
    assert {name: field(page, name) for name in settings} == settings
    assert field(page, "preset") == "patterns"
    page.get_by_text("Guide, colours, mask").click()
    assert page.locator("#keep-colors input").is_checked()


def test_explore_grid_then_a_click_dreams_the_whole_photo_with_that_mix(open_page, tmp_path):
    page = open_page()
    pick_example(page)
    fill(page, {"num-octaves": "1", "iterations": "2"})
    page.click("button[role=tab]:has-text('Explore')")
    fill(page, {"explore-count": "2", "explore-seed": "5", "explore-size": "64"})
    page.click("#explore-run")
    wait_for(page, ("done, 2 dreams",), where="#explore-status")
    tiles = page.locator("#explore-grid button.thumbnail-item")
    assert tiles.count() == 2
    caption = page.locator("#explore-grid .caption-label").first.inner_text()
    tiles.first.click()
    wait_for(page, ("done",))
    assert page.locator("button[role=tab][aria-selected=true]").inner_text() == "Dream"
    mix = caption.partition(": ")[2]
    assert field(page, "layers") == mix
    dreamed = read_image(download(page, tmp_path))
    assert dreamed.image.size == (451, 300)  # the whole photo
    assert dreamed.params["layers"] == {name: float(weight) for name, weight in
                                        (item.split("=") for item in mix.split(", "))}


def test_layer_previews_show_one_dream_per_layer(open_page):
    page = open_page()
    pick_example(page)
    fill(page, {"num-octaves": "1", "iterations": "1"})
    page.click("button[role=tab]:has-text('Layers')")
    fill(page, {"layers-size": "32"})
    page.click("#layers-run")
    wait_for(page, ("done",), where="#layers-status", timeout=120)
    layers = len(catalog.entry("efficientnet_lite0")["layers"])
    assert page.locator("#layers-grid button.thumbnail-item").count() == layers


def test_models_without_weights_are_listed_with_the_reason_and_refused(open_page):
    page = open_page()
    pick_example(page)
    page.click("#model input")
    option = page.locator("li[aria-label='inception_v3 (unavailable: weights missing)']")
    option.click()
    note = wait_for(page, ("Unavailable",), where="#model-note")
    assert "inception_v3_google-0cc3c7bd.pth" in note and "checkpoints" in note
    page.click("#dream")
    toast(page, "inception_v3 is unavailable")


def test_a_class_is_found_by_typing_part_of_its_name(open_page):
    page = open_page()
    page.click("#target label:has-text('an ImageNet class')")
    page.locator("#class-name input").press_sequentially("golden retr")
    option = page.locator("#class-name li[aria-label='golden retriever']")
    option.wait_for()
    assert page.locator("#class-name li").count() < 5


def clip_frames(page, selector: str, folder: Path, name: str) -> Path:
    """The clip a ``<video>`` shows, fetched through the page's own URL, once the browser has decoded it."""
    page.wait_for_function(f"document.querySelector('{selector} video')?.readyState >= 2", timeout=30_000)
    src = page.locator(f"{selector} video").first.get_attribute("src")
    path = folder / name
    path.write_bytes(page.request.get(src).body())
    return path


def frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


def test_zoom_shows_live_frames_then_a_clip_the_browser_plays(open_page, tmp_path):
    page = open_page()
    pick_example(page)
    page.click("button[role=tab]:has-text('Zoom')")
    fill(page, {"zoom-frames": "3", "zoom-size": "64", "zoom-iterations": "1", "zoom-seed": "3"})
    page.click("#zoom-run")
    live: set[str] = set()
    deadline = time.monotonic() + 90
    while "done" not in page.inner_text("#zoom-status") and time.monotonic() < deadline:
        image = page.locator("#zoom-preview img")
        src = image.first.get_attribute("src") if image.count() else None
        if src and "preview-" in src:
            live.add(src)
        time.sleep(0.01)
    assert "done, 3 frames" in page.inner_text("#zoom-status")
    assert live, "no live frame was shown"
    clip = clip_frames(page, "#zoom-result", tmp_path, "shown.mp4")
    assert frame_count(clip) == 3
    downloaded = download(page, tmp_path, "zoom.mp4", "#zoom-download")
    assert downloaded.read_bytes() == clip.read_bytes()
    repeat_clip(page, downloaded, "Zoom")
    assert {name: field(page, f"zoom-{name}") for name in ("frames", "size", "iterations", "seed")} == {
        "frames": "3", "size": "64", "iterations": "1", "seed": "3"}


def repeat_clip(page, clip: Path, tab: str) -> None:
    """Drop ``clip`` on a fresh page's Repeat tab: its settings come back in ``tab``, which is shown."""
    page.reload()
    page.wait_for_selector("#dream")
    page.click("button[role=tab]:has-text('Repeat')")
    upload(page, clip, "#repeat-file")
    wait_for(page, ("settings restored from the dropped clip",))
    assert page.locator("button[role=tab][aria-selected=true]").inner_text() == tab


def test_zoom_stop_keeps_the_frames_made_so_far(open_page, page_server, tmp_path):
    page = open_page()
    pick_example(page)
    page.click("button[role=tab]:has-text('Zoom')")
    fill(page, {"zoom-frames": "120", "zoom-size": "32", "zoom-iterations": "1"})
    page.click("#zoom-run")
    wait_for(page, ("frame 3/120",), where="#zoom-status")
    page.click("#zoom-stop")
    said = wait_for(page, ("stopped",), where="#zoom-status", timeout=10)
    made = int(said.split("kept the ")[1].split(" of 120")[0])
    assert 2 <= made < 120
    assert frame_count(clip_frames(page, "#zoom-result", tmp_path, "stopped.mp4")) == made
    assert not list(page_server.workspace.root.rglob("frames-*")), "the frames waiting for the clip are still there"


def test_a_video_is_dreamed_with_its_frames_and_sound(open_page, tmp_path):
    from ..animate.clips import pan, sound_packets, write_clip

    source = write_clip(tmp_path / "pan.mp4", pan(4), sound="aac")
    page = open_page()
    page.click("button[role=tab]:has-text('Video')")
    upload(page, source, "#video-input")
    wait_for(page, ("video ready: 96x64, 4 frames, 0.3 s, sound (aac)",), where="#video-status")
    fill(page, {"video-size": "64", "video-iterations": "1", "video-seed": "5"})
    page.click("#video-temporal label:has-text('blend')")
    page.click("#video-run")
    wait_for(page, ("done, 4 frames",), where="#video-status")
    dreamed = clip_frames(page, "#video-result", tmp_path, "dreamed.mp4")
    assert frame_count(dreamed) == 4
    assert sound_packets(dreamed) == sound_packets(source)
    repeat_clip(page, download(page, tmp_path, "video.mp4", "#video-download"), "Video")
    assert {name: field(page, f"video-{name}") for name in ("size", "iterations", "seed")} == {
        "size": "64", "iterations": "1", "seed": "5"}
    assert page.locator("#video-temporal label:has-text('blend') input").is_checked()


def test_a_non_video_and_a_too_long_clip_are_refused_and_nothing_is_kept(open_page, page_server, tmp_path):
    from ..animate.clips import pan, write_clip

    page = open_page()
    page.click("button[role=tab]:has-text('Video')")
    before = set(session_files(page_server))
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    upload(page, text, "#video-input")
    assert "not a video FFmpeg can read" in toast(page, "cannot be used")
    long = write_clip(tmp_path / "long.mp4", pan(3), time_base=Fraction(3, 2))
    upload(page, long, "#video-input")
    toast(page, "lasts 4.5 s, above this page's limit of 3 s")
    assert "error" in page.inner_html("#video-status")
    assert set(session_files(page_server)) == before, "a refused video left a file on the server"
    page.click("#video-run")
    toast(page, "upload a short video first")


def test_a_music_video_follows_its_sound_and_carries_it(open_page, tmp_path):
    import av

    from ..animate.music import write_track

    pytest.importorskip("librosa", reason="music videos need librosa (pip install 'deepdreamer[music]'; CI does)")
    song = write_track(tmp_path / "clicks.wav", 4.0)
    page = open_page()
    pick_example(page)
    page.click("button[role=tab]:has-text('Music')")
    upload(page, song, "#music-sound")
    wait_for(page, ("sound ready: 4.0 s",), where="#music-status")
    fill(page, {"music-start": "1", "music-seconds": "0.5", "music-size": "64", "music-seed": "4"})
    page.click("#music-run")
    wait_for(page, ("done, 6 frames",), where="#music-status")
    clip = clip_frames(page, "#music-result", tmp_path, "music.mp4")
    assert frame_count(clip) == 6
    with av.open(str(clip)) as container:
        audio = container.streams.audio[0]
        assert abs(audio.duration * audio.time_base - 0.5) < 0.05  # the half second asked for, under the frames
        assert container.metadata["comment"].count('"react"') == 1
