"""The live path in real time, headless: a generated camera clip fed at its frame rate into the page's loop.

    python benchmarks/live.py                                  # 160, 256 and 320 px, 8 s each: the table in docs/web.md
    python benchmarks/live.py --sizes 256 --budget 0.125       # the per-frame budget on (it lowers size or steps)
    python benchmarks/live.py --strip docs/live-strip.jpg      # also a strip of consecutive live frames

A virtual camera (640x480) pans over a bundled photo, slowly zooming, at ``--fps``; every frame is offered to a
:class:`~deepdreamer.animate.live.LiveLoop` as it "arrives", exactly as the page's Live tab does, and the loop
dreams the newest one (frames that come meanwhile are dropped). Columns: dreamed frames a second (by the wall
clock, and per second of CPU time the process got: on a shared machine the second says more), the share of
camera frames dropped, latency from a frame's arrival to its dream (median and 90th percentile), CPU use (the
process's CPU seconds over the wall's, in cores), and flicker: the warping error (Lai et al. 2018, on the input's
flow) of the frames the loop dreamed, of the same frames each dreamed alone with a still's 10 steps, and of the
input itself (over the last 16 dreamed frames). Prints the machine's vector units, cores and load: on a shared
machine the numbers move a lot, and OpenMP's default spin-waiting makes a busy machine far slower; compare
``OMP_WAIT_POLICY=passive`` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from pathlib import Path

import cv2
import numpy as np
from optical_flow import camera
from PIL import Image

import deepdreamer as dd
from deepdreamer.animate.flicker import input_motion, warping_error
from deepdreamer.animate.live import LiveDreamer, LiveFrame, LiveLoop, LiveSettings
from deepdreamer.images import read_image
from deepdreamer.precision import cpu_features

#: The camera: 640x480, panning 4 px a frame while moving 0.3% closer.
CAMERA, MOTION = (640, 480), ((4.0, 0.0), 1.003, 0.0)
#: A still's steps, for the frames dreamed alone.
STILL_STEPS = 10
#: The last dreamed frames the flicker columns judge (each is dreamed alone again: that takes a while).
FLICKER_FRAMES = 16
#: Frames in the strip.
STRIP = 6


def run(dreamer: LiveDreamer, frames: list[np.ndarray], fps: float, settings: LiveSettings,
        budget: float | None) -> tuple[list[LiveFrame], float, float, int]:
    """Feed ``frames`` at ``fps`` in real time; the dreams in order, wall and CPU seconds, frames dropped."""
    dreamer.reset()
    loop = LiveLoop(dreamer, settings, budget=budget)
    made: list[LiveFrame] = []
    feeding = threading.Event()

    def collect() -> None:
        while feeding.is_set() or loop.latest() is None or loop.latest().index > len(made):
            got = loop.wait(made[-1].index if made else 0, timeout=0.5)
            if got is not None:
                made.append(got)
            elif not feeding.is_set():
                break

    feeding.set()
    collector = threading.Thread(target=collect)
    collector.start()
    cpu, start = time.process_time(), time.monotonic()
    for index, frame in enumerate(frames):
        time.sleep(max(0.0, start + index / fps - time.monotonic()))
        loop.offer(frame)
    time.sleep(1 / fps)
    feeding.clear()
    collector.join()
    loop.close()
    wall, cpu = time.monotonic() - start, time.process_time() - cpu
    return made, wall, cpu, loop.counts.dropped


def strip(made: list[LiveFrame], path: Path) -> None:
    """Consecutive live frames: the camera's above, their dreams below."""
    chosen = made[len(made) // 2:len(made) // 2 + STRIP]
    height, width = chosen[0].dream.shape[:2]
    sheet = Image.new("RGB", (width * len(chosen), height * 2), "white")
    for i, frame in enumerate(chosen):
        sheet.paste(Image.fromarray(frame.frame), (i * width, 0))
        sheet.paste(Image.fromarray(frame.dream), (i * width, height))
    sheet.save(path, quality=88)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="160,256,320", help="long sides, px")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--fps", type=float, default=15.0, help="the camera's frame rate")
    parser.add_argument("--seconds", type=float, default=8.0, help="how long the camera runs, per size")
    parser.add_argument("--budget", type=float, default=None, help="seconds a frame may take (default: off)")
    parser.add_argument("--photo", default="chelsea")
    parser.add_argument("--strip", type=Path, default=None, help="write consecutive frames of the 256 px run here")
    args = parser.parse_args()

    photo = np.asarray(read_image(dd.example_path(args.photo)).image)
    frames, _ = camera(photo, CAMERA, round(args.seconds * args.fps), MOTION)
    dreamer = LiveDreamer(device="cpu", seed=1)
    warm = LiveSettings(size=256, steps=args.steps)
    for frame in frames[:3]:  # first steps allocate; not counted
        dreamer.dream(frame, warm)

    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, {', '.join(cpu_features()) or 'no AVX2'}, torch threads "
          f"{__import__('torch').get_num_threads()}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}; "
          f"load average {load:.1f} at start")
    print(f"camera {CAMERA[0]}x{CAMERA[1]} at {args.fps:g} fps for {args.seconds:g} s; {args.steps} steps a frame; "
          f"budget {'off' if args.budget is None else f'{args.budget * 1000:.0f} ms'}")
    print(f"{'size':>8} {'frames/s':>9} {'per CPU s':>9} {'dropped':>8} {'latency ms':>14} {'CPU cores':>9} "
          f"{'warping error: live':>20} {'alone':>7} {'ratio':>6} {'input':>7}")
    for size in (int(text) for text in args.sizes.split(",")):
        settings = LiveSettings(size=size, steps=args.steps)
        made, wall, cpu, dropped = run(dreamer, frames, args.fps, settings, args.budget)
        latencies = sorted(1000 * frame.latency for frame in made)
        same = [frame for frame in made if frame.frame.shape == made[-1].frame.shape][-FLICKER_FRAMES:]  # the budget
        inputs = [frame.frame for frame in same]  # may have resized the first ones
        alone = []
        for small in inputs:
            dreamer.reset()
            alone.append(dreamer.dream(small, LiveSettings(size=max(small.shape[:2]), steps=STILL_STEPS))[1])
        motion = input_motion(inputs)
        live_error = warping_error([frame.dream for frame in same], motion)
        alone_error, input_error = warping_error(alone, motion), warping_error(inputs, motion)
        height, width = made[-1].dream.shape[:2]
        p90 = latencies[int(0.9 * (len(latencies) - 1))]
        print(f"{width:>4}x{height:<3} {len(made) / wall:9.1f} {len(made) / cpu:9.1f} {dropped / len(frames):8.0%} "
              f"{statistics.median(latencies):6.0f} / {p90:5.0f} {cpu / wall:9.2f} "
              f"{live_error:20.4f} {alone_error:7.4f} {live_error / alone_error:6.2f} {input_error:7.4f}")
        if args.strip is not None and size == 256:
            strip(made, args.strip)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    cv2.setNumThreads(1)  # the flow runs between the network's steps; OpenCV's own pool would only compete
    main()
