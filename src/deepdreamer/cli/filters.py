"""``deepdreamer filters``: what the channels of a layer respond to, grown from noise, on a grid."""

from __future__ import annotations

from pathlib import Path

import click

from .. import records
from ..defaults import FILTER_SIZE, FILTER_STEPS
from ..models.registry import DEFAULT_MODEL
from .app import Interrupted, cli, stop_on_interrupt
from .help import AliasedOption, HiddenArgument, positional_alias
from .options import ProgressBar, device_option, output_path, quiet_option, seed_option


@cli.command()
@click.argument("first", metavar="LAYER")
@click.argument("second", required=False, cls=HiddenArgument)  # the old spelling: filters MODEL LAYER
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model name (see 'deepdreamer models').")
@click.option("--channels", default="0-15", show_default=True, help="Channels to show: ranges and lists, e.g. 0-7,42.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Grid image, or a folder to put it in [default: MODEL_LAYER_filters.png].")
@click.option("--size", type=int, default=FILTER_SIZE, show_default=True, help="Side of each picture.")
@click.option("--iterations", "--steps", "iterations", cls=AliasedOption, hidden_aliases=["--steps"], type=int,
              default=FILTER_STEPS, show_default=True, help="Optimisation steps.")
@seed_option("Seed of the starting noise and transforms.", default=0)
@device_option
@quiet_option
@click.pass_context
def filters(ctx: click.Context, first: str, second: str | None, model: str, channels: str, output: Path | None,
            size: int, iterations: int, seed: int, device: str, quiet: bool) -> None:
    """Show what channels of LAYER respond to: pictures grown from noise, one per channel, in a grid."""
    from ..filters import FilterSettings, parse_channels, visualize_channels
    from ..images import check_output_path, write_image
    from ..models import load_model

    model, layer = (positional_alias(ctx, "model", model, first), second) if second is not None else (model, first)
    output = output_path(output, Path(f"{model}_{layer.replace('/', '_')}_filters.png"))
    check_output_path(output, [])
    chosen = parse_channels(channels)
    settings = FilterSettings(size=size, steps=iterations)
    settings.check()
    net = load_model(model, device=device)
    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            pictures = visualize_channels(net, layer, chosen, settings, seed=seed, progress=bar, stop=stop)
    finally:
        bar.close()
    if pictures.stopped:
        raise Interrupted
    write_image(output, pictures.sheet(), params=records.new_record(records.FILTERS, {
        "model": model, "layer": layer, "channels": chosen, "size": size, "steps": iterations, "seed": seed}))
    if not quiet:
        click.echo(f"wrote {output}", err=True)
