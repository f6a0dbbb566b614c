"""``deepdreamer audio``: parse, call :func:`~deepdreamer.audio.dream.dream_audio`, write. No tensors here.

torch, soundfile and PyAV are imported when a sound is dreamed, read or written, not when the CLI starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import records
from ..defaults import MASK_DB, MAX_SOUND_SECONDS, PHASES, SOUND_EXAMPLES, SOUND_FORMATS, SOUND_PRESETS, STEREO_MODES
from .app import Interrupted, cli, stop_on_interrupt
from .help import GroupedCommand
from .options import (
    PositiveNumber,
    ProgressBar,
    apply_like,
    device_option,
    given,
    layer_option,
    like_option,
    output_path,
    quiet_option,
    seed_option,
)

_FROM_PRESET = "default: the preset's"
#: The option that raises the length limit, for ``read_audio``'s message.
MAX_SECONDS_HINT = "--max-seconds"
#: Rate of the synthesized examples.
EXAMPLE_RATE = 16_000
#: ``audio --help`` in sections, as ``dream --help``.
GROUPS = [
    ("What to dream", ["example_name", "model", "preset", "layers"]),
    ("How strong", ["step", "iterations", "mask_threshold_db", "no_mask"]),
    ("Octaves", ["num_octaves", "octave_scale"]),
    ("Sound", ["phase", "stereo"]),
    ("Output", ["output", "save_spectrograms", "quiet"]),
    ("Performance and limits", ["device", "max_seconds"]),
    ("Reproducibility", ["seed", "like"]),
]


@cli.command(cls=GroupedCommand, groups=GROUPS)
@click.argument("input_path", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help=f"Output sound: {', '.join(SOUND_FORMATS)}, or a folder to put it in [default: INPUT_dream with "
                   "INPUT's extension, or .wav].")
@click.option("--example", "example_name", type=click.Choice(SOUND_EXAMPLES),
              help=f"Dream a synthesized 5-second example ({EXAMPLE_RATE // 1000} kHz) instead of INPUT.")
@click.option("--model", default="efficientnet_lite0", show_default=True,
              help="An image model dreams the spectrogram (see 'deepdreamer models'); crepe_tiny or crepe_full "
                   "dream the waveform through the CREPE pitch network (slow; adds hum and favoured tones).")
@click.option("--preset", type=click.Choice(SOUND_PRESETS),
              help="mild: for speech; strong: for music [default: mild].")
@layer_option("Layer to dream on, with its weight (repeatable) [default: block8-10 of Lite0; CREPE conv4+conv5].")
@click.option("--step", type=float,
              help=f"Ascent step size (for CREPE in units of the clip's RMS level) [{_FROM_PRESET}].")
@click.option("--octaves", "num_octaves", type=int, help=f"Number of scales [{_FROM_PRESET}].")
@click.option("--octave-scale", type=float, help=f"Size ratio between octaves [{_FROM_PRESET}].")
@click.option("--iterations", type=int, help=f"Ascent steps per octave [{_FROM_PRESET}].")
@click.option("--mask-threshold", "mask_threshold_db", type=float, default=MASK_DB, show_default=True,
              help="Dream only sound within this many dB of the peak, so silence stays silent.")
@click.option("--no-mask", is_flag=True, help="Dream everything, silence included.")
@click.option("--phase", type=click.Choice(PHASES), default=PHASES[0], show_default=True,
              help="Resynthesis: the input's phase (keeps timing and pitch) or Griffin-Lim from it (clearer "
                   "patterns, some phasiness).")
@click.option("--stereo", type=click.Choice(STEREO_MODES), default=STEREO_MODES[0], show_default=True,
              help="mid: dream the channels' mean, apply the change to every channel; each: every channel alone.")
@seed_option()
@device_option
@click.option("--save-spectrograms", is_flag=True, help="Also write OUTPUT_before.png and OUTPUT_after.png.")
@like_option("sound dream")
@click.option("--max-seconds", type=PositiveNumber(), default=MAX_SOUND_SECONDS,
              show_default=True, help="Refuse longer sounds (a guard against files that decode to gigabytes).")
@quiet_option
@click.pass_context
def audio(ctx: click.Context, input_path: Path | None, output: Path | None, example_name: str | None,
          mask_threshold_db: float | None, no_mask: bool, save_spectrograms: bool, like: Path | None,
          max_seconds: float, quiet: bool, **options: Any) -> None:
    """Dream the sound in INPUT (WAV, FLAC, OGG, MP3, or a video's sound track), or a synthesized example
    (--example), into OUTPUT.

    The output has the input's length, sample rate and channels, is as loud as the input and never clips;
    its tags hold the parameters. Before it starts, the dream's size, memory and time are estimated (and a
    dream that cannot fit is refused).
    """
    from ..audio.dream import dream_audio, estimate_audio
    from ..audio.io import check_output, read_audio, write_audio
    from ..images import check_output_path, write_image

    source, sound = _source(input_path, example_name, max_seconds)
    suffix = source.suffix if source.suffix.lower() in SOUND_FORMATS else ".wav"
    output = output_path(output, Path(f"{source.stem}_dream{suffix}"))
    check_output(output, [source], sound.rate, sound.channels)
    pictures = [output.with_name(f"{output.stem}_{when}.png") for when in ("before", "after")]
    if save_spectrograms:
        for path in pictures:
            check_output_path(path, [source])
    options["mask_threshold_db"] = None if no_mask else mask_threshold_db
    if like is not None:
        typed = given(ctx) | ({"mask_threshold_db"} if no_mask else set())  # --no-mask gives the threshold
        apply_like(like, read_audio(like, limit_hint=MAX_SECONDS_HINT).params, records.SOUND, options, typed)
    options = {key: value for key, value in options.items() if value is not None or key == "mask_threshold_db"}
    plan = estimate_audio(sound.samples, sound.rate, **{k: v for k, v in options.items() if k != "device"})
    if not quiet:
        click.echo(plan.describe(), err=True)
    bar = ProgressBar(enabled=not quiet)
    try:
        with stop_on_interrupt() as stop:
            result = dream_audio(sound.samples, sound.rate, progress=bar, stop=stop, **options)
    finally:
        bar.close()
    if result.stopped:
        raise Interrupted
    write_audio(output, result.samples, result.rate, params=result.params, subtype=sound.subtype)
    if save_spectrograms:
        write_image(pictures[0], result.spectrogram_before)
        write_image(pictures[1], result.spectrogram_after)
    if not quiet:
        before, after = result.objective
        click.echo(f"objective {before:.4g} -> {after:.4g}; wrote {output}", err=True)


def _source(input_path: Path | None, example_name: str | None, max_seconds: float) -> tuple[Path, Any]:
    from ..audio.examples import example
    from ..audio.io import Sound, read_audio

    if example_name is not None:
        if input_path is not None:
            raise click.UsageError("give either INPUT or --example, not both")
        samples = example(example_name, EXAMPLE_RATE)
        return Path(f"{example_name}.wav"), Sound(samples[:, None], EXAMPLE_RATE)
    if input_path is None:
        raise click.UsageError("give an INPUT sound (or --example NAME for a synthesized one)")
    return input_path, read_audio(input_path, max_seconds, limit_hint=MAX_SECONDS_HINT)
