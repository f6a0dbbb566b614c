"""The command line: parse, call the API, report progress. No tensors here.

Every error a user can cause ends as one line on stderr and exit status 2; Ctrl-C exits with 130 and
leaves no partial file.
"""

from __future__ import annotations

import inspect
import math
import signal
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from tqdm import tqdm

from . import api
from .audio.cli import audio
from .engine import DreamSettings, Progress
from .errors import DeepDreamError
from .images import DEFAULT_MAX_PIXELS, EXAMPLE_PHOTOS, check_output_path, example_path, read_image, write_image
from .models import list_models, load_model, model_spec
from .runtime import keep_freed_memory

_DREAM_DEFAULTS = {name: p.default for name, p in inspect.signature(api.dream).parameters.items()}
_FROM_PRESET = "default: the model's preset"


def _default(name: str) -> Any:
    """The CLI default of a dream option: the API's own, so the two cannot drift."""
    return _DREAM_DEFAULTS[name]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="deepdreamer")
def cli() -> None:
    """DeepDream photos: gradient ascent on a pretrained convnet's layers, over several octaves."""


@cli.command()
@click.argument("input_path", metavar="INPUT", required=False, type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output image [default: INPUT_dream.png].")
@click.option("--example", type=click.Choice(EXAMPLE_PHOTOS), help="Dream a bundled photo instead of INPUT.")
@click.option("--model", default=_default("model"), show_default=True, help="Model name (see 'deepdreamer models').")
@click.option("--preset", help="Named preset of the model (see 'deepdreamer models') [default: its first].")
@click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT",
              help="Layer to dream on, with its weight (repeatable; replaces the preset's layers).")
@click.option("--step", type=float, default=_default("step"), help=f"Ascent step size [{_FROM_PRESET}].")
@click.option("--octaves", "num_octaves", type=int, default=_default("num_octaves"),
              help=f"Number of scales [{_FROM_PRESET}].")
@click.option("--octave-scale", type=float, default=_default("octave_scale"),
              help=f"Size ratio between octaves [{_FROM_PRESET}].")
@click.option("--iterations", type=int, default=_default("iterations"),
              help=f"Ascent steps per octave [{_FROM_PRESET}].")
@click.option("--max-loss", type=float, default=_default("max_loss"),
              help=f"Stop an octave when the loss exceeds this; 'inf' never stops [{_FROM_PRESET}].")
@click.option("--jitter", type=int, default=_default("jitter"),
              help=f"Random shift in pixels each step (0: off) [{_FROM_PRESET}].")
@click.option("--laplacian-levels", type=int, default=_default("laplacian_levels"),
              help=f"Laplacian-pyramid gradient normalisation levels (0: off) [{_FROM_PRESET}].")
@click.option("--tile-size", type=int, default=_default("tile_size"),
              help="Compute gradients in tiles of this side for images above twice its square (0: never) "
                   f"[default: {DreamSettings().tile_size}].")
@click.option("--seed", type=int, default=_default("seed"), help="Seed for anything random [default: drawn, recorded].")
@click.option("--device", default=_default("device"), show_default=True, help="auto, cpu, cuda or mps.")
@click.option("--precision", type=click.Choice(list(api.PRECISIONS)), default=_default("precision"),
              show_default=True, help="bf16: faster on GPUs and CPUs with BF16 units, slower elsewhere.")
@click.option("--weights", type=click.Path(path_type=Path), default=_default("weights"),
              help="Checkpoint file to load instead of the model's standard weights.")
@click.option("--save-octaves", is_flag=True, help="Also write each octave's image as dream_at_scale_WxH.png.")
@click.option("--like", type=click.Path(path_type=Path),
              help="Repeat the settings recorded in a previous dream's PNG (options given here win).")
@click.option("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, show_default=True,
              help="Refuse larger images (a guard against decompression bombs).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def dream(ctx: click.Context, input_path: Path | None, output: Path | None, example: str | None,
          layers: tuple[str, ...], save_octaves: bool, like: Path | None, max_pixels: int, quiet: bool,
          **options: Any) -> None:
    """Dream INPUT (any image Pillow reads) into OUTPUT, with the seed's octave algorithm."""
    if example is not None:
        if input_path is not None:
            raise DeepDreamError("give either INPUT or --example, not both")
        input_path = example_path(example)
    if input_path is None:
        raise DeepDreamError("give an INPUT image (or --example NAME for a bundled photo)")
    source = input_path
    output = output or Path(f"{source.stem}_dream.png")
    check_output_path(output, [source])
    if layers:
        options["layers"] = _parse_layers(layers)
    if like is not None:
        recorded = read_image(like).params
        if recorded is None:
            raise DeepDreamError(f"{like}: no deepdreamer settings in its metadata")
        for key, value in api.params_to_options(recorded).items():
            if key == "layers" and layers:
                continue
            if key == "layers" or ctx.get_parameter_source(key) == ParameterSource.DEFAULT:
                options[key] = value
    picture = read_image(source, max_pixels=max_pixels)
    reporter = None if quiet else _ProgressBars()
    try:
        result = api.dream(picture.image, **options, keep_octaves=save_octaves, progress=reporter)
    finally:
        if reporter is not None:
            reporter.close()
    if save_octaves:
        for image in result.octave_images:
            path = output.parent / f"dream_at_scale_{image.width}x{image.height}.png"
            check_output_path(path, [source])
            write_image(path, image, icc_profile=picture.icc_profile)
    write_image(output, result.image, icc_profile=picture.icc_profile, params=result.params)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _parse_layers(specs: tuple[str, ...]) -> dict[str, float]:
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


class _ProgressBars:
    """One tqdm bar per octave, showing the loss."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None

    def __call__(self, progress: Progress) -> None:
        if self._bar is None:
            height, width = progress.shape
            self._bar = tqdm(total=progress.iterations, unit="step", leave=True, dynamic_ncols=True,
                             desc=f"octave {progress.octave + 1}/{progress.num_octaves} {width}x{height}")
        if progress.octave_done:
            if progress.stopped_early:
                self._bar.set_postfix_str(f"loss={progress.loss:.3g} > max_loss: octave stopped")
            self.close()
            return
        self._bar.set_postfix_str(f"loss={progress.loss:.3g}")
        self._bar.update(progress.step - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@cli.command()
@click.argument("model", default=_default("model"))
def layers(model: str) -> None:
    """List the layers of MODEL that can be dreamed on (name, channels, stride w.r.t. the input)."""
    spec = model_spec(model)
    preset = spec.preset(None)
    net = load_model(model, pretrained=False, device="cpu")
    width = max(len(name) for name in net.layer_names)
    click.echo(f"{'layer':<{width}} {'channels':>8} {'stride':>6}  also known as")
    resolved_preset = {net.resolve_layer(name): w for name, w in preset.layers.items()}
    for info in net.layer_table():
        mark = f"  (default preset, weight {resolved_preset[info.name]:g})" if info.name in resolved_preset else ""
        click.echo(f"{info.name:<{width}} {info.channels:>8} {info.stride:>6}  {', '.join(info.aliases)}{mark}")


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


cli.add_command(audio)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status: 0 done, 2 bad input, 130 interrupted."""
    try:
        status = cli.main(args=argv, prog_name="deepdreamer", standalone_mode=False)
    except DeepDreamError as exc:
        return _fail(str(exc))
    except click.ClickException as exc:
        return _fail(exc.format_message())
    except click.Abort:
        click.echo("deepdreamer: interrupted; nothing was written", err=True)
        return 130
    return status if isinstance(status, int) else 0


def _fail(message: str) -> int:
    click.echo(f"deepdreamer: error: {' '.join(message.split())}", err=True)
    return 2


def run() -> None:
    """Console entry point. SIGTERM (a batch system's stop) is handled like Ctrl-C: no partial file."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    keep_freed_memory()
    sys.exit(main())
