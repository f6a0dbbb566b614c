"""``deepdreamer dream``: one photo in, one dream out, with every option of :func:`deepdreamer.dream`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import records
from ..api import dream as dream_function
from ..errors import DeepDreamError
from ..examples import EXAMPLE_PHOTOS, example_path
from ..precision import CHOICES as PRECISIONS
from ..settings import format_size
from .app import Interrupted, cli, stop_on_interrupt
from .help import GroupedCommand
from .options import (
    FROM_PRESET,
    MAX_PIXELS_HINT,
    ProgressBar,
    api_defaults,
    apply_like,
    device_option,
    given,
    layer_option,
    like_option,
    max_memory_option,
    max_pixels_option,
    output_path,
    quiet_option,
    ray_options,
    ray_settings,
    seed_option,
)

_DEFAULTS = api_defaults(dream_function)
#: Options that name image files: read before the dream, recorded by path.
_IMAGE_OPTIONS = ("guide", "mask")
#: ``dream --help`` in sections (options in none are listed last).
GROUPS = [
    ("What to dream", ["example", "model", "preset", "layers", "objective", "class_name", "guide", "mask", "weights"]),
    ("How strong", ["step", "iterations", "max_loss", "jitter", "laplacian_levels", "smoothing", "keep_colors"]),
    ("Octaves", ["num_octaves", "octave_scale"]),
    ("Output", ["output", "keep_octaves", "quiet"]),
    ("Performance and limits", ["device", "precision", "max_memory", "tile_size", "max_pixels", "use_ray",
                                "ray_address", "ray_cpus"]),
    ("Reproducibility", ["seed", "like"]),
]


@cli.command(cls=GroupedCommand, groups=GROUPS)
@click.argument("input_path", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Output image (.png, .jpg, .webp, .tif), or a folder to put it in [default: INPUT_dream.png].")
@click.option("--example", type=click.Choice(EXAMPLE_PHOTOS), help="Dream a bundled photo instead of INPUT.")
@click.option("--model", default=_DEFAULTS["model"], show_default=True, help="Model name (see 'deepdreamer models').")
@click.option("--preset", help="Named preset of the model (see 'deepdreamer models') [default: its first].")
@layer_option("Layer to dream on, with its weight (repeatable; replaces the preset's layers).")
@click.option("--objective", metavar="EXPR",
              help="What to maximise, e.g. \"channel('block10', 97) - 0.5*block8\" or block10:97 "
                   "(functions: layer, channel, channels, logit, guide; see the README).")
@click.option("--class", "class_name", metavar="NAME",
              help="Dream towards an ImageNet class, e.g. 'golden retriever' (same as --objective \"logit(NAME)\").")
@click.option("--guide", type=click.Path(path_type=Path),
              help="Guide image: the dream grows the features of this picture (Google's guided dreams).")
@click.option("--step", type=float, help=f"Ascent step size [{FROM_PRESET}].")
@click.option("--octaves", "num_octaves", type=int, help=f"Number of scales [{FROM_PRESET}].")
@click.option("--octave-scale", type=float, help=f"Size ratio between octaves [{FROM_PRESET}].")
@click.option("--iterations", type=int, help=f"Ascent steps per octave [{FROM_PRESET}].")
@click.option("--max-loss", type=float,
              help=f"Stop an octave when the loss exceeds this; 'inf' never stops [{FROM_PRESET}].")
@click.option("--jitter", type=int, help=f"Random shift in pixels each step (0: off) [{FROM_PRESET}].")
@click.option("--laplacian-levels", type=int,
              help=f"Laplacian-pyramid gradient normalisation levels (0: off) [{FROM_PRESET}].")
@click.option("--smoothing", type=float,
              help=f"Blur each gradient by this sigma in pixels: softer, larger shapes (0: off) [{FROM_PRESET}].")
@click.option("--keep-colors", is_flag=True, help="Keep the photo's colours: the dream changes light and shade only.")
@click.option("--mask", type=click.Path(path_type=Path),
              help="Grayscale image: dream where white, keep the photo where black, blend in between.")
@click.option("--tile-size", type=int,
              help="Compute gradients in tiles of this side, whatever --max-memory allows "
                   "[default: whole when it fits --max-memory, else the largest tiles that fit].")
@max_memory_option
@seed_option()
@device_option
@click.option("--precision", type=click.Choice(PRECISIONS), default=_DEFAULTS["precision"], show_default=True,
              help="auto: bf16 where the device has BF16 units (AVX-512 BF16, AMX, recent GPUs), else fp32; "
                   "the seed's preset stays fp32. bf16 is much slower on CPUs without BF16 units.")
@click.option("--weights", type=click.Path(path_type=Path),
              help="Checkpoint file to load instead of the model's standard weights.")
@click.option("--save-octaves", "keep_octaves", is_flag=True,
              help="Also write each octave's image, named after OUTPUT: OUTPUT_at_scale_WxH.")
@like_option("dream's image")
@ray_options
@max_pixels_option
@quiet_option
@click.pass_context
def dream(ctx: click.Context, input_path: Path | None, output: Path | None, example: str | None,
          keep_octaves: bool, like: Path | None, max_pixels: int, quiet: bool, use_ray: bool, ray_address: str | None,
          ray_cpus: int, **options: Any) -> None:
    """Dream INPUT (any image Pillow reads, or a folder of them), or a bundled photo (--example), into OUTPUT,
    with the seed's octave algorithm. Options not given come from the model's preset ('deepdreamer models').

    A folder is dreamed photo by photo into the folder OUTPUT [default: INPUT_dreams], in natural order; run the
    same command again after an interruption to go on where it stopped (--ray: on a Ray cluster).
    """
    from ..images import check_output_path, read_image, write_image

    if example is not None:
        if input_path is not None:
            raise DeepDreamError("give either INPUT or --example, not both")
        input_path = example_path(example)
    if input_path is None:
        raise DeepDreamError("give an INPUT image (or --example NAME for a bundled photo)")
    recorded: set[str] = set()
    if like is not None:
        record = read_image(like, max_pixels, limit_hint=MAX_PIXELS_HINT).params
        recorded = apply_like(like, record, records.DREAM, options, given(ctx))
        note = records.stopped_note(record or {})
        if note and not quiet:
            click.echo(f"deepdreamer: {like}: {note}", err=True)
    if input_path.is_dir():
        if keep_octaves:
            raise DeepDreamError("--save-octaves is for one photo, not a folder")
        ray = ray_settings(use_ray, ray_address, ray_cpus)
        _dream_folder(input_path, output or Path(f"{input_path.name}_dreams"), options, max_pixels, quiet, ray)
        return
    if use_ray or ray_address:
        raise DeepDreamError("--ray dreams a folder of photos (or a video): give a folder as INPUT")
    output = output_path(output, Path(f"{input_path.stem}_dream.png"))
    paths = {key: Path(options.pop(key)) for key in _IMAGE_OPTIONS if options[key] is not None}
    inputs = [input_path, *paths.values(), *([like] if like is not None else [])]
    check_output_path(output, inputs)
    picture = read_image(input_path, max_pixels=max_pixels, limit_hint=MAX_PIXELS_HINT)
    for key, path in paths.items():
        if key in recorded and not path.exists():
            raise DeepDreamError(f"{path}: no such file (the {key} recorded in {like}; give --{key} FILE for another)")
        options[key] = read_image(path, max_pixels=max_pixels, limit_hint=MAX_PIXELS_HINT)
    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            result = dream_function(picture, **options, keep_octaves=keep_octaves, progress=bar, stop=stop)
    finally:
        bar.close()
    if result.stopped:
        raise Interrupted
    octave_paths = [output.with_name(f"{output.stem}_at_scale_{w}x{h}{output.suffix}") for w, h in result.octave_sizes]
    for path in octave_paths if keep_octaves else []:
        check_output_path(path, inputs)
    result.save(output)
    for path, image in zip(octave_paths, result.octave_images, strict=False):
        write_image(path, image, icc_profile=picture.icc_profile)
    if not quiet:
        note = tiling_note(result.params["tiles"])
        if note:
            click.echo(note, err=True)
        click.echo(f"wrote {output}", err=True)


def tiling_note(tiles: dict[str, Any] | None) -> str | None:
    """The one line that says a dream was tiled, and why (None: every octave ran whole, as in the seed)."""
    if tiles is None:
        return None
    octaves = ", ".join(f"{size} in {tile} tiles" for size, tile in tiles["octaves"].items())
    reason = ("as --tile-size asks" if tiles["max_memory"] is None else
              f"the whole image did not fit --max-memory {format_size(tiles['max_memory'])}")
    return f"tiled ({octaves}): {reason} (how tiles differ: docs/tiling.md)"


def _dream_folder(source: Path, output: Path, options: dict[str, Any], max_pixels: int, quiet: bool,
                  ray: dict[str, Any] | None) -> None:
    from ..animate.folders import dream_folder
    from ..images import read_image

    for key in _IMAGE_OPTIONS:  # checked once here, then read by each dream from the path it is recorded by
        if options[key] is not None:
            read_image(options[key], max_pixels)
            options[key] = str(Path(options[key]).resolve())
    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            if ray is None:
                run = dream_folder(source, output, progress=bar, stop=stop, max_pixels=max_pixels, **options)
            else:
                from ..animate.cluster import dream_folder_on_ray

                run = dream_folder_on_ray(source, output, **ray, progress=bar, stop=stop, max_pixels=max_pixels,
                                          **options)
    finally:
        bar.close()
    for path, reason in run.failed:
        click.echo(f"deepdreamer: skipped {path.name}: {reason}", err=True)
    if run.stopped:
        raise Interrupted(f"{len(run.written)} dreams written to {output}/; run the same command again to go on")
    if not quiet:
        click.echo(f"wrote {len(run.written)} dreams to {output}/ ({len(run.skipped)} were already there)", err=True)
    if run.failed:
        raise DeepDreamError(f"{len(run.failed)} of {len(run.failed) + len(run.written) + len(run.skipped)} photos "
                             "could not be dreamed (listed above)")
