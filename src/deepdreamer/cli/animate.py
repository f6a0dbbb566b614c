"""``deepdreamer zoom`` and ``deepdreamer video``: options parsed into settings, then one call to the renderer.

The renderer (:mod:`deepdreamer.animate.render`) commits every finished frame to a work folder beside the
output (``.OUTPUT.frames``) and writes the clip, with its record, once all frames are there: Ctrl-C (or a kill)
loses at most the frame being dreamed, and the same command run again goes on from there. ``--like CLIP``
repeats the settings recorded in a clip. Defaults and limits come from :mod:`deepdreamer.animate.defaults`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import checks, records
from ..animate import defaults
from ..errors import DeepDreamError
from ..models.registry import DEFAULT_MODEL
from .app import Interrupted, cli, stop_on_interrupt
from .options import (
    FROM_PRESET,
    ProgressBar,
    apply_like,
    device_option,
    given,
    like_option,
    max_memory_option,
    quiet_option,
    ray_options,
    ray_settings,
    seed_option,
)

if TYPE_CHECKING:
    from ..animate.render import ClipResult

CLIP_OUTPUT = "A .mp4, .mkv, .webm or .gif file, or a path without a suffix for a folder of PNG frames"


def _shared(octaves: int) -> Callable[[Any], Any]:
    """Options every moving dream takes."""

    def add(command: Any) -> Any:
        for option in reversed([
            click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model name."),
            click.option("--preset", help="Named preset of the model [default: its first]."),
            click.option("--octaves", "num_octaves", type=click.IntRange(min=1), default=octaves, show_default=True,
                         help="Octaves of every frame."),
            seed_option(),
            like_option("clip or folder of frames"),
            device_option,
            max_memory_option,
            quiet_option,
        ]):
            command = option(command)
        return click.pass_context(command)

    return add


def _music_options(kind: str) -> Callable[[Any], Any]:
    """--react and --plot (and for a zoom --seconds): what follows the sound, a picture of both, how much of it."""
    presets = "zoom follows motion, the step pulse, the layer mix low against high" if kind == "zoom" else \
        "the step and the steps follow the pulse, the layer mix low against high"

    def add(command: Any) -> Any:
        seconds = [click.option("--seconds", "sound_seconds", type=click.FloatRange(min=0, min_open=True),
                                help="With --sound: how many seconds of it [default: to its end].")]
        for option in reversed([
            *(seconds if kind == "zoom" else []),
            click.option("--react", multiple=True, metavar="TARGET=CURVE:LOW..HIGH",
                         help="A number that follows the sound, e.g. zoom=motion:1.01..1.06 or block10=low:0..1 "
                              "(repeatable; curves: loudness, pulse, motion, beat, low, high, balance); "
                              f"'auto': {presets}."),
            click.option("--plot", type=click.Path(path_type=Path),
                         help="Write the sound's curves and each number that follows one as a picture (.png)."),
        ]):
            command = option(command)
        return command

    return add


@cli.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help=f"{CLIP_OUTPUT}.")
@click.option("--frames", type=click.IntRange(min=1), default=defaults.ZOOM_FRAMES, show_default=True,
              help="Number of frames.")
@click.option("--fps", type=click.FloatRange(min=1, max=240), default=defaults.ZOOM_FPS, show_default=True,
              help="Frames per second of the output (the motion is per frame, so the sense never changes).")
@click.option("--zoom", default=str(defaults.ZOOM_FACTOR), show_default=True, metavar="FACTOR",
              help=f"Zoom per frame: >1 flies in ({defaults.ZOOM_FACTOR} is Google's {defaults.ZOOM_FACTOR - 1:.0%}). "
                   "Keyframes: '0:1.02,60:1.08'.")
@click.option("--rotate", default="0", show_default=True, metavar="DEGREES",
              help="Counterclockwise turn per frame, in degrees (keyframes allowed).")
@click.option("--translate", default="0,0", show_default=True, metavar="DX,DY",
              help="The view's move per frame in pixels, right and down; keyframes as 'DX;DY', e.g. '0:0;0,60:4;0'.")
@click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT",
              help="Layer and weight (repeatable); the weight may have keyframes: block8=0:1,60:0.")
@click.option("--step", help=f"Ascent step size, keyframes allowed [{FROM_PRESET}].")
@click.option("--iterations", default=str(defaults.ZOOM_ITERATIONS), show_default=True,
              help="Ascent steps per octave of every frame (keyframes allowed).")
@click.option("--guard", type=click.FloatRange(0, 1), default=defaults.GUARD, show_default=True,
              help="How strongly each frame's colours are held to the photo's (0: off; drift to grey or one colour).")
@click.option("--size", type=click.IntRange(min=32), default=defaults.ZOOM_SIZE, show_default=True,
              help="Longest side of the frames.")
@click.option("--sound", type=click.Path(path_type=Path),
              help="A music zoom: as many frames as this sound lasts at --fps, the sound under them "
                   "(MP3, WAV, FLAC, OGG, or a video's sound track).")
@click.option("--start", "sound_start", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="With --sound: where in the sound the zoom starts, in seconds.")
@_music_options("zoom")
@_shared(defaults.ZOOM_OCTAVES)
def zoom(ctx: click.Context, photo: Path, output: Path, translate: str, layers: tuple[str, ...], like: Path | None,
         device: str, quiet: bool, react: tuple[str, ...], plot: Path | None, **options: Any) -> None:
    """Fly into PHOTO: every frame dreams the last one after a small zoom, turn and move (Google's zoom).

    With --sound, the zoom lasts as long as the sound and carries it; with --react, its numbers follow the sound.
    """
    from ..animate.render import ZoomSettings, render_zoom
    from ..images import read_image

    options.update(translate=_translation(translate), layers=checks.parse_layers(layers, keyframed=True) or None,
                   sound=_resolved(options["sound"]), react=_react(react, "zoom"))
    _like(ctx, like, records.ZOOM, options)
    settings = ZoomSettings(**options)
    picture = read_image(photo)
    if plot is not None:
        _plot(plot, settings.curves(), settings.react, "zoom", settings.model)
    clip = _render(quiet, lambda progress, stop: render_zoom(picture, settings, output, device=device,
                                                             progress=progress, stop=stop))
    if not quiet:
        click.echo(f"wrote {output} ({clip.frames} frames at {settings.fps:g} fps)", err=True)


@cli.command()
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help=f"{CLIP_OUTPUT} [default: INPUT_dream with INPUT's suffix].")
@click.option("--temporal", type=click.Choice(defaults.TEMPORAL_MODES), default=defaults.DEFAULT_TEMPORAL,
              show_default=True,
              help="How each frame starts: flow carries the last dream along the motion (no flicker); blend mixes "
                   "it in (DeepDreamVideo); none dreams every frame alone.")
@click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT",
              help="Layer to dream on, with its weight (repeatable) [default: the preset's].")
@click.option("--step", type=float, help=f"Ascent step size [{FROM_PRESET}].")
@click.option("--iterations", type=click.IntRange(min=0), default=defaults.VIDEO_ITERATIONS, show_default=True,
              help="Ascent steps per octave of the first frame; the others start warm and run "
                   f"{defaults.WARM_SHARE:.0%} of them.")
@click.option("--size", type=click.IntRange(min=32), help="Longest side of the frames [default: the source's].")
@click.option("--preview", type=click.IntRange(min=32), metavar="SIZE",
              help="First render a quick small version (longest side SIZE) as OUTPUT_preview.")
@click.option("--max-pixels", type=click.IntRange(min=1), default=defaults.VIDEO_MAX_PIXELS, show_default=True,
              help="Refuse videos with larger frames.")
@ray_options
@click.option("--chunks", type=click.IntRange(min=1),
              help="With --ray: runs of frames dreamed in parallel [default: one per worker].")
@click.option("--shared-input", is_flag=True,
              help="With --ray: every node reads INPUT at this same path (a shared disk), so no part of it is sent.")
@click.option("--sound", type=click.Path(path_type=Path),
              help="Put this sound under the video instead of its own (--react then follows it).")
@click.option("--start", "sound_start", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="With --sound: where in it the video starts, in seconds.")
@_music_options("video")
@_shared(defaults.VIDEO_OCTAVES)
def video(ctx: click.Context, source: Path, output: Path | None, layers: tuple[str, ...], preview: int | None,
          max_pixels: int, use_ray: bool, ray_address: str | None, ray_cpus: int, chunks: int | None,
          shared_input: bool, like: Path | None, device: str, quiet: bool, react: tuple[str, ...], plot: Path | None,
          **options: Any) -> None:
    """Dream the video INPUT frame by frame without flicker; keep its timing, rotation and sound.

    With --react, the dream follows the video's own sound (or --sound): its strength kicks on the beats.

    With --ray, runs of frames are dreamed in parallel on a Ray cluster, each starting a few frames early so
    that the dream is warm where it begins, and joined with short crossfades. Each worker gets only its run's
    part of the file (cut at a keyframe, not re-encoded) and encodes what it dreams; the pieces are joined by
    copy.
    """
    from dataclasses import replace

    from ..animate.render import VideoSettings, render_video
    from ..animate.video_io import check_output, probe_video

    ray = ray_settings(use_ray, ray_address, ray_cpus)
    if ray is None and (chunks is not None or shared_input):
        raise DeepDreamError(f"{'--chunks' if chunks else '--shared-input'} is for a video on a Ray cluster: add --ray")
    if ray is not None:
        ray["shared_input"] = shared_input
    options.update(layers=checks.parse_layers(layers) or None, sound=_resolved(options["sound"]),
                   react=_react(react, "video"))
    _like(ctx, like, records.VIDEO, options)
    settings = VideoSettings(**options)
    info = probe_video(source, max_pixels)
    if plot is not None:
        _plot(plot, settings.curves(info), settings.react, "video", settings.model)
    output = output or source.with_name(f"{source.stem}_dream{source.suffix}")
    check_output(output, info)
    runs = [(output, settings)]
    if preview is not None:
        small = output.with_name(f"{output.stem}_preview{output.suffix}")
        check_output(small, info)
        runs.insert(0, (small, replace(settings, size=preview)))
    for path, chosen in runs:
        clip = _render(quiet, lambda progress, stop, path=path, chosen=chosen: render_video(
            info, chosen, path, device=device, max_pixels=max_pixels, ray=ray, chunks=chunks, progress=progress,
            stop=stop))
        for message in clip.damaged:
            click.echo(f"deepdreamer: {message}", err=True)
        if not quiet:
            click.echo(f"wrote {path} ({clip.frames} frames{' on Ray' if ray else ''})", err=True)


def _resolved(path: Path | None) -> str | None:
    return None if path is None else str(path.resolve())


def _react(texts: tuple[str, ...], kind: str) -> dict[str, str] | None:
    from ..animate.music import react_settings

    return react_settings(texts, kind) if texts else None


def _plot(path: Path, curves: Any, react: Any, kind: str, model: str) -> None:
    if curves is None:
        raise DeepDreamError("--plot draws the sound's curves: give a sound")
    from ..animate.music import reactions
    from ..animate.plot import plot_curves

    plot_curves(path, curves, reactions(react, kind, curves, model) if react else {})


def _like(ctx: click.Context, like: Path | None, kind: str, options: dict[str, Any]) -> None:
    """``--like CLIP``: the settings recorded in the clip fill every option not given here."""
    if like is None:
        return
    from ..animate.video_io import read_record

    apply_like(like, read_record(like), kind, options, given(ctx))


def _render(quiet: bool, job: Callable[[Any, Any], ClipResult]) -> ClipResult:
    """Run a render with the progress bar and Ctrl-C; Interrupted (and the frames kept for a rerun) if stopped."""
    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            clip = job(bar, stop)
    finally:
        bar.close()
    if clip.stopped:
        raise Interrupted(f"{clip.frames} frames are done in {clip.work}; run the same command again to go on")
    return clip


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
