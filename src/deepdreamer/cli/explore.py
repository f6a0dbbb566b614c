"""``deepdreamer explore``: random layer mixes on one photo, each dream saved as it is done, then a contact sheet."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import click

from .. import records
from ..errors import DeepDreamError
from ..models.registry import DEFAULT_MODEL
from .app import Interrupted, cli, stop_on_interrupt
from .options import FROM_PRESET, ProgressBar, quiet_option, seed_option

#: Longest side of each exploration dream (``exploration.EXPLORE_SIDE``, repeated here to keep --help instant).
EXPLORE_SIDE = 384


@cli.command("explore")
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("-n", "--count", type=click.IntRange(min=1), default=12, show_default=True,
              help="Number of random layer mixes.")
@seed_option("Seed of the random mixes [default: drawn, printed].")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Contact sheet [default: PHOTO_explore.png]; the single dreams go in a folder of the same name.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model name.")
@click.option("--preset", help="Preset whose settings (not layers) the dreams use [default: the model's first].")
@click.option("--iterations", type=int, help=f"Ascent steps per octave [{FROM_PRESET}].")
@click.option("--step", type=float, help=f"Ascent step size [{FROM_PRESET}].")
@click.option("--size", type=click.IntRange(min=32), default=EXPLORE_SIDE, show_default=True,
              help="Longest side of each dream.")
@quiet_option
def explore_command(photo: Path, count: int, seed: int | None, output: Path | None, size: int, quiet: bool,
                    **options: Any) -> None:
    """Dream PHOTO with COUNT random layer mixes; write a captioned contact sheet and each dream on its own.

    Each single dream keeps its settings in its metadata: repeat one on the full photo with
    'deepdreamer dream PHOTO --like FOLDER/NN.png'.
    """
    from ..exploration import explore
    from ..images import check_output_path, read_image, write_image

    output = output or Path(f"{photo.stem}_explore.png")
    check_output_path(output, [photo])
    folder = output.with_suffix("")
    if folder.exists() and not folder.is_dir():
        raise DeepDreamError(f"{folder} exists and is not a folder")
    if seed is None:
        seed = secrets.randbelow(2**31)
    picture = read_image(photo)
    bar = ProgressBar(enabled=not quiet)
    saved: list[Path] = []

    def progress(record: Any) -> None:
        bar(record)
        if record.result is not None:  # one dream is done: keep it whatever happens next
            folder.mkdir(exist_ok=True)
            saved.append(folder / f"{len(saved) + 1:02d}.png")
            record.result.save(saved[-1])

    try:
        with stop_on_interrupt() as stop:
            dreams = explore(picture, count, seed=seed, side=size, progress=progress, stop=stop,
                             **{key: value for key, value in options.items() if value is not None})
    finally:
        bar.close()
    if dreams.stopped:
        raise Interrupted(f"{len(dreams.dreams)} finished dreams are in {folder}/")
    write_image(output, dreams.sheet(), params=records.new_record(records.EXPLORE, {"explore_seed": seed,
                                                                                     "photo": str(photo)}))
    if not quiet:
        click.echo(f"wrote {output} and {count} dreams in {folder}/ (seed {seed})", err=True)
