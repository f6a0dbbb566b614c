"""The page as a first-time user finds it, in Chromium: what the status line says while a dream starts, a photo too
small refused when it is uploaded, downloads named after the photo, and Repeat giving back ``auto``."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ..conftest import small_photo
from .test_app import SHORT, fill, toast, upload, wait_for

#: Every text the status line shows, collected in the page as it changes (a step can pass between two polls).
WATCH_STATUS = """() => {
    window.statusTexts = [];
    const status = document.querySelector('#status');
    new MutationObserver(() => window.statusTexts.push(status.innerText))
        .observe(status, {childList: true, subtree: true, characterData: true});
}"""


def photo_page(open_page, folder: Path, name: str = "cat.png"):
    """A fresh page with a small photo of that file name uploaded."""
    photo = folder / name
    small_photo(width=160).save(photo)
    page = open_page()
    upload(page, photo)
    wait_for(page, ("photo ready",))
    return page


def dreamed_page(open_page, folder: Path, name: str = "cat.png"):
    """A fresh page that has dreamed a small photo of that file name."""
    page = photo_page(open_page, folder, name)
    fill(page, SHORT)
    page.click("#dream")
    wait_for(page, ("done",))
    return page


def test_a_dream_is_downloaded_under_the_photos_name_and_repeats_with_auto_precision(open_page, tmp_path):
    page = dreamed_page(open_page, tmp_path, "my cat (1).png")
    with page.expect_download() as started:
        page.click("#download")
    assert started.value.suggested_filename == "my_cat_1_dream.png"
    dreamed = tmp_path / "dreamed.png"
    started.value.save_as(dreamed)

    page.reload()
    page.wait_for_selector("#dream")
    page.click("#precision label:has-text('fp32')")
    page.click("button[role=tab]:has-text('Repeat')")
    upload(page, dreamed, "#repeat-file")
    wait_for(page, ("settings restored",))
    # the record says fp32 (what auto ran in on this CPU): auto makes the same dream here, so auto comes back
    assert page.locator("#precision label:has-text('auto') input").is_checked()


def test_the_status_says_loading_the_model_only_while_it_loads(open_page, tmp_path):
    page = dreamed_page(open_page, tmp_path)
    page.evaluate(WATCH_STATUS)
    page.click("#dream")
    wait_for(page, ("done",))
    seen = page.evaluate("window.statusTexts")
    assert seen and not any("loading the model" in text for text in seen), seen


def test_a_photo_too_small_to_dream_is_refused_when_it_is_uploaded(open_page, tmp_path):
    tiny = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (200, 0, 0)).save(tiny)
    page = open_page()
    upload(page, tiny)
    said = wait_for(page, ("at least",))
    assert "the photo is 1x1: this page needs at least 32 px on each side" in said
    assert "error" in page.inner_html("#status")
    assert "at least 32 px" in toast(page, "at least 32 px")


def test_a_setting_refused_before_the_queue_is_said_in_the_status_line_and_clears_the_last_result(
        open_page, tmp_path, capfd):
    page = dreamed_page(open_page, tmp_path)
    assert page.locator("#output-image img").count() == 1
    fill(page, {"layers": "block99=1"})
    page.click("#dream")
    said = wait_for(page, ("no layer",))
    assert "layers: efficientnet_lite0 has no layer 'block99'" in said and "error" in page.inner_html("#status")
    page.wait_for_function("document.querySelectorAll('#output-image img').length == 0", timeout=10_000)
    assert page.locator("#download").is_disabled()
    log = capfd.readouterr().err
    assert "refused before the queue: layers: efficientnet_lite0 has no layer 'block99'" in log
    assert "Traceback" not in log


def test_a_stopped_dream_repeats_saying_where_it_stopped_and_what_repeat_will_do(open_page, tmp_path):
    page = photo_page(open_page, tmp_path)
    fill(page, {**SHORT, "iterations": "100000"})
    page.click("#dream")
    wait_for(page, ("step ",))
    page.click("#stop")
    wait_for(page, ("stopped",))
    with page.expect_download() as started:
        page.click("#download")
    dreamed = tmp_path / "stopped.png"
    started.value.save_as(dreamed)
    page.reload()
    page.wait_for_selector("#dream")
    page.click("button[role=tab]:has-text('Repeat')")
    upload(page, dreamed, "#repeat-file")
    said = wait_for(page, ("settings restored",))
    assert "it was stopped at octave 1, step " in said and "repeating it runs every octave to its last step" in said
