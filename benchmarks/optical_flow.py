"""Which optical flow to use for video: OpenCV's DIS presets against Farneback, on motion whose flow is known.

    python benchmarks/optical_flow.py              # 540x360, bundled photos, four kinds of camera motion

A virtual camera films a bundled photo (pan, zoom, rotation, a fast pan), so the true flow of every pixel is
known: end-point error (EPE, pixels) against it, the share of pixels off by more than 1 px, and seconds per
flow (one direction; the median of the pairs). The warm start of each video frame needs the flow both ways.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np

import deepdreamer as dd
from deepdreamer.animate.flow import FLOW_METHODS, optical_flow
from deepdreamer.images import read_image

#: Camera motion per frame: pan (dx, dy) in frame pixels, zoom factor, rotation in degrees.
MOTIONS = {
    "pan 4 px": ((4.0, 0.0), 1.0, 0.0),
    "zoom 3%": ((0.0, 0.0), 1.03, 0.0),
    "rotate 1 deg + pan 2 px": ((2.0, 1.0), 1.0, 1.0),
    "fast pan 16 px": ((16.0, 4.0), 1.0, 0.0),
}


def camera(photo: np.ndarray, size: tuple[int, int], frames: int, motion: tuple) -> tuple[list, list]:
    """Frames of ``photo`` filmed by a moving camera, and the true flow from each frame to the next."""
    (dx, dy), zoom, degrees = motion
    width, height = size
    centre = (width / 2, height / 2)
    scale = 1.3 * max(width / photo.shape[1], height / photo.shape[0])  # margin for the motion
    start = np.vstack([cv2.getRotationMatrix2D((photo.shape[1] / 2, photo.shape[0] / 2), 0, scale), [0, 0, 1]])
    start[:2, 2] += np.subtract(centre, np.array([photo.shape[1], photo.shape[0]]) / 2)
    step = np.vstack([cv2.getRotationMatrix2D(centre, degrees, zoom), [0, 0, 1]])
    step[:2, 2] -= (dx, dy)  # the camera moves right: the scene moves left
    transforms = [start]
    for _ in range(frames - 1):
        transforms.append(step @ transforms[-1])
    images = [cv2.warpAffine(photo, t[:2], size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
              for t in transforms]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    points = np.stack([xs, ys, np.ones_like(xs)], axis=-1)
    moved = points @ step.T
    truth = (moved[..., :2] - points[..., :2]).astype(np.float32)
    return images, [truth] * (frames - 1)


def measure(method: str, images: list, truths: list) -> tuple[float, float, float]:
    errors, seconds = [], []
    for a, b, truth in zip(images, images[1:], truths, strict=False):
        started = time.perf_counter()
        flow = optical_flow(a, b, method)
        seconds.append(time.perf_counter() - started)
        height, width = truth.shape[:2]
        xs, ys = np.meshgrid(np.arange(width), np.arange(height))
        x, y = xs + truth[..., 0], ys + truth[..., 1]
        inside = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)  # no flow can find what left
        errors.append(np.linalg.norm(flow - truth, axis=-1)[inside])
    error = np.concatenate(errors)
    return float(error.mean()), float((error > 1).mean()), statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="540x360")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--photos", default="coffee,chelsea,astronaut")
    args = parser.parse_args()
    size = tuple(map(int, args.size.split("x")))
    print(f"cv2 {cv2.__version__}, {cv2.getNumThreads()} threads; {args.size}, {args.frames} frames a motion")
    print("| motion | method | EPE (px) | share > 1 px | s/flow |")
    print("|---|---|---|---|---|")
    totals = {m: [] for m in FLOW_METHODS}
    for motion_name, motion in MOTIONS.items():
        for method in FLOW_METHODS:
            rows = []
            for name in args.photos.split(","):
                photo = np.asarray(read_image(dd.example_path(name)).image)
                rows.append(measure(method, *camera(photo, size, args.frames, motion)))
            epe, bad, seconds = (float(np.mean(column)) for column in zip(*rows, strict=True))
            totals[method].append((epe, bad, seconds))
            print(f"| {motion_name} | {method} | {epe:.2f} | {bad:.1%} | {seconds:.3f} |")
    for method, rows in totals.items():
        epe, bad, seconds = (float(np.mean(column)) for column in zip(*rows, strict=True))
        print(f"| **all** | {method} | {epe:.2f} | {bad:.1%} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
