"""Starting and stopping the page: where it listens, who may reach it, its limits, and no traffic off the machine.

The page listens on 127.0.0.1 unless told otherwise; another address, or a public share link, needs a
password (``--auth``), checked before anything starts. Gradio's analytics and Hugging Face's telemetry are
switched off in the environment before Gradio is imported, so the server sends no request anywhere, and the
page loads nothing from outside the server (its fonts are served by it).
"""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DeepDreamError
from . import defaults
from .workspace import SWEEP_EVERY, UploadLimits, Workspace

if TYPE_CHECKING:
    import gradio as gr

LOCALHOST = "127.0.0.1"
#: Seconds between the browser's heartbeats: a closed tab is noticed (its files removed) within about this.
HEARTBEAT_SECONDS = 2
QUIET_ENVIRONMENT = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
}


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``deepdreamer serve`` is told."""

    host: str = LOCALHOST
    port: int = defaults.PORT
    auth: tuple[str, str] | None = None
    share: bool = False
    device: str = "auto"
    limits: UploadLimits = field(default_factory=UploadLimits)
    preview_every: float = defaults.PREVIEW_EVERY


def parse_auth(text: str) -> tuple[str, str]:
    """``USER:PASS`` -> (user, password); a one-line error for anything else."""
    user, colon, password = text.partition(":")
    if not (user and colon and password):
        raise DeepDreamError("--auth must be USER:PASSWORD, both non-empty")
    return user, password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(options: ServeOptions) -> None:
    """Refuse to open the page to other machines without a password."""
    if options.share and options.auth is None:
        raise DeepDreamError("--share puts the page on a public link: give --auth USER:PASSWORD too")
    if not is_loopback(options.host) and options.auth is None:
        raise DeepDreamError(f"--host {options.host} lets other machines reach the page: give --auth USER:PASSWORD "
                             "too")


def quiet_environment() -> None:
    """No analytics, no telemetry, no hub look-ups: set before Gradio is first imported (it reads them then)."""
    os.environ.update(QUIET_ENVIRONMENT)
    os.environ.setdefault("GRADIO_HEARTBEAT_INTERVAL", str(HEARTBEAT_SECONDS))


@dataclass
class Running:
    """A started page: its address, the Gradio app and the server's temporary folder."""

    url: str
    demo: gr.Blocks
    workspace: Workspace
    share_url: str | None = None

    def close(self) -> None:
        """Stop the server, stop every job, remove every file it wrote."""
        try:
            self.demo.close()
        finally:
            self.workspace.close()


def start(options: ServeOptions) -> Running:
    """Start the page in background threads and return at once."""
    check_exposure(options)
    quiet_environment()
    workspace = Workspace(options.limits)
    try:
        os.environ["GRADIO_TEMP_DIR"] = str(workspace.root)  # Gradio's uploads and cache: inside ours
        from .app import CSS, build

        demo = build(workspace, device=options.device, preview_every=options.preview_every)
        demo.queue(default_concurrency_limit=None)
        launch: dict[str, Any] = {"server_name": options.host, "server_port": options.port, "auth": options.auth,
                                  "share": options.share, "max_file_size": options.limits.max_bytes, "css": CSS,
                                  "prevent_thread_lock": True, "quiet": True, "ssr_mode": False,
                                  "inbrowser": False, "show_error": False}
        _, url, share_url = demo.launch(**launch)
        workspace.sweep_every(SWEEP_EVERY, closed_tabs(demo))
    except BaseException:
        workspace.close()
        raise
    return Running(url, demo, workspace, share_url)


def closed_tabs(demo: gr.Blocks) -> Callable[[str], bool]:
    """Whether Gradio saw a session's tab closed. Gradio marks the session's state closed as soon as the tab's
    heartbeat breaks, even where it then never runs the unload event (seen after many sessions in one server);
    a Gradio without that state says nothing, and the unload event and the idle limit remain."""

    def closed(session_hash: str) -> bool:
        sessions = getattr(getattr(demo, "state_holder", None), "session_data", {})
        return bool(getattr(sessions.get(session_hash), "is_closed", False))

    return closed


def serve_forever(options: ServeOptions, announce: Callable[[str], None] = print) -> None:
    """Start the page, say where it is, and serve until Ctrl-C (or SIGTERM); then clean up."""
    try:
        running = start(options)
    except OSError as exc:
        raise DeepDreamError(f"cannot listen on {options.host}:{options.port} ({exc})") from None
    try:
        announce(f"deepdreamer: the page is at {running.url}  (Ctrl-C to stop)")
        if options.auth is not None:
            announce(f"deepdreamer: open to {'everyone with the link' if options.share else options.host}: "
                     f"the password given with --auth is required")
        if running.share_url:
            announce(f"deepdreamer: public link {running.share_url}")
        threading.Event().wait()
    except KeyboardInterrupt:
        announce("deepdreamer: stopped; the server's temporary files are removed")
    finally:
        running.close()
