"""Screenshots of the page for the docs: docs/web.jpg (a finished dream: before/after), docs/web-explore.jpg and
docs/web-zoom.jpg (a finished zoom: its last frame and the clip).

    python docs/make_web_screenshots.py      # needs the web extra, playwright and /usr/bin/chromium

Starts the page in this process on 127.0.0.1, dreams a bundled photo with the default preset (fewer
iterations, to be quick), explores it and zooms into it, in Debian's headless chromium.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from deepdreamer.web import server

DOCS = Path(__file__).resolve().parent
VIEWPORT = {"width": 1400, "height": 1000}


def wait_text(page: Page, selector: str, words: str) -> None:
    while words not in page.inner_text(selector):
        time.sleep(0.05)
    time.sleep(2)  # the event ends just after its last update: until then Gradio shows the outputs faded


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=DOCS / name, type="jpeg", quality=85)


def main() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = server.start(server.ServeOptions(port=port))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(running.url)
            page.click("#example label:has-text('chelsea')")
            wait_text(page, "#status", "photo ready")
            page.fill("#iterations input", "10")
            page.fill("#seed textarea", "3")
            page.click("#dream")
            wait_text(page, "#status", "done")
            shoot(page, "web.jpg")
            page.click("button[role=tab]:has-text('Explore')")
            page.fill("#explore-count input", "6")
            page.fill("#explore-seed textarea", "7")
            page.click("#explore-run")
            wait_text(page, "#explore-status", "done")
            shoot(page, "web-explore.jpg")
            page.click("button[role=tab]:has-text('Zoom')")
            page.fill("#zoom-seed textarea", "3")
            page.click("#zoom-run")
            wait_text(page, "#zoom-status", "done")
            shoot(page, "web-zoom.jpg")
            browser.close()
    finally:
        running.close()


if __name__ == "__main__":
    main()
