"""Make the moving examples in docs/ (python docs/make_video_examples.py; a few minutes on 2 cores).

- ``zoom.gif``: ``deepdreamer zoom`` on the bundled cat, 48 frames at 320 px (Google's 5% a frame);
- ``video-pan.gif``: a camera panning over the bundled coffee photo (made here with PyAV), dreamed by
  ``deepdreamer video`` with its defaults, shown beside its input.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np
from PIL import Image

import deepdreamer as dd

DOCS = Path(__file__).resolve().parent
DEEPDREAMER = [sys.executable, "-m", "deepdreamer"]
SIZE = (288, 216)
FRAMES = 30


def pan_clip(path: Path) -> list[Image.Image]:
    """A camera panning across the coffee photo, written as an MP4 at 12 fps; its frames."""
    photo = dd.read_image(dd.example_path("coffee")).image
    height = photo.height * 9 // 10
    width = height * SIZE[0] // SIZE[1]
    step = (photo.width - width) / (FRAMES - 1)  # left edge to right edge
    frames = [photo.crop((round(step * i), 0, round(step * i) + width, height)).resize(SIZE, Image.Resampling.LANCZOS)
              for i in range(FRAMES)]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        stream.options = {"crf": "12"}
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.asarray(frame), format="rgb24")))
        container.mux(stream.encode())
    return frames


def save_gif(path: Path, frames: list[Image.Image], fps: float) -> None:
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0,
                   optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["zoom", "video"])
    args = parser.parse_args()
    if args.only != "video":
        make_zoom()
    if args.only != "zoom":
        make_video()


def make_zoom() -> None:
    subprocess.run([*DEEPDREAMER, "zoom", str(dd.example_path("chelsea")), "-o", str(DOCS / "zoom.gif"),
                    "--frames", "48", "--size", "320", "--seed", "1", "-q"], check=True)


def make_video() -> None:
    with tempfile.TemporaryDirectory() as work:
        clip, dreamed = Path(work) / "pan.mp4", Path(work) / "dreamed"
        inputs = pan_clip(clip)
        subprocess.run([*DEEPDREAMER, "video", str(clip), "-o", str(dreamed), "--seed", "1", "-q"], check=True)
        dreams = [Image.open(path).convert("RGB") for path in sorted(dreamed.iterdir())]
        pairs = []
        for before, after in zip(inputs, dreams, strict=True):
            pair = Image.new("RGB", (2 * SIZE[0] + 8, SIZE[1]), "white")
            pair.paste(before, (0, 0))
            pair.paste(after, (SIZE[0] + 8, 0))
            pairs.append(pair)
        save_gif(DOCS / "video-pan.gif", pairs, fps=12)


if __name__ == "__main__":
    main()
