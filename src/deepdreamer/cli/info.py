"""``deepdreamer layers`` and ``deepdreamer models``: what there is to dream with (answered from the catalog)."""

from __future__ import annotations

from pathlib import Path

import click

from ..models import catalog
from ..models.registry import DEFAULT_MODEL
from .app import Interrupted, cli, stop_on_interrupt
from .help import HiddenArgument, positional_alias
from .options import (
    MAX_PIXELS_HINT,
    ProgressBar,
    device_option,
    max_pixels_option,
    output_path,
    quiet_option,
    seed_option,
)


@cli.command()
@click.argument("old_model", required=False, cls=HiddenArgument)  # the old spelling: layers MODEL
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model name (see 'deepdreamer models').")
@click.option("--preview", type=click.Path(path_type=Path), metavar="INPUT",
              help="Dream this photo once per layer (small, fast) and write the results as a captioned grid.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Grid image for --preview, or a folder to put it in [default: INPUT_layers_MODEL.png].")
@click.option("--size", type=click.IntRange(min=32), default=256, show_default=True,
              help="Longest side of each preview.")
@click.option("--iterations", type=int, help="Ascent steps per octave of each preview [default: the model's preset].")
@seed_option("Seed of the previews' jitter.", default=0)
@device_option
@max_pixels_option
@quiet_option
@click.pass_context
def layers(ctx: click.Context, old_model: str | None, model: str, preview: Path | None, output: Path | None,
           size: int, iterations: int | None, seed: int, device: str, max_pixels: int, quiet: bool) -> None:
    """List the layers of MODEL that can be dreamed on (name, channels, stride w.r.t. the input).

    With --preview INPUT, dream INPUT once per layer instead and write the grid: what each depth does.
    """
    model = positional_alias(ctx, "model", model, old_model)
    if preview is not None:
        _preview_layers(model, preview, output, size, iterations, seed, device, max_pixels, quiet)
        return
    rows = catalog.list_layers(model)
    default_layers = next(iter(catalog.entry(model)["presets"].values()))["layers"]
    preset = {catalog.layer_info(model, name).name: weight for name, weight in default_layers.items()}
    width = max(len(info.name) for info in rows)
    click.echo(f"{'layer':<{width}} {'channels':>8} {'stride':>6}  also known as")
    for info in rows:
        mark = f"  (default preset, weight {preset[info.name]:g})" if info.name in preset else ""
        click.echo(f"{info.name:<{width}} {info.channels:>8} {info.stride:>6}  {', '.join(info.aliases)}{mark}")


def _preview_layers(model: str, photo: Path, output: Path | None, size: int, iterations: int | None, seed: int,
                    device: str, max_pixels: int, quiet: bool) -> None:
    from ..exploration import layer_previews
    from ..images import check_output_path, read_image, write_image

    output = output_path(output, Path(f"{photo.stem}_layers_{model}.png"))
    check_output_path(output, [photo])
    picture = read_image(photo, max_pixels, limit_hint=MAX_PIXELS_HINT)
    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            previews = layer_previews(picture, model=model, side=size, seed=seed, iterations=iterations,
                                      device=device, progress=bar, stop=stop)
    finally:
        bar.close()
    if previews.stopped:
        raise Interrupted
    write_image(output, previews.sheet())
    if not quiet:
        click.echo(f"wrote {output}", err=True)


@cli.command()
def models() -> None:
    """List the models, where their weights come from, whether they are here, and their presets."""
    for name, found in catalog.load().items():
        source = catalog.weights_source(name)
        present = "present" if source.locate() is not None else "missing"
        click.echo(f"{name}: {found['description']}")
        click.echo(f"    weights: {source.describe()} [{present}]")
        for preset_name, preset in found["presets"].items():
            click.echo(f"    preset {preset_name}: {preset['description']}")
