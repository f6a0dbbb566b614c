"""Dreaming a camera in real time: the engine kept warm, a few steps a frame, and the picture always current.

:class:`LiveDreamer` loads the model and builds each layer mix's objective once, then dreams one frame at a time:
the frame (mirrored if asked) shrunk to the live size, started from the last dream carried along the optical flow
(the video path's rule, :func:`~.temporal.start_image`: the new frame plus 0.8 of the last dream's residual,
where the flow is trusted), then a fixed few steps of the engine's ascent (:func:`~deepdreamer.engine.dream_octaves`)
at one octave (two above :data:`ONE_OCTAVE_UP_TO` px). Each frame runs the warm share of a still's steps (3 of 10,
:data:`~.temporal.WARM_SHARE`), so the dream builds up over the first frames and then holds a still's strength,
as a dreamed video's frames do. None of :func:`deepdreamer.dream`'s per-call work (model look-up, objective
parsing, PIL conversions, the record) is repeated per frame.

:class:`LiveLoop` is the real-time part: a worker thread dreams the newest frame offered; a frame offered while
another waits replaces it (dropped, never queued), so the dream shown is of what the camera sees now, not of a
backlog. :class:`FrameBudget` lowers the size, then the steps, when frames take longer than the budget, and raises
them back toward what was asked when there is room. The engine never sees a file; the front ends (the page's Live
tab, ``benchmarks/live.py``) offer frames and show dreams.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DeepDreamError
from ..models.registry import DEFAULT_MODEL, IMAGE, model_spec
from .flow import _cv2
from .temporal import start_image, warm_iterations

if TYPE_CHECKING:
    from ..losses import NetworkObjective

#: The long side frames are dreamed at: default, and the range the page offers.
LIVE_SIZE, MIN_LIVE_SIZE, MAX_LIVE_SIZE = 256, 128, 480
#: Steps per frame: the warm share of a still's 10 (``temporal.warm_iterations``), and the most the page offers.
LIVE_STEPS, MAX_LIVE_STEPS = warm_iterations(10), 10
#: Up to this long side one octave is all a frame needs; above it, two (the stride-16 layers' patterns would
#: otherwise be small against the frame).
ONE_OCTAVE_UP_TO = 320
#: Optical flow for the carry: DIS's fastest preset (a frame's two flows at 256x192 take ~2 ms, ~4 ms with the
#: carry, against ~25 ms at "medium"; with it, live frames keep a fifth of the warping error of frames dreamed alone:
#: benchmarks/live.py).
LIVE_FLOW = "dis-ultrafast"
#: Seconds a frame may take by default: 8 frames a second.
FRAME_BUDGET = 1 / 8
#: Frames whose aspect ratios differ by more than this share are from another camera: the dream starts afresh.
ASPECT_TOLERANCE = 0.03
#: Sizes move in multiples of this (even frames; the budget's steps are visible but not jumpy).
SIZE_QUANTUM = 16


@dataclass(frozen=True)
class LiveSettings:
    """What the live dream looks like; any of it may change between two frames."""

    size: int = LIVE_SIZE  # long side, px
    steps: int = LIVE_STEPS  # ascent steps per frame
    step: float | None = None  # strength of each step; None: the preset's
    preset: str | None = None  # the model's layer mix and settings; None: its default
    layers: Mapping[str, float] | None = None  # a layer mix instead of the preset's
    mirror: bool = False  # flip left-right, as a mirror shows a face

    def check(self) -> LiveSettings:
        """This, or a one-line error for a value out of range."""
        if not MIN_LIVE_SIZE <= self.size <= MAX_LIVE_SIZE:
            raise DeepDreamError(f"live size must be {MIN_LIVE_SIZE} to {MAX_LIVE_SIZE} px, not {self.size}")
        if not 1 <= self.steps <= MAX_LIVE_STEPS:
            raise DeepDreamError(f"live steps must be 1 to {MAX_LIVE_STEPS}, not {self.steps}")
        if self.step is not None and not (math.isfinite(self.step) and self.step > 0):
            raise DeepDreamError(f"step must be a positive number, not {self.step}")
        return self


def live_octaves(size: int) -> int:
    """Octaves a frame of ``size`` px (long side) needs."""
    return 1 if size <= ONE_OCTAVE_UP_TO else 2


def fit(frame: np.ndarray, size: int) -> np.ndarray:
    """``frame`` (H x W x 3 uint8) scaled so its long side is ``size`` px, sides even."""
    height, width = frame.shape[:2]
    scale = size / max(height, width)
    target = (max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2))
    if target == (width, height):
        return frame
    cv2 = _cv2()
    area = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(frame), target, interpolation=area)


def _carried_to(before: tuple[np.ndarray, np.ndarray], shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """The last frame and its dream resized to ``shape`` (height, width), or None for another aspect ratio
    (another camera: nothing to carry)."""
    height, width = before[0].shape[:2]
    if abs(width / height - shape[1] / shape[0]) > ASPECT_TOLERANCE * width / height:
        return None
    cv2 = _cv2()
    frame, dream = (cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR) for image in before)
    return frame, dream


@dataclass(frozen=True)
class LiveFrame:
    """One dreamed frame: the dream, its input (mirrored and shrunk), what it ran at, and when."""

    dream: np.ndarray  # H x W x 3 uint8
    frame: np.ndarray  # the input as dreamed: same size
    index: int  # counts the loop's dreams from 1
    settings: LiveSettings  # what it ran at (the budget may have lowered the size or the steps)
    received: float  # time.monotonic() when the camera frame came in
    done: float  # when the dream was ready

    @property
    def latency(self) -> float:
        return self.done - self.received


class LiveDreamer:
    """The model and objectives built once; :meth:`dream` turns one camera frame into its dream.

    Consecutive frames carry the dream along the flow; :meth:`reset` forgets it (a new scene). Not thread-safe:
    one thread dreams (:class:`LiveLoop`'s).
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "auto", precision: str = "auto",
                 seed: int = 0) -> None:
        from .. import precision as precision_module
        from ..models import load_model

        self.model = model
        self.spec = model_spec(model, IMAGE)
        self.net = load_model(model, device=device)
        self.device = next(self.net.parameters()).device
        self.precision = precision_module.checked(precision)
        self.seed = seed
        self._objectives: dict[tuple[str | None, tuple[tuple[str, float], ...] | None], NetworkObjective] = {}
        self._before: tuple[np.ndarray, np.ndarray] | None = None  # the last input frame and its dream

    def reset(self) -> None:
        self._before = None

    def loss(self, settings: LiveSettings) -> NetworkObjective:
        """The settings' objective through the network, built at its first use and kept."""
        from .. import checks
        from .. import precision as precision_module
        from ..losses import objective_function
        from ..objectives import layer_mix

        key = (settings.preset, None if settings.layers is None else tuple(sorted(settings.layers.items())))
        if key not in self._objectives:
            chosen = self.spec.preset(settings.preset)
            weights = checks.layer_weights(chosen.layers if settings.layers is None else settings.layers)
            for name in weights:
                self.net.resolve_layer(name)
            used = precision_module.resolve(self.precision, self.device, chosen.precision)
            self._objectives[key] = objective_function(self.net, layer_mix(weights), used)
        return self._objectives[key]

    def dream(self, frame: np.ndarray, settings: LiveSettings) -> tuple[np.ndarray, np.ndarray]:
        """``frame`` (H x W x 3 uint8, as the camera gives it) as dreamed (mirrored, shrunk) and its dream, at
        ``settings``; a frame of another size than the last (the size changed) carries the last dream resized."""
        import torch

        from ..engine import dream_octaves

        settings.check()
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise DeepDreamError(f"a live frame must be H x W x 3 uint8, not {frame.shape} {frame.dtype}")
        small = np.ascontiguousarray(fit(frame[:, ::-1] if settings.mirror else frame, settings.size))
        before = self._before
        if before is not None and before[0].shape != small.shape:
            before = _carried_to(before, small.shape[:2])
        start = start_image(small, *(before or (None, None)), flow_method=LIVE_FLOW)
        preset = self.spec.preset(settings.preset).settings
        engine_settings = replace(preset, num_octaves=live_octaves(settings.size), iterations=settings.steps,
                                  step=preset.step if settings.step is None else settings.step)
        x = torch.from_numpy(np.ascontiguousarray(start)).to(self.device).permute(2, 0, 1)[None].float()
        x = self.net.to_input(x).contiguous(memory_format=torch.channels_last)
        output = dream_octaves(x, self.loss(settings), engine_settings, seed=self.seed)
        pixels = self.net.to_pixels(output.image).round_().clamp_(0, 255).to(torch.uint8)
        dreamed = np.ascontiguousarray(pixels[0].permute(1, 2, 0).cpu().numpy())
        self._before = (small, dreamed)
        return small, dreamed

    def record(self, ran: LiveSettings) -> dict[str, object]:
        """The record of a frame dreamed at ``ran`` (a snapshot's): the model, the objective and the ascent, and
        how frames start. A live frame cannot be repeated from it alone: its start carried the frames before."""
        from .. import records

        chosen = self.spec.preset(ran.preset)
        preset = chosen.settings
        return records.new_record("live", {
            "model": self.model, "preset": ran.preset or self.spec.default_preset,
            "layers": dict(chosen.layers if ran.layers is None else ran.layers),
            "step": preset.step if ran.step is None else ran.step, "num_octaves": live_octaves(ran.size),
            "iterations": ran.steps, "jitter": preset.jitter, "laplacian_levels": preset.laplacian_levels,
            "smoothing": preset.smoothing, "seed": self.seed, "size": ran.size, "mirror": ran.mirror,
            "temporal": "flow", "flow": LIVE_FLOW, "weights_sha256": self.net.weights_sha256,
        })


class FrameBudget:
    """Keeps frames within ``seconds`` each by trading size, then steps; gives them back when there is room.

    Follows a smoothed frame time: above the budget (by a tenth) the size shrinks by a step of
    :data:`SIZE_QUANTUM` px per frame down to the smallest, then the steps drop one at a time down to one;
    well below it (under 70%) the steps come back first, then the size, up to what was asked.
    """

    SMOOTHING = 0.3  # weight of the newest frame time
    OVER, UNDER = 1.1, 0.7

    def __init__(self, seconds: float | None = FRAME_BUDGET) -> None:
        self.seconds = seconds
        self.size: int | None = None  # what the next frame runs at; None: as asked
        self.steps: int | None = None
        self._smoothed: float | None = None

    def plan(self, asked: LiveSettings) -> LiveSettings:
        """The settings the next frame runs at: ``asked`` with the size and steps the budget allows."""
        size = asked.size if self.size is None else min(self.size, asked.size)
        steps = asked.steps if self.steps is None else min(self.steps, asked.steps)
        return replace(asked, size=size, steps=steps)

    def spent(self, ran: LiveSettings, seconds: float, asked: LiveSettings) -> None:
        """A frame at ``ran`` took ``seconds``: adjust the next frame's size and steps."""
        if self.seconds is None:
            return
        self._smoothed = seconds if self._smoothed is None else \
            self.SMOOTHING * seconds + (1 - self.SMOOTHING) * self._smoothed
        size, steps = ran.size, ran.steps
        if self._smoothed > self.OVER * self.seconds:
            if size > MIN_LIVE_SIZE:
                size = max(MIN_LIVE_SIZE, (size - 1) // SIZE_QUANTUM * SIZE_QUANTUM)
            elif steps > 1:
                steps -= 1
            self._smoothed = None  # judge the new settings on their own frames
        elif self._smoothed < self.UNDER * self.seconds:
            if steps < asked.steps:
                steps += 1
            elif size < asked.size:
                size = min(asked.size, size // SIZE_QUANTUM * SIZE_QUANTUM + SIZE_QUANTUM)
            self._smoothed = None
        self.size, self.steps = size, steps


@dataclass
class LiveCounts:
    """What a loop has seen: frames offered, dreamed, and dropped (replaced by a newer one before their turn)."""

    offered: int = 0
    dreamed: int = 0
    dropped: int = 0


class LiveLoop:
    """A thread that dreams the newest frame offered, dropping any frame a newer one replaces before its turn.

    ``settings`` may be set at any time: the next frame uses them. :meth:`latest` is the newest dream;
    :meth:`wait` waits for one newer than a given index. :meth:`close` ends the thread after its frame.
    """

    def __init__(self, dreamer: LiveDreamer, settings: LiveSettings | None = None, *,
                 budget: float | None = FRAME_BUDGET) -> None:
        self.dreamer = dreamer
        self.settings = (settings or LiveSettings()).check()
        self.budget = FrameBudget(budget)
        self.counts = LiveCounts()
        self.error: BaseException | None = None
        self._pending: tuple[np.ndarray, float] | None = None
        self._latest: LiveFrame | None = None
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="deepdreamer-live", daemon=True)
        self._thread.start()

    def offer(self, frame: np.ndarray, received: float | None = None) -> None:
        """A camera frame (H x W x 3 uint8) came in at ``received`` (``time.monotonic()``; default now)."""
        with self._changed:
            self.counts.offered += 1
            if self._pending is not None:
                self.counts.dropped += 1
            self._pending = (frame, time.monotonic() if received is None else received)
            self._changed.notify_all()

    def latest(self) -> LiveFrame | None:
        with self._changed:
            return self._latest

    def wait(self, newer_than: int, timeout: float) -> LiveFrame | None:
        """The newest dream once its index passes ``newer_than``, or None after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or (self._latest is not None
                                                            and self._latest.index > newer_than), timeout)
            latest = self._latest
        return latest if latest is not None and latest.index > newer_than else None

    def close(self, timeout: float | None = None) -> None:
        """Stop after the frame being dreamed (dropping any waiting), and wait up to ``timeout`` s for it."""
        with self._changed:
            self._closed = True
            self._pending = None
            self._changed.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or self._pending is not None)
                if self._closed:
                    return
                assert self._pending is not None
                (frame, received), self._pending = self._pending, None
                asked = self.settings
            ran = self.budget.plan(asked)
            started = time.monotonic()
            try:
                dreamt_input, dreamed = self.dreamer.dream(frame, ran)
            except BaseException as exc:  # handed to whoever watches the loop; the loop ends
                with self._changed:
                    self.error, self._closed = exc, True
                    self._changed.notify_all()
                return
            done = time.monotonic()
            self.budget.spent(ran, done - started, asked)
            with self._changed:
                self.counts.dreamed += 1
                self._latest = LiveFrame(dreamed, dreamt_input, self.counts.dreamed, ran, received, done)
                self._changed.notify_all()

