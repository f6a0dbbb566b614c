"""``deepdreamer explore`` (random layer mixes on a photo) and ``deepdreamer filters`` (feature visualisation)."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from tqdm import tqdm

from ..api import DreamResult
from ..errors import DeepDreamError
from ..explore import EXPLORE_SIDE, describe_mix, explore
from ..filters import FilterSettings, parse_channels, visualize_channels
from ..images import check_output_path, read_image, write_image
from ..models import load_model
from ..sheets import contact_sheet
from .app import FROM_PRESET, cli, default


@cli.command("explore")
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("-n", "--count", type=int, default=12, show_default=True, help="Number of random layer mixes.")
@click.option("--seed", type=int, help="Seed of the random mixes [default: drawn, printed].")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Contact sheet [default: PHOTO_explore.png]; the single dreams go in a folder of the same name.")
@click.option("--model", default=default("model"), show_default=True, help="Model name.")
@click.option("--preset", help="Preset whose settings (not layers) the dreams use [default: the model's first].")
@click.option("--iterations", type=int, help=f"Ascent steps per octave [{FROM_PRESET}].")
@click.option("--step", type=float, help=f"Ascent step size [{FROM_PRESET}].")
@click.option("--size", type=click.IntRange(min=32), default=EXPLORE_SIDE, show_default=True,
              help="Longest side of each dream.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def explore_command(photo: Path, count: int, seed: int | None, output: Path | None, size: int, quiet: bool,
                    **options: object) -> None:
    """Dream PHOTO with COUNT random layer mixes; write a captioned contact sheet and each dream on its own.

    Each single dream keeps its settings in its metadata: repeat one on the full photo with
    'deepdreamer dream PHOTO --like FOLDER/NN.png'.
    """
    output = output or Path(f"{photo.stem}_explore.png")
    check_output_path(output, [photo])
    folder = output.with_suffix("")
    if folder.exists() and not folder.is_dir():
        raise DeepDreamError(f"{folder} exists and is not a folder")
    if seed is None:
        seed = secrets.randbelow(2**31)
    picture = read_image(photo)
    with tqdm(total=count, unit="dream", disable=quiet, dynamic_ncols=True) as bar:

        def save(index: int, result: DreamResult) -> None:
            folder.mkdir(exist_ok=True)
            write_image(folder / f"{index + 1:02d}.png", result.image, params=result.params)
            bar.update()

        results = explore(picture.image, count, seed=seed, side=size, on_result=save,
                          **{key: value for key, value in options.items() if value is not None})
    tiles = [(result.image, f"{i + 1}: {describe_mix(result.params['layers'])}") for i, result in enumerate(results)]
    write_image(output, contact_sheet(tiles), params={"explore_seed": seed, "photo": str(photo)})
    if not quiet:
        click.echo(f"wrote {output} and {count} dreams in {folder}/ (seed {seed})", err=True)


@cli.command()
@click.argument("model")
@click.argument("layer")
@click.option("--channels", default="0-15", show_default=True, help="Channels to show: ranges and lists, e.g. 0-7,42.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Grid image [default: MODEL_LAYER_filters.png].")
@click.option("--size", type=int, default=FilterSettings.size, show_default=True, help="Side of each picture.")
@click.option("--steps", type=int, default=FilterSettings.steps, show_default=True, help="Optimisation steps.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the starting noise and transforms.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def filters(model: str, layer: str, channels: str, output: Path | None, size: int, steps: int, seed: int,
            device: str, quiet: bool) -> None:
    """Show what channels of LAYER in MODEL respond to: pictures grown from noise, one per channel, in a grid."""
    output = output or Path(f"{model}_{layer.replace('/', '_')}_filters.png")
    check_output_path(output, [])
    chosen = parse_channels(channels)
    settings = FilterSettings(size=size, steps=steps)
    settings.check()
    net = load_model(model, device=device)
    with tqdm(total=1, unit="step", disable=quiet, dynamic_ncols=True) as bar:

        def report(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        pictures = visualize_channels(net, layer, chosen, settings, seed=seed, progress=report)
    sheet = contact_sheet([(picture, f"{layer}:{c}") for picture, c in zip(pictures, chosen, strict=True)])
    write_image(output, sheet, params={"model": model, "layer": layer, "channels": chosen, "size": size,
                                       "steps": steps, "seed": seed})
    if not quiet:
        click.echo(f"wrote {output}", err=True)
