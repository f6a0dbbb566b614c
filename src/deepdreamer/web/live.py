"""The Live tab: the browser's camera dreamed on the server, frame by frame, beside the camera, one visitor at a time.

Transport: Gradio's streaming webcam input (``gr.Image(sources=["webcam"], streaming=True)`` and ``.stream``).
A stream is one long event: the browser posts a frame every ``STREAM_EVERY`` seconds and Gradio keeps only the
newest for the handler's next call, so frames that come while one is dreamed are dropped, never queued; the
handler hands each to the engine's :class:`~deepdreamer.animate.live.LiveLoop` (the same loop
``benchmarks/live.py`` measures) and answers with the newest dream. The stream carries the controls' values with
every frame, so a change acts on the next frame. FastRTC (WebRTC) was the other way: lower transport latency, but
its newest release requires Gradio below 6 (the page pins 6.31) and brings aiortc, librosa and numba, and at the
frame rates a CPU dreams (a few to ten frames a second of a few hundred pixels) the transport is not what limits.

The camera path is one at a time: the visitor whose frames reach it first holds it (and the device: a queued
dream waits for Stop); another visitor's frames are answered "busy". Stop, the camera stopped in the browser, or
a closed tab (no frame for ``IDLE_SECONDS``) frees it. Without a camera, or with permission refused, the tab
says so in one line and offers the Video tab's clip instead.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from ..animate.defaults import VIDEO_INSTALL_HINT
from ..animate.live import (
    LIVE_SIZE,
    LIVE_STEPS,
    MAX_LIVE_SIZE,
    MAX_LIVE_STEPS,
    MIN_LIVE_SIZE,
    LiveDreamer,
    LiveFrame,
    LiveLoop,
    LiveSettings,
)
from ..errors import DeepDreamError
from ..images import write_image
from ..models.registry import DEFAULT_MODEL
from . import choices, handlers

#: Seconds between the frames the browser sends (Gradio keeps the newest while one is dreamed).
STREAM_EVERY = 0.08
#: Seconds a frame's handler waits for a newer dream before answering without one.
FRAME_WAIT = 1.0
#: Live pictures kept per session (about a second of them): the browser fetches each as it comes, a slow one late.
PREVIEWS_KEPT = 8
#: A holder that sent no frame for this long has gone (closed tab, camera stopped in the browser): it lets go.
IDLE_SECONDS = 3.0
#: Dreams over which the frame rate is shown.
RATE_WINDOW = 16
#: What a visitor sees while another holds the camera path.
BUSY = "busy: another visitor is using the live camera; try again when they stop"
#: Strength (the engine's step) offered; it starts at the default preset's.
MIN_STRENGTH, MAX_STRENGTH = 0.002, 0.06
#: The browser side of Start and Stop: the camera's own buttons (Gradio's webcam), pressed for the visitor.
#: Start first asks for the camera: without one (or without permission) it returns the error's name.
START_JS = """
async () => {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({video: true});
    stream.getTracks().forEach((track) => track.stop());
  } catch (error) {
    return error.name || "Error";
  }
  const camera = document.querySelector("#live-camera");
  const access = camera.querySelector("[title='grant webcam access'] button");
  if (access) access.click();
  for (let i = 0; i < 100; i++) {
    const record = camera.querySelector("button[aria-label='capture photo']");
    if (record) {
      if (record.innerText.includes("Record")) record.click();
      return "ok";
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return "the camera did not start";
}
"""
STOP_JS = """
() => {
  const record = document.querySelector("#live-camera button[aria-label='capture photo']");
  if (record && record.innerText.includes("Stop")) record.click();
}
"""


@dataclass
class _Holder:
    """The visitor holding the camera path: their loop, and what their page was last shown."""

    key: str
    loop: LiveLoop
    last_frame: float = field(default_factory=time.monotonic)
    shown: int = 0  # index of the last dream sent to the page
    done: deque[float] = field(default_factory=lambda: deque(maxlen=RATE_WINDOW))  # when recent dreams were ready


class LiveDesk:
    """The one camera path of the server: who holds it, its loop, and the device lock while it is held."""

    def __init__(self, page: handlers.Page) -> None:
        self.page = page
        self._dreamer: LiveDreamer | None = None
        self._holder: _Holder | None = None
        self._lock = threading.Lock()
        self._stopped: set[str] = set()  # visitors who pressed Stop: their frames in flight must not claim again
        self._watching = False

    def frame(self, key: str, image: np.ndarray | None, settings: LiveSettings) -> tuple[LiveFrame | None, str]:
        """A camera frame from visitor ``key``: the newest dream to show (None: nothing new) and a status line."""
        if image is None:
            return None, "waiting for the camera"
        if image.shape[0] * image.shape[1] > self.page.workspace.limits.max_pixels:
            raise DeepDreamError(f"camera frames of {image.shape[1]}x{image.shape[0]} are above this page's limit")
        holder, why = self._claim(key)
        if holder is None:
            return None, why
        if holder.loop.error is not None:
            error = holder.loop.error
            self.stop(key)
            raise error
        holder.last_frame = time.monotonic()
        holder.loop.settings = settings
        holder.loop.offer(np.asarray(image[..., :3], dtype=np.uint8))
        dreamed = holder.loop.wait(holder.shown, FRAME_WAIT)
        if dreamed is None:
            return None, "starting" if holder.shown == 0 else _describe(holder, holder.loop.latest())
        holder.shown = dreamed.index
        holder.done.append(dreamed.done)
        return dreamed, _describe(holder, dreamed)

    def _claim(self, key: str) -> tuple[_Holder | None, str]:
        """The holder for ``key``: theirs already, or a new one if the path and the device are free; else None and
        why not."""
        with self._lock:
            if key in self._stopped:
                return None, "stopped"
            if self._holder is not None:
                return (self._holder, "") if self._holder.key == key else (None, BUSY)
        if not self.page.device_lock.acquire(timeout=FRAME_WAIT):  # a dream (or the model's loading) holds it
            return None, "waiting for the device: a dream is running; live starts when it ends"
        try:
            if self._dreamer is None:
                self._dreamer = LiveDreamer(DEFAULT_MODEL, device=self.page.device)
            self._dreamer.reset()
            holder = _Holder(key, LiveLoop(self._dreamer))
        except BaseException:
            self.page.device_lock.release()
            raise
        with self._lock:
            self._holder = holder
        self._watch()
        return holder, ""

    def start(self, key: str) -> None:
        """Visitor ``key`` pressed Start: their frames may claim the path again."""
        with self._lock:
            self._stopped.discard(key)

    def stop(self, key: str, *, until_start: bool = True) -> bool:
        """Visitor ``key`` lets go (Stop, a closed tab, frames that stopped coming): the loop ends after its frame,
        the device is free; after Stop (``until_start``) their frames are refused until they press Start again.
        False if they did not hold the path."""
        with self._lock:
            if until_start:
                self._stopped.add(key)
            holder = self._holder
            if holder is None or holder.key != key:
                return False
            self._holder = None
        holder.loop.close()
        self.page.device_lock.release()
        return True

    def latest(self, key: str) -> LiveFrame | None:
        with self._lock:
            holder = self._holder if self._holder is not None and self._holder.key == key else None
        return None if holder is None else holder.loop.latest()

    def record(self, frame: LiveFrame) -> dict[str, object]:
        assert self._dreamer is not None
        return self._dreamer.record(frame.settings)

    def _watch(self) -> None:
        """Let go of a holder whose frames stopped (closed tab, camera stopped in the browser)."""
        if self._watching:
            return
        self._watching = True

        def watching() -> None:
            while True:
                time.sleep(IDLE_SECONDS / 4)
                with self._lock:
                    holder = self._holder
                if holder is not None and time.monotonic() - holder.last_frame > IDLE_SECONDS:
                    self.stop(holder.key, until_start=False)

        threading.Thread(target=watching, name="deepdreamer-live-watch", daemon=True).start()


def _describe(holder: _Holder, frame: LiveFrame | None) -> str:
    if frame is None:
        return "starting"
    height, width = frame.dream.shape[:2]
    parts = [f"live: {width}x{height}", f"{frame.settings.steps} steps", f"latency {1000 * frame.latency:.0f} ms"]
    if len(holder.done) > 1:
        parts.insert(2, f"{(len(holder.done) - 1) / (holder.done[-1] - holder.done[0]):.1f} frames/s")
    counts = holder.loop.counts
    parts.append(f"{counts.dropped} of {counts.offered} camera frames dropped")
    return " · ".join(parts)


def settings_from(preset: str | None, strength: float | None, size: float, steps: float, mirror: bool
                  ) -> LiveSettings:
    """The controls' values as checked live settings (a one-line error otherwise)."""
    try:
        return LiveSettings(size=int(size), steps=int(steps), step=None if strength is None else float(strength),
                            preset=preset or None, mirror=bool(mirror)).check()
    except (TypeError, ValueError):
        raise DeepDreamError("live: size and steps must be whole numbers") from None


def tab(page: handlers.Page, demo: gr.Blocks, tabs: gr.Tabs) -> LiveDesk:
    """The Live tab's layout and events (call inside its ``gr.Tab``); a closed tab ends its holder's stream."""
    desk = LiveDesk(page)
    missing = None if importlib.util.find_spec("cv2") else f"the live camera needs OpenCV: {VIDEO_INSTALL_HINT}"
    presets = choices.presets(DEFAULT_MODEL)
    default = choices.default_preset(DEFAULT_MODEL)
    gr.Markdown(f"Your camera, dreamed on the server as it films ({DEFAULT_MODEL}, each frame started from the "
                "last dream carried along the motion). One visitor at a time; a dream from another tab waits "
                "until Stop." + ("" if missing is None else f"\n\n**Unavailable**: {missing}."))
    with gr.Row():
        with gr.Column(scale=5):
            camera = gr.Image(label="Camera", sources=["webcam"], streaming=True, type="numpy", height=300,
                              webcam_options=gr.WebcamOptions(mirror=False), elem_id="live-camera")
            with gr.Row():
                preset = gr.Dropdown(list(presets), value=default, label="Layer mix (preset)", elem_id="live-preset")
                strength = gr.Slider(MIN_STRENGTH, MAX_STRENGTH, value=presets[default]["settings"]["step"],
                                     step=0.001, label="Strength (step)", elem_id="live-strength")
            with gr.Row():
                size = gr.Slider(MIN_LIVE_SIZE, MAX_LIVE_SIZE, value=LIVE_SIZE, step=16, label="Size (long side, px)",
                                 elem_id="live-size")
                steps = gr.Slider(1, MAX_LIVE_STEPS, value=LIVE_STEPS, step=1, label="Steps per frame",
                                  elem_id="live-steps")
                mirror = gr.Checkbox(True, label="Mirror", elem_id="live-mirror")
        with gr.Column(scale=6):
            with gr.Row():
                start = gr.Button("Start", variant="primary", interactive=missing is None, elem_id="live-start")
                stop = gr.Button("Stop", variant="stop", elem_id="live-stop")
                snapshot = gr.Button("Snapshot", elem_id="live-snapshot")
            status = gr.HTML("", elem_id="live-status")
            dream = gr.Image(label="Dream", type="filepath", interactive=False, height=360, elem_id="live-dream")
            kept = gr.DownloadButton("Download the snapshot (PNG, its settings inside)", interactive=False,
                                     elem_id="live-download")
            clip = gr.Button("Dream a clip instead", visible=False, elem_id="live-clip")
    controls = [preset, strength, size, steps, mirror]
    camera_answer = gr.Textbox(visible=False)

    def streamed(image: np.ndarray | None, preset: str, strength: float, size: float, steps: float, mirror: bool,
                 request: gr.Request) -> list[Any]:
        session = page.session(request)
        try:
            shown, line = desk.frame(request.session_hash or "", image, settings_from(preset, strength, size, steps,
                                                                                      mirror))
        except DeepDreamError as exc:
            return [gr.skip(), handlers.status(str(exc), kind="error")]
        picture = gr.skip() if shown is None else str(session.preview(Image.fromarray(shown.dream), PREVIEWS_KEPT))
        return [picture, handlers.status(line, kind="running" if shown is not None else "done")]

    def started(answer: str, request: gr.Request) -> list[Any]:
        if answer == "ok":
            desk.start(request.session_hash or "")
            return [handlers.status("starting the camera"), gr.update(visible=False)]
        line = (f"no camera here, or permission to use it was refused ({answer}): dream a clip on the Video tab "
                "instead")
        return [handlers.status(line, kind="error"), gr.update(visible=True)]

    def stopped(request: gr.Request) -> str:
        held = desk.stop(request.session_hash or "")
        return handlers.status("stopped: the device is free" if held else "stopped", kind="stopped")

    def snapped(request: gr.Request) -> Any:
        frame = desk.latest(request.session_hash or "")
        if frame is None:
            raise handlers.refusal("nothing to keep yet: start the camera first")
        path = page.session(request).new_file("live", ".png")
        write_image(path, Image.fromarray(frame.dream), params=desk.record(frame))
        return gr.update(value=str(path), interactive=True, label=f"Download snapshot of frame {frame.index} (PNG, "
                                                                  "its settings inside)")

    camera.stream(streamed, [camera, *controls], [dream, status], stream_every=STREAM_EVERY, time_limit=None,
                  concurrency_limit=None, concurrency_id="live", show_progress="hidden")
    start.click(started, camera_answer, [status, clip], js=START_JS, queue=False, show_progress="hidden")
    stop.click(stopped, None, status, js=STOP_JS, queue=False, show_progress="hidden")
    snapshot.click(snapped, None, kept, show_progress="hidden", concurrency_limit=None)
    clip.click(lambda: gr.Tabs(selected="video"), None, tabs, queue=False, show_progress="hidden")

    def closed(request: gr.Request) -> None:
        desk.stop(request.session_hash or "", until_start=False)

    demo.unload(closed)
    return desk
