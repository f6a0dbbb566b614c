"""``deepdreamer layers`` and ``deepdreamer models``: what there is to dream with (answered from the catalog)."""

from __future__ import annotations

from pathlib import Path

import click

from ..models import catalog
from ..models.registry import DEFAULT_MODEL
from .app import Interrupted, cli, stop_on_interrupt
from .options import ProgressBar, quiet_option, seed_option


@cli.command()
@click.argument("model", default=DEFAULT_MODEL)
@click.option("--preview", type=click.Path(path_type=Path),
              help="Dream this photo once per layer (small, fast) and write the results as a captioned grid.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Grid image for --preview [default: PHOTO_layers_MODEL.png].")
@click.option("--size", type=click.IntRange(min=32), default=256, show_default=True,
              help="Longest side of each preview.")
@click.option("--iterations", type=int, help="Ascent steps per octave of each preview [default: the model's preset].")
@seed_option("Seed of the previews' jitter.", default=0)
@quiet_option
def layers(model: str, preview: Path | None, output: Path | None, size: int, iterations: int | None, seed: int,
           quiet: bool) -> None:
    """List the layers of MODEL that can be dreamed on (name, channels, stride w.r.t. the input).

    With --preview PHOTO, dream PHOTO once per layer instead and write the grid: what each depth does.
    """
    if preview is not None:
        _preview_layers(model, preview, output, size, iterations, seed, quiet)
        return
    found = catalog.entry(model)
    default_layers = next(iter(found["presets"].values()))["layers"]
    canonical = {alias: name for name, aliases, _, _ in found["layers"] for alias in [name, *aliases]}
    preset = {canonical.get(name, name): weight for name, weight in default_layers.items()}
    width = max(len(name) for name, *_ in found["layers"])
    click.echo(f"{'layer':<{width}} {'channels':>8} {'stride':>6}  also known as")
    for name, aliases, channels, stride in found["layers"]:
        mark = f"  (default preset, weight {preset[name]:g})" if name in preset else ""
        click.echo(f"{name:<{width}} {channels:>8} {stride:>6}  {', '.join(aliases)}{mark}")


def _preview_layers(model: str, photo: Path, output: Path | None, size: int, iterations: int | None, seed: int,
                    quiet: bool) -> None:
    from ..exploration import layer_previews
    from ..images import check_output_path, read_image, write_image

    output = output or Path(f"{photo.stem}_layers_{model}.png")
    check_output_path(output, [photo])
    picture = read_image(photo)
    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            previews = layer_previews(picture, model=model, side=size, seed=seed, iterations=iterations,
                                      progress=bar, stop=stop)
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
