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


def run(page: Page, fields: dict[str, str], button: str, status: str, name: str) -> None:
    """Fill ``fields``, press ``button``, wait for ``status`` to say done, and take the screenshot ``name``."""
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click(button)
    wait_text(page, status, "done")
    shoot(page, name)


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
            run(page, {"#iterations input": "10", "#seed textarea": "3"}, "#dream", "#status", "web.jpg")
            page.click("button[role=tab]:has-text('Explore')")
            run(page, {"#explore-count input": "6", "#explore-seed textarea": "7"}, "#explore-run", "#explore-status",
                "web-explore.jpg")
            page.click("button[role=tab]:has-text('Zoom')")
            run(page, {"#zoom-seed textarea": "3"}, "#zoom-run", "#zoom-status", "web-zoom.jpg")
            browser.close()
    finally:
        running.close()


if __name__ == "__main__":
    main()
