"""Does a music zoom follow the music? The issue's sync figures for a sound: per frame, the change that is not the
camera's own move (each frame against the previous one moved by the zoom's known motion) against the pulse curve.

    python benchmarks/music_sync.py                          # the synthetic click track with a pause and a swell
    python benchmarks/music_sync.py --sound song.mp3 --start 30 --seconds 20 --size 320 --fps 24

Prints Pearson r (change vs pulse), the beat/between ratio, the silence ratio, the same without --react, and the
time per frame, with the CPU's units.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def figures(folder: Path, settings, curves) -> dict[str, float]:
    """The sync figures of the frames in ``folder`` (PNGs), made with ``settings`` from ``curves``."""
    from deepdreamer.animate.flicker import camera_residuals
    from deepdreamer.animate.music import sync_figures
    from deepdreamer.images import read_image

    frames = [read_image(path).image for path in sorted(folder.glob("*.png"))]
    plan = settings.plan(curves)
    return sync_figures(np.array(camera_residuals(frames, [plan.motion(t) for t in range(len(frames))])), curves)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sound", type=Path)
    parser.add_argument("--photo", default="chelsea")
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--fps", type=float, default=8)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--octaves", type=int, default=1)
    parser.add_argument("--react", default="auto")
    args = parser.parse_args()

    import deepdreamer as dd
    from deepdreamer.animate.music import react_settings
    from deepdreamer.animate.render import ZoomSettings, render_zoom
    from deepdreamer.precision import kernel_cpu_features

    work = Path(tempfile.mkdtemp())
    sound = args.sound
    if sound is None:
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.animate.music import write_track

        sound = write_track(work / "clicks.wav", 8.0)
    photo = dd.read_image(dd.example_path(args.photo)).image
    print(f"CPU units: {', '.join(kernel_cpu_features() or [])}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    print(f"{'run':<12} {'frames':>6} {'s/frame':>8} {'r':>6} {'beat/between':>13} {'silence/loud':>13}")
    for label, react in (("--react", react_settings([args.react], "zoom")), ("no react", None)):
        settings = ZoomSettings(fps=args.fps, size=args.size, num_octaves=args.octaves, seed=1, sound=str(sound),
                                sound_start=args.start, sound_seconds=args.seconds, react=react)
        curves = settings.curves()
        out = work / label.replace(" ", "_").strip("-")
        started = time.perf_counter()
        clip = render_zoom(photo, settings, out, work=work / f"{out.name}.frames")
        seconds = (time.perf_counter() - started) / clip.frames
        found = figures(out, settings, curves)
        print(f"{label:<12} {clip.frames:>6} {seconds:>8.2f} {found['r']:>6.2f} {found['beat/between']:>13.2f} "
              f"{found['silence/loud']:>13.2f}")


if __name__ == "__main__":
    main()
