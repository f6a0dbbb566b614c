"""The page, started in this process on 127.0.0.1 with small limits, and a real headless Chromium to drive it.

The browser is Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs it), driven by
Playwright; the browser tests skip, saying why, where it is missing. Every request the browser makes is
recorded, and a test fails if one left 127.0.0.1; so does any connection the server opens elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deepdreamer.web import server
from deepdreamer.web.workspace import UploadLimits

CHROMIUM = Path("/usr/bin/chromium")
#: Small on purpose: a bundled photo (at most 72 kB, 0.27 MP) and the tests' clips of a few frames pass, the
#: tests' big files and a clip of 4.5 s do not.
LIMITS = UploadLimits(max_bytes=300_000, max_pixels=1_000_000, max_video_seconds=3, max_video_frames=24)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((server.LOCALHOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def outbound() -> Iterator[list[str]]:
    """Addresses outside the loopback range that this process tried to connect to (there must be none)."""
    tried: list[str] = []
    connect = socket.socket.connect

    def watched(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if isinstance(host, str) and not _loopback(host):
            tried.append(host)
        return connect(self, address)

    socket.socket.connect = watched  # type: ignore[method-assign]
    try:
        yield tried
    finally:
        socket.socket.connect = connect  # type: ignore[method-assign]


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture(scope="module")
def page_server(outbound: list[str], tmp_path_factory: pytest.TempPathFactory,
                monkeypatch_module: pytest.MonkeyPatch) -> Iterator[server.Running]:
    """The page with the test limits, live pictures every 0.1 s, and an empty torch hub (models whose weights
    come from it are unavailable, as on a fresh machine)."""
    pytest.importorskip("gradio", reason="the web extra is not installed: pip install -e '.[web]'")
    monkeypatch_module.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch-home")))
    running = server.start(server.ServeOptions(port=free_port(), device="cpu", limits=LIMITS, preview_every=0.1))
    try:
        yield running
    finally:
        running.close()
    assert not outbound, f"the server connected outside the machine: {outbound}"


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium fonts-dejavu-core (as .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


def page_opener(browser, page_server) -> Iterator[Callable[..., object]]:
    """Yield ``opener(tab=None)`` -> a fresh context's page of ``browser`` (a session of its own) on the server's start
    page, or on ``tab``; afterwards, assert that no page asked for anything outside the machine."""
    contexts = []
    requests: list[str] = []

    def opener(tab: str | None = None):
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1100})
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_server.url)
        page.wait_for_selector("#dream")
        if tab is not None:
            page.click(f"button[role='tab']:has-text('{tab}')")
        return page

    yield opener
    for context in contexts:
        context.close()
    outside = {url for url in requests if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", None)
               and not url.startswith(("data:", "blob:"))}
    assert not outside, f"the page loaded something from outside the machine: {sorted(outside)}"


@pytest.fixture
def open_page(chromium, page_server):
    """``open_page()`` -> a fresh browser context's page on the server's start page (each is a session)."""
    yield from page_opener(chromium, page_server)


def session_files(running: server.Running) -> list[Path]:
    """Every file the server keeps for sessions (its uploads are moved there or deleted)."""
    return [path for path in running.workspace.root.rglob("*") if path.is_file()]

