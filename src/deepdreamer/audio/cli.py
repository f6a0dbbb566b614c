"""``deepdreamer audio``: parse, call :func:`~deepdreamer.audio.dream.dream_audio`, write. No tensors here.

soundfile and PyAV are imported when a sound is read or written, not when the CLI starts.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ..errors import DeepDreamError
from ..images import check_output_path, write_image
from .dream import DEFAULT_MASK_DB, PRESETS, STEREO_MODES, dream_audio, params_to_options
from .examples import EXAMPLES, example
from .io import DEFAULT_MAX_SECONDS, OUTPUT_FORMATS, Sound, check_output, read_audio, write_audio
from .spectrogram import PHASES

_DEFAULTS = {name: p.default for name, p in inspect.signature(dream_audio).parameters.items()}
_FROM_PRESET = "default: the preset's"
#: Rate of the synthesized examples.
EXAMPLE_RATE = 16_000


@click.command()
@click.argument("input_path", metavar="INPUT", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help=f"Output sound: {', '.join(OUTPUT_FORMATS)} [default: INPUT_dream with INPUT's extension, or .wav].")
@click.option("--example", "example_name", type=click.Choice(list(EXAMPLES)),
              help=f"Dream a synthesized 5-second example ({EXAMPLE_RATE // 1000} kHz) instead of INPUT.")
@click.option("--model", default=_DEFAULTS["model"], show_default=True,
              help="An image model dreams the spectrogram (see 'deepdreamer models'); crepe_tiny or crepe_full "
                   "dream the waveform through the CREPE pitch network (slow; adds hum and favoured tones).")
@click.option("--preset", type=click.Choice(list(PRESETS)),
              help="mild: for speech; strong: for music [default: mild].")
@click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT",
              help="Layer to dream on, with its weight (repeatable) [default: block8-10 of Lite0; CREPE conv4+conv5].")
@click.option("--step", type=float, help=f"Ascent step size (CREPE: a fraction of the clip's RMS) [{_FROM_PRESET}].")
@click.option("--octaves", "num_octaves", type=int, help=f"Number of scales [{_FROM_PRESET}].")
@click.option("--octave-scale", type=float, help=f"Size ratio between octaves [{_FROM_PRESET}].")
@click.option("--iterations", type=int, help=f"Ascent steps per octave [{_FROM_PRESET}].")
@click.option("--mask-threshold", "mask_threshold_db", type=float, default=DEFAULT_MASK_DB, show_default=True,
              help="Dream only sound within this many dB of the peak, so silence stays silent.")
@click.option("--no-mask", is_flag=True, help="Dream everything, silence included.")
@click.option("--phase", type=click.Choice(PHASES), default=_DEFAULTS["phase"], show_default=True,
              help="Resynthesis: the input's phase (keeps timing and pitch) or Griffin-Lim from it (clearer "
                   "patterns, some phasiness).")
@click.option("--stereo", type=click.Choice(STEREO_MODES), default=_DEFAULTS["stereo"], show_default=True,
              help="mid: dream the channels' mean, apply the change to every channel; each: every channel alone.")
@click.option("--seed", type=int, help="Seed for anything random [default: drawn, recorded].")
@click.option("--device", default=_DEFAULTS["device"], show_default=True, help="auto, cpu, cuda or mps.")
@click.option("--save-spectrograms", is_flag=True, help="Also write OUTPUT_before.png and OUTPUT_after.png.")
@click.option("--like", type=click.Path(path_type=Path),
              help="Repeat the settings recorded in a previous dream's tags (options given here win).")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_MAX_SECONDS,
              show_default=True, help="Refuse longer sounds (a guard against files that decode to gigabytes).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def audio(ctx: click.Context, input_path: Path | None, output: Path | None, example_name: str | None,
          layers: tuple[str, ...], mask_threshold_db: float | None, no_mask: bool, save_spectrograms: bool,
          like: Path | None, max_seconds: float, quiet: bool, **options: Any) -> None:
    """Dream the sound in INPUT (WAV, FLAC, OGG, MP3, or a video's sound track) into OUTPUT.

    The output has the input's length, sample rate and channels, is as loud as the input and never clips;
    its tags hold the parameters.
    """
    from ..cli.app import OctaveBars  # here, not at the top: deepdreamer.cli imports this module
    from ..cli.dream import parse_layers

    source, sound = _source(input_path, example_name, max_seconds)
    if output is None:
        output = Path(f"{source.stem}_dream{source.suffix if source.suffix.lower() in OUTPUT_FORMATS else '.wav'}")
    check_output(output, [source], sound.rate, sound.channels)
    pictures = [output.with_name(f"{output.stem}_{when}.png") for when in ("before", "after")]
    if save_spectrograms:
        for path in pictures:
            check_output_path(path, [source])
    if layers:
        options["layers"] = parse_layers(layers)
    options["mask_threshold_db"] = None if no_mask else mask_threshold_db
    if like is not None:
        _take_recorded_settings(ctx, like, options)
    reporter = None if quiet else OctaveBars()
    try:
        result = dream_audio(sound.samples, sound.rate, progress=reporter, **options)
    finally:
        if reporter is not None:
            reporter.close()
    write_audio(output, result.samples, result.rate, params=result.params, subtype=sound.subtype)
    if save_spectrograms:
        write_image(pictures[0], result.spectrogram_before)
        write_image(pictures[1], result.spectrogram_after)
    if not quiet:
        before, after = result.objective
        click.echo(f"objective {before:.4g} -> {after:.4g}; wrote {output}", err=True)


def _take_recorded_settings(ctx: click.Context, like: Path, options: dict[str, Any]) -> None:
    """Fill ``options`` from a previous dream's tags where the command line left them at their default."""
    recorded = read_audio(like).params
    if recorded is None:
        raise DeepDreamError(f"{like}: no deepdreamer settings in its tags")
    given = {name for name in ctx.params if ctx.get_parameter_source(name) != ParameterSource.DEFAULT}
    given |= {"mask_threshold_db"} if "no_mask" in given else set()
    try:
        repeated = params_to_options(recorded)
    except DeepDreamError as exc:
        raise DeepDreamError(f"{like}: {exc}") from None
    for key, value in repeated.items():
        if key not in given:
            options[key] = value


def _source(input_path: Path | None, example_name: str | None, max_seconds: float) -> tuple[Path, Sound]:
    if example_name is not None:
        if input_path is not None:
            raise click.UsageError("give either INPUT or --example, not both")
        samples = example(example_name, EXAMPLE_RATE)
        return Path(f"{example_name}.wav"), Sound(samples[:, None], EXAMPLE_RATE)
    if input_path is None:
        raise click.UsageError("give an INPUT sound (or --example NAME for a synthesized one)")
    return input_path, read_audio(input_path, max_seconds)
