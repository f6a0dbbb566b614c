"""Flicker, drift and speed of a dreamed clip for each way a frame's dream can start (none, blend, flow).

    python benchmarks/video_flicker.py                          # 24 frames at 320x240: the table in docs/video.md
    python benchmarks/video_flicker.py --size 540x360 --frames 12 --runs flow:0.8:3   # speed of the defaults

A virtual camera pans (and slowly zooms) over a bundled photo; every frame is dreamed with the public API
(default model and preset, a fixed seed) starting from the image :func:`deepdreamer.animate.temporal.start_image`
makes. Columns: warping error (Lai et al. 2018, on the input's flow and occlusion), that error relative to
dreaming each frame alone, drift from the first frames to the last (mean brightness and saturation of the dream
minus its input, 0-255; and how strong the dream is over the last frames, as the RMS of dream minus input
relative to dreaming each frame alone), and seconds per frame after the first (flow included; the first frame
is dreamed cold, once), by the clock and in CPU time (the clock is unreliable on a shared machine).
The frame loop is deliberately minimal: the video command builds the real one on the engine's progress contract.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import torch
from optical_flow import camera
from PIL import Image, ImageDraw

import deepdreamer as dd
from deepdreamer.animate.flicker import input_motion, warping_error
from deepdreamer.animate.temporal import start_image
from deepdreamer.images import read_image
from deepdreamer.runtime import keep_freed_memory

#: The camera each frame: pan 6 px right while moving 0.4% closer; or zoom 2% in while turning half a degree.
MOTIONS = {"pan": ((6.0, 0.0), 1.004, 0.0), "zoom": ((0.0, 0.0), 1.02, 0.5)}
#: Frames at each end averaged for the drift columns.
ENDS = 3


@dataclass(frozen=True)
class Run:
    """One row: the mode, the residual weight (flow), and the iterations of the first (cold) and later frames."""

    mode: str
    weight: float
    warm_iterations: int

    @classmethod
    def parse(cls, text: str) -> Run:
        mode, weight, warm = [*text.split(":"), "1", "0"][:3]
        return cls(mode, float(weight), int(warm))

    def label(self, cold: int) -> str:
        if self.mode == "flow":
            return f"flow, residual x{self.weight:g}, {cold} then {self.warm_iterations} iterations"
        return f"{self.mode}, {cold} iterations"


def dream_clip(frames: list[np.ndarray], run: Run, cold: int, seed: int) -> tuple[list[np.ndarray], float, float]:
    """The dreamed frames, and wall-clock and CPU seconds (all threads) per frame after the first (a one-off)."""
    dreams: list[np.ndarray] = []
    for index, frame in enumerate(frames):
        if index == 1:
            started, cpu = time.perf_counter(), time.process_time()
        previous_frame = frames[index - 1] if index else None
        previous_dream = dreams[-1] if dreams else None
        start = start_image(frame, previous_frame, previous_dream, run.mode, residual_weight=run.weight)
        iterations = cold if index == 0 or run.mode != "flow" else run.warm_iterations
        dreams.append(np.asarray(dd.dream(Image.fromarray(start), seed=seed, iterations=iterations).image))
    later = len(frames) - 1
    return dreams, (time.perf_counter() - started) / later, (time.process_time() - cpu) / later


def drift(frames: list[np.ndarray], dreams: list[np.ndarray]) -> tuple[float, float, float]:
    """What the dream adds, first frames to last: change of brightness and saturation, and its RMS at the end."""
    def added(i: int) -> tuple[float, float, float]:
        dream, frame = dreams[i].astype(np.float32), frames[i].astype(np.float32)
        brightness = dream.mean() - frame.mean()
        saturation = _saturation(dream) - _saturation(frame)
        return brightness, saturation, float(np.sqrt(np.mean((dream - frame) ** 2)))

    first = np.mean([added(i) for i in range(ENDS)], axis=0)
    last = np.mean([added(i) for i in range(len(frames) - ENDS, len(frames))], axis=0)
    return float(last[0] - first[0]), float(last[1] - first[1]), float(last[2])


def _saturation(image: np.ndarray) -> float:
    """Mean HSV saturation, 0-255."""
    high, low = image.max(axis=-1), image.min(axis=-1)
    return float(np.mean(np.where(high > 0, (high - low) / np.maximum(high, 1e-6), 0)) * 255)


def sheet(rows: list[tuple[str, list[np.ndarray]]], size: tuple[int, int]) -> Image.Image:
    """One row a run, labelled: its first, middle and last frames (drift and ghosts show; flicker needs a clip)."""
    width, height = size
    label = 18
    canvas = Image.new("RGB", (3 * width, len(rows) * (height + label)), "white")
    draw = ImageDraw.Draw(canvas)
    for r, (text, frames) in enumerate(rows):
        top = r * (height + label)
        draw.text((4, top + 3), text, fill="black")
        for c, frame in enumerate(frames):
            canvas.paste(Image.fromarray(frame), (c * width, top + label))
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="320x240")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--photo", default="coffee")
    parser.add_argument("--motion", choices=MOTIONS, default="pan")
    parser.add_argument("--cold", type=int, default=10, help="iterations of each frame dreamed from scratch")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", nargs="+", default=[
        "none", "blend", "flow:1:5", "flow:0.8:3", "flow:0.7:3", "flow:0.6:3", "flow:0.5:5", "flow:0.8:2"],
        help="MODE[:RESIDUAL_WEIGHT:WARM_ITERATIONS]")
    parser.add_argument("--sheet", help="write a JPEG of the first, middle and last dreamed frames of each run")
    args = parser.parse_args()
    if args.frames < 2 * ENDS:
        parser.error(f"--frames must be at least {2 * ENDS}")
    keep_freed_memory()
    size = tuple(map(int, args.size.split("x")))
    photo = np.asarray(read_image(dd.example_path(args.photo)).image)
    frames, _ = camera(photo, size, args.frames, MOTIONS[args.motion])
    motion = input_motion(frames)
    dd.dream(Image.fromarray(frames[0]), seed=args.seed, iterations=1)  # load the model outside the timings
    print(f"{args.frames} frames at {args.size}, {args.motion} over {args.photo}, seed {args.seed}, default model and "
          f"preset, "
          f"{torch.get_num_threads()} torch threads")
    print("| how each frame starts | warping error | vs none | brightness drift | saturation drift | "
          "strength at the end, vs none | s/frame | CPU s/frame |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| the input video itself | {warping_error(frames, motion):.4f} | | | | | | |")
    baseline: tuple[float, float] | None = None  # none's warping error and strength at the end
    rows: list[tuple[str, list[np.ndarray]]] = []
    for run in map(Run.parse, args.runs):
        dreams, seconds, cpu = dream_clip(frames, run, args.cold, args.seed)
        error = warping_error(dreams, motion)
        brightness, saturation, strength = drift(frames, dreams)
        if run.mode == "none" and baseline is None:
            baseline = error, strength
        relative = f"{error / baseline[0]:.2f}" if baseline else ""
        stronger = f"x{strength / baseline[1]:.2f}" if baseline else f"RMS {strength:.1f}"
        print(f"| {run.label(args.cold)} | {error:.4f} | {relative} | {brightness:+.1f} | {saturation:+.1f} | "
              f"{stronger} | {seconds:.2f} | {cpu:.2f} |", flush=True)
        rows.append((run.label(args.cold), [dreams[i] for i in (0, len(dreams) // 2, len(dreams) - 1)]))
    if args.sheet:
        sheet(rows, size).save(args.sheet, quality=85)


if __name__ == "__main__":
    main()
