"""``deepdreamer layers`` and ``deepdreamer models``: what there is to dream with."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from ..api import DreamResult
from ..explore import layer_previews
from ..images import check_output_path, read_image, write_image
from ..models import list_models, load_model, model_spec
from ..sheets import contact_sheet
from .app import cli, default


@cli.command()
@click.argument("model", default=default("model"))
@click.option("--preview", type=click.Path(path_type=Path),
              help="Dream this photo once per layer (small, fast) and write the results as a captioned grid.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Grid image for --preview [default: PHOTO_layers_MODEL.png].")
@click.option("--size", type=click.IntRange(min=32), default=256, show_default=True,
              help="Longest side of each preview.")
@click.option("--iterations", type=int, help="Ascent steps per octave of each preview [default: the model's preset].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the previews' jitter.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def layers(model: str, preview: Path | None, output: Path | None, size: int, iterations: int | None, seed: int,
           quiet: bool) -> None:
    """List the layers of MODEL that can be dreamed on (name, channels, stride w.r.t. the input).

    With --preview PHOTO, dream PHOTO once per layer instead and write the grid: what each depth does.
    """
    if preview is not None:
        _preview_layers(model, preview, output, size, iterations, seed, quiet)
        return
    preset = model_spec(model).preset(None)
    net = load_model(model, pretrained=False, device="cpu")
    width = max(len(name) for name in net.layer_names)
    click.echo(f"{'layer':<{width}} {'channels':>8} {'stride':>6}  also known as")
    resolved_preset = {net.resolve_layer(name): w for name, w in preset.layers.items()}
    for info in net.layer_table():
        mark = f"  (default preset, weight {resolved_preset[info.name]:g})" if info.name in resolved_preset else ""
        click.echo(f"{info.name:<{width}} {info.channels:>8} {info.stride:>6}  {', '.join(info.aliases)}{mark}")


def _preview_layers(model: str, photo: Path, output: Path | None, size: int, iterations: int | None, seed: int,
                    quiet: bool) -> None:
    output = output or Path(f"{photo.stem}_layers_{model}.png")
    check_output_path(output, [photo])
    picture = read_image(photo)
    stages = load_model(model, pretrained=False, device="cpu").stage_names
    with tqdm(total=len(stages), unit="layer", disable=quiet, dynamic_ncols=True) as bar:

        def advance(name: str, _: DreamResult) -> None:
            bar.set_postfix_str(name)
            bar.update()

        previews = layer_previews(picture.image, model=model, side=size, seed=seed, iterations=iterations,
                                  on_result=advance)
    write_image(output, contact_sheet([(result.image, name) for name, result in previews]))
    if not quiet:
        click.echo(f"wrote {output}", err=True)


@cli.command()
def models() -> None:
    """List the models, where their weights come from, whether they are here, and their presets."""
    for name in list_models():
        spec = model_spec(name)
        present = "present" if spec.weights.locate() is not None else "missing"
        click.echo(f"{name}: {spec.description}")
        click.echo(f"    weights: {spec.weights.describe()} [{present}]")
        for preset_name, preset in spec.presets.items():
            click.echo(f"    preset {preset_name}: {preset.description}")
