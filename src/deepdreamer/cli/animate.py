"""``deepdreamer zoom`` and ``deepdreamer video``: dreams that move, committed frame by frame and resumable.

Both commit every finished frame to a work folder beside the output (``.OUTPUT.frames``) and encode the output
once all frames are there, so Ctrl-C (or a kill) loses at most the frame being dreamed, and the same command
run again goes on from there and ends with the video an uninterrupted run makes. The work folder keeps the
run's settings (the drawn seed too): another command cannot continue it by mistake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import DeepDreamError
from ..models.registry import DEFAULT_MODEL
from .app import Interrupted, cli, stop_on_interrupt
from .options import (
    FROM_PRESET,
    ProgressBar,
    device_option,
    max_memory_option,
    parse_layers,
    quiet_option,
    ray_options,
    ray_settings,
    seed_option,
)

#: The defaults of ``animate.zoom`` / ``animate.video`` and ``video_io``, repeated to keep --help instant.
ZOOM_ITERATIONS, VIDEO_ITERATIONS, VIDEO_MAX_PIXELS = 5, 10, 4096 * 2160
TEMPORAL_MODES = ("flow", "blend", "none")


def _shared(command: Any) -> Any:
    """Options every moving dream takes."""
    for option in reversed([
        click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model name."),
        click.option("--preset", help="Named preset of the model [default: its first]."),
        click.option("--octaves", "num_octaves", type=int, help="Octaves of every frame [default: 2 for zoom, 3 for "
                     "video]."),
        click.option("--size", type=click.IntRange(min=32), help="Longest side of the frames [zoom default: 540; "
                     "video default: the source's]."),
        seed_option(),
        device_option,
        max_memory_option,
        quiet_option,
    ]):
        command = option(command)
    return command


@cli.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="A .mp4, .mkv, .webm or .gif file, or a path without a suffix for a folder of PNG frames.")
@click.option("--frames", type=click.IntRange(min=1), default=120, show_default=True, help="Number of frames.")
@click.option("--fps", type=click.FloatRange(min=1, max=240), default=24.0, show_default=True,
              help="Frames per second of the output (the motion is per frame, so the sense never changes).")
@click.option("--zoom", default="1.05", show_default=True, metavar="FACTOR",
              help="Zoom per frame: >1 flies in (1.05 is Google's 5%). Keyframes: '0:1.02,60:1.08'.")
@click.option("--rotate", default="0", show_default=True, metavar="DEGREES",
              help="Counterclockwise turn per frame, in degrees (keyframes allowed).")
@click.option("--translate", default="0,0", show_default=True, metavar="DX,DY",
              help="The view's move per frame in pixels, right and down; keyframes as 'DX;DY', e.g. '0:0;0,60:4;0'.")
@click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT",
              help="Layer and weight (repeatable); the weight may have keyframes: block8=0:1,60:0.")
@click.option("--step", help=f"Ascent step size, keyframes allowed [{FROM_PRESET}].")
@click.option("--iterations", default=str(ZOOM_ITERATIONS), show_default=True,
              help="Ascent steps per octave of every frame (keyframes allowed).")
@click.option("--guard", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="How strongly each frame's colours are held to the photo's (0: off; drift to grey or one colour).")
@_shared
def zoom(photo: Path, output: Path, frames: int, fps: float, zoom: str, rotate: str, translate: str,
         layers: tuple[str, ...], step: str | None, iterations: str, guard: float, size: int | None, seed: int | None,
         quiet: bool, **options: Any) -> None:
    """Fly into PHOTO: every frame dreams the last one after a small zoom, turn and move (Google's zoom)."""
    from ..animate.frames import FrameFolder
    from ..animate.video_io import check_output
    from ..animate.zoom import clip_info, plan_zoom, write_zoom
    from ..animate.zoom import zoom as zoom_frames
    from ..images import read_image

    picture = read_image(photo)
    mix = _keyframed_layers(layers)
    dx, dy = _translation(translate)
    plan = plan_zoom(frames, zoom=zoom, rotate=rotate, translate=(dx, dy), step=step, iterations=iterations,
                     layers=mix, guard=guard, seed=seed)
    options = {key: value for key, value in options.items() if value is not None}
    size = size or 540
    work = FrameFolder(output.parent / f".{output.name}.frames")
    kept = work.kept_settings()
    if seed is None and kept is not None:  # the same command again: the seed drawn the first time
        plan = plan_zoom(frames, zoom=zoom, rotate=rotate, translate=(dx, dy), step=step, iterations=iterations,
                         layers=mix, guard=guard, seed=kept.get("plan", {}).get("seed"))
    settings = {"photo": str(photo.resolve()), "plan": plan.describe(), "size": size, "fps": fps, **options}
    check_output(output, clip_info(photo, frames, fps))
    work.settle(settings)
    done = work.done()
    previous = work.read(done - 1) if done else None
    if done < frames:
        _run(work, done, quiet, lambda progress, stop: zoom_frames(
            picture, plan, size=size, first=done, previous=previous, keep_frames=False, progress=progress, stop=stop,
            **options))
    write_zoom(output, work.frames(frames), frames, fps)
    work.remove()
    if not quiet:
        click.echo(f"wrote {output} ({frames} frames at {fps:g} fps)", err=True)


@cli.command()
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="A .mp4, .mkv, .webm or .gif file, or a path without a suffix for a folder of PNG frames "
                   "[default: INPUT_dream with INPUT's suffix].")
@click.option("--temporal", type=click.Choice(TEMPORAL_MODES), default="flow", show_default=True,
              help="How each frame starts: flow carries the last dream along the motion (no flicker); blend mixes "
                   "it in (DeepDreamVideo); none dreams every frame alone.")
@click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT",
              help="Layer to dream on, with its weight (repeatable) [default: the preset's].")
@click.option("--step", type=float, help=f"Ascent step size [{FROM_PRESET}].")
@click.option("--iterations", type=click.IntRange(min=0), default=VIDEO_ITERATIONS, show_default=True,
              help="Ascent steps per octave of the first frame; the others start warm and run 30% of them.")
@click.option("--preview", type=click.IntRange(min=32), metavar="SIZE",
              help="First render a quick small version (longest side SIZE) as OUTPUT_preview.")
@click.option("--max-pixels", type=click.IntRange(min=1), default=VIDEO_MAX_PIXELS, show_default=True,
              help="Refuse videos with larger frames.")
@ray_options
@click.option("--chunks", type=click.IntRange(min=1),
              help="With --ray: runs of frames dreamed in parallel [default: one per worker].")
@_shared
def video(source: Path, output: Path | None, temporal: str, layers: tuple[str, ...], preview: int | None,
          max_pixels: int, use_ray: bool, ray_address: str | None, ray_cpus: int, chunks: int | None,
          size: int | None, seed: int | None, quiet: bool, **options: Any) -> None:
    """Dream the video INPUT frame by frame without flicker; keep its timing, rotation and sound.

    With --ray, runs of frames are dreamed in parallel on a Ray cluster, each starting a few frames early so
    that the dream is warm where it begins, and joined with short crossfades.
    """
    from ..animate.video_io import check_output, probe_video

    ray = ray_settings(use_ray, ray_address, ray_cpus)
    if ray is None and chunks is not None:
        raise DeepDreamError("--chunks splits a video over a Ray cluster: add --ray")
    info = probe_video(source, max_pixels)
    output = output or source.with_name(f"{source.stem}_dream{source.suffix}")
    check_output(output, info)
    if layers:
        options["layers"] = parse_layers(layers)
    options = {key: value for key, value in options.items() if value is not None}
    options["temporal"] = temporal
    if preview is not None:
        small = output.with_name(f"{output.stem}_preview{output.suffix}")
        check_output(small, info)
        _dream_video(info, small, preview, seed, quiet, options, ray, chunks, max_pixels)
    _dream_video(info, output, size, seed, quiet, options, ray, chunks, max_pixels)


def _dream_video(info: Any, output: Path, size: int | None, seed: int | None, quiet: bool, options: dict[str, Any],
                 ray: dict[str, Any] | None, chunks: int | None, max_pixels: int) -> None:
    import numpy as np

    from ..animate.frames import FrameFolder
    from ..animate.video import dream_video, output_frames
    from ..animate.video_io import write_video

    work = FrameFolder(output.parent / f".{output.name}.frames")
    kept = work.kept_settings()
    if seed is None:
        seed = kept["seed"] if kept is not None and "seed" in kept else _drawn_seed()
    work.settle({"video": str(info.path.resolve()), "size": size, "seed": seed, "ray": ray is not None,
                 "chunks": chunks, **options})
    if ray is not None:
        _dream_video_on_ray(info, output, work, size, seed, quiet, options, ray, chunks, max_pixels)
        return
    done = work.done()
    previous = np.asarray(work.read(done - 1)) if done else None
    result = _run(work, done, quiet, lambda progress, stop: dream_video(
        info, size=size, first=done, previous_dream=previous, seed=seed, progress=progress, stop=stop, **options))
    for message in result.damaged:
        click.echo(f"deepdreamer: {message}", err=True)
    count = work.done()
    write_video(output, output_frames(info, work.frames(count), size), info)
    work.remove()
    if not quiet:
        click.echo(f"wrote {output} ({count} frames)", err=True)


def _dream_video_on_ray(info: Any, output: Path, work: Any, size: int | None, seed: int, quiet: bool,
                        options: dict[str, Any], ray: dict[str, Any], chunks: int | None, max_pixels: int) -> None:
    from ..animate.cluster import WARMUP_FRAMES, dream_video_on_ray, joined_frames
    from ..animate.video import output_frames
    from ..animate.video_io import write_video

    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            run = dream_video_on_ray(info.path, work.path, chunks=chunks, size=size, seed=seed, max_pixels=max_pixels,
                                     progress=bar, stop=stop, **ray, **options)
    finally:
        bar.close()
    if run.failed:
        raise DeepDreamError(f"{len(run.failed)} runs of frames failed on the cluster; the first: {run.failed[0]}")
    if run.stopped:
        raise Interrupted(f"{run.dreamed + run.found} runs of frames are done in {work.path}; run the same command "
                          "again to go on")
    frames = joined_frames(work.path, info.frame_count, run.chunks, WARMUP_FRAMES)
    write_video(output, output_frames(info, frames, size), info)
    work.remove()
    if not quiet:
        click.echo(f"wrote {output} ({len(frames)} frames, {run.chunks} runs of frames on Ray)", err=True)


def _run(work: Any, first: int, quiet: bool, job: Any) -> Any:
    """Run a frame job, committing each finished frame to ``work`` as it comes; Interrupted if it was stopped."""
    bar = ProgressBar(enabled=not quiet)
    committed = [first]

    def progress(record: Any) -> None:
        bar(record)
        if record.result is not None:
            work.write(committed[0], record.result)
            committed[0] += 1

    try:
        with stop_on_interrupt() as stop:
            result = job(progress, stop)
    finally:
        bar.close()
    if result.stopped:
        raise Interrupted(f"{committed[0]} frames are done in {work.path}; run the same command again to go on")
    return result


def _keyframed_layers(specs: tuple[str, ...]) -> dict[str, str] | None:
    """``("block8=0:1,60:0", "block10=1")`` -> ``{"block8": "0:1,60:0", "block10": "1"}`` (parsed by the plan)."""
    if not specs:
        return None
    mix: dict[str, str] = {}
    for spec in specs:
        name, equals, weight = spec.partition("=")
        if not name.strip():
            raise DeepDreamError(f"--layer {spec!r}: expected NAME=WEIGHT (the weight may have keyframes)")
        mix[name.strip()] = weight if equals else "1"
    return mix


def _translation(text: str) -> tuple[str, str]:
    """``"4,-2"`` -> ("4", "-2"); keyframed ``"0:0;0,60:4;0"`` -> ("0:0,60:4", "0:0,60:0")."""
    if ";" not in text:
        parts = text.split(",")
        if len(parts) != 2:
            raise DeepDreamError(f"--translate {text!r}: expected DX,DY (pixels per frame)")
        return parts[0], parts[1]
    xs, ys = [], []
    for keyframe in text.split(","):
        frame, colon, value = keyframe.partition(":")
        dx, semicolon, dy = value.partition(";")
        if not colon or not semicolon:
            raise DeepDreamError(f"--translate {text!r}: keyframes are FRAME:DX;DY, e.g. 0:0;0,60:4;0")
        xs.append(f"{frame}:{dx}")
        ys.append(f"{frame}:{dy}")
    return ",".join(xs), ",".join(ys)


def _drawn_seed() -> int:
    import secrets

    return secrets.randbelow(2**31)
