"""``deepdreamer dream``: one photo in, one dream out, with every option of :func:`deepdreamer.dream`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from .. import api
from ..engine import DreamSettings, octave_shapes
from ..errors import DeepDreamError
from ..images import DEFAULT_MAX_PIXELS, EXAMPLE_PHOTOS, check_output_path, example_path, read_image, write_image
from .app import FROM_PRESET, OctaveBars, cli, default

#: What a dream maximises; a recorded one is taken over by ``--like`` unless one of them is given.
_TARGET_OPTIONS = ("layers", "objective", "class_name", "guide")


@cli.command()
@click.argument("input_path", metavar="INPUT", required=False, type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output image [default: INPUT_dream.png].")
@click.option("--example", type=click.Choice(EXAMPLE_PHOTOS), help="Dream a bundled photo instead of INPUT.")
@click.option("--model", default=default("model"), show_default=True, help="Model name (see 'deepdreamer models').")
@click.option("--preset", help="Named preset of the model (see 'deepdreamer models') [default: its first].")
@click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT",
              help="Layer to dream on, with its weight (repeatable; replaces the preset's layers).")
@click.option("--objective", metavar="EXPR",
              help="What to maximise, e.g. \"channel('block10', 97) - 0.5*block8\" or block10:97 "
                   "(functions: layer, channel, channels, logit, guide; see the README).")
@click.option("--class", "class_name", metavar="NAME",
              help="Dream towards an ImageNet class, e.g. 'golden retriever' (same as --objective \"logit(NAME)\").")
@click.option("--guide", type=click.Path(path_type=Path),
              help="Guide image: the dream grows the features of this picture (Google's guided dreams).")
@click.option("--step", type=float, default=default("step"), help=f"Ascent step size [{FROM_PRESET}].")
@click.option("--octaves", "num_octaves", type=int, default=default("num_octaves"),
              help=f"Number of scales [{FROM_PRESET}].")
@click.option("--octave-scale", type=float, default=default("octave_scale"),
              help=f"Size ratio between octaves [{FROM_PRESET}].")
@click.option("--iterations", type=int, default=default("iterations"),
              help=f"Ascent steps per octave [{FROM_PRESET}].")
@click.option("--max-loss", type=float, default=default("max_loss"),
              help=f"Stop an octave when the loss exceeds this; 'inf' never stops [{FROM_PRESET}].")
@click.option("--jitter", type=int, default=default("jitter"),
              help=f"Random shift in pixels each step (0: off) [{FROM_PRESET}].")
@click.option("--laplacian-levels", type=int, default=default("laplacian_levels"),
              help=f"Laplacian-pyramid gradient normalisation levels (0: off) [{FROM_PRESET}].")
@click.option("--smoothing", type=float, default=default("smoothing"),
              help=f"Blur each gradient by this sigma in pixels: softer, larger shapes (0: off) [{FROM_PRESET}].")
@click.option("--keep-colors", is_flag=True, default=default("keep_colors"),
              help="Keep the photo's colours: the dream changes light and shade only.")
@click.option("--mask", type=click.Path(path_type=Path),
              help="Grayscale image: dream where white, keep the photo where black, blend in between.")
@click.option("--tile-size", type=int, default=default("tile_size"),
              help="Compute gradients in tiles of this side for images above twice its square (0: never) "
                   f"[default: {DreamSettings().tile_size}].")
@click.option("--seed", type=int, default=default("seed"), help="Seed for anything random [default: drawn, recorded].")
@click.option("--device", default=default("device"), show_default=True, help="auto, cpu, cuda or mps.")
@click.option("--precision", type=click.Choice(list(api.PRECISIONS)), default=default("precision"),
              show_default=True, help="bf16: faster on GPUs and CPUs with BF16 units, slower elsewhere.")
@click.option("--weights", type=click.Path(path_type=Path), default=default("weights"),
              help="Checkpoint file to load instead of the model's standard weights.")
@click.option("--save-octaves", is_flag=True, help="Also write each octave's image as dream_at_scale_WxH.png.")
@click.option("--like", type=click.Path(path_type=Path),
              help="Repeat the settings recorded in a previous dream's PNG (options given here win).")
@click.option("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, show_default=True,
              help="Refuse larger images (a guard against decompression bombs).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def dream(ctx: click.Context, input_path: Path | None, output: Path | None, example: str | None,
          save_octaves: bool, like: Path | None, max_pixels: int, quiet: bool, **options: Any) -> None:
    """Dream INPUT (any image Pillow reads) into OUTPUT, with the seed's octave algorithm."""
    if example is not None:
        if input_path is not None:
            raise DeepDreamError("give either INPUT or --example, not both")
        input_path = example_path(example)
    if input_path is None:
        raise DeepDreamError("give an INPUT image (or --example NAME for a bundled photo)")
    source = input_path
    output = output or Path(f"{source.stem}_dream.png")
    if like is not None:
        _take_recorded_settings(ctx, like, options)
    paths = {key: None if options[key] is None else Path(options[key]).resolve() for key in ("guide", "mask")}
    del options["guide"], options["mask"]
    inputs = [source, *(path for path in (*paths.values(), like) if path is not None)]
    check_output_path(output, inputs)
    picture = read_image(source, max_pixels=max_pixels)
    octave_paths = []
    if save_octaves:
        settings = api.dream_settings(options["model"], options["preset"],
                                      {key: options[key] for key in ("num_octaves", "octave_scale")})
        octave_paths = [output.parent / f"dream_at_scale_{w}x{h}.png" for h, w in octave_shapes(
            picture.image.height, picture.image.width, settings.num_octaves, settings.octave_scale)]
        for path in octave_paths:
            check_output_path(path, inputs)
    images = {key: None if path is None else read_image(path, max_pixels=max_pixels).image
              for key, path in paths.items()}
    options["layers"] = parse_layers(options["layers"]) if options["layers"] else None
    class_name = options.pop("class_name")
    if class_name is not None:
        if options["objective"] is not None:
            raise DeepDreamError("give either --class or --objective, not both")
        options["objective"] = f"logit({class_name!r})"
    bars = None if quiet else OctaveBars()
    try:
        result = api.dream(picture.image, **options, **images, keep_octaves=save_octaves, progress=bars)
    finally:
        if bars is not None:
            bars.close()
    params = {**result.params, **{key: str(path) for key, path in paths.items() if path is not None}}
    write_image(output, result.image, icc_profile=picture.icc_profile, params=params)
    for path, image in zip(octave_paths, result.octave_images, strict=True):
        write_image(path, image, icc_profile=picture.icc_profile)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _take_recorded_settings(ctx: click.Context, like: Path, options: dict[str, Any]) -> None:
    """Fill ``options`` from a previous dream's metadata where the command line left them at their default."""
    recorded = read_image(like).params
    if recorded is None:
        raise DeepDreamError(f"{like}: no deepdreamer settings in its metadata")
    target_given = any(ctx.get_parameter_source(key) != ParameterSource.DEFAULT for key in _TARGET_OPTIONS)
    try:
        repeated = api.params_to_options(recorded)
        paths = api.checked_record(recorded, ("guide", "mask"))
    except DeepDreamError as exc:
        raise DeepDreamError(f"{like}: {exc}") from None
    repeated.update({key: Path(path) for key, path in paths.items() if path is not None})
    for key, value in repeated.items():
        if key in _TARGET_OPTIONS and target_given:
            continue
        if ctx.get_parameter_source(key) == ParameterSource.DEFAULT:
            options[key] = tuple(f"{name}={weight}" for name, weight in value.items()) if key == "layers" else value


def parse_layers(specs: tuple[str, ...]) -> dict[str, float]:
    """``("block8=1", "block10=0.5")`` -> ``{"block8": 1.0, "block10": 0.5}`` (a missing weight is 1)."""
    weights: dict[str, float] = {}
    for spec in specs:
        name, _, weight = spec.partition("=")
        try:
            weights[name.strip()] = float(weight) if weight else 1.0
        except ValueError:
            raise DeepDreamError(f"--layer {spec!r}: expected NAME=WEIGHT with a number as WEIGHT") from None
        if not name.strip() or not math.isfinite(weights[name.strip()]):
            raise DeepDreamError(f"--layer {spec!r}: expected NAME=WEIGHT with a finite number as WEIGHT")
    return weights
