"""``deepdreamer explore``: random layer mixes on one photo, each dream saved as it is done, then a contact sheet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from .. import checks, records
from ..defaults import EXPLORE_SIDE, MAX_DREAMS
from ..errors import DeepDreamError
from ..models.registry import DEFAULT_MODEL
from .app import Interrupted, cli, stop_on_interrupt
from .options import (
    FROM_PRESET,
    MAX_PIXELS_HINT,
    ProgressBar,
    device_option,
    max_pixels_option,
    output_path,
    quiet_option,
    seed_option,
)

#: The single dreams' names in the folder: 01.png, 02.png, ... (three digits for 100).
_NUMBERED = re.compile(r"\d{2,3}\.png")


@cli.command("explore")
@click.argument("photo", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-n", "--count", type=click.IntRange(1, MAX_DREAMS), default=12, show_default=True,
              help=f"Number of random layer mixes (at most {MAX_DREAMS}).")
@seed_option("Seed of the random mixes [default: drawn, printed].")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Contact sheet, or a folder to put it in [default: INPUT_explore.png]; the single dreams go in a "
                   "folder of the same name (a rerun replaces the numbered dreams there).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model name (see 'deepdreamer models').")
@click.option("--preset", help="Preset whose settings (not layers) the dreams use [default: the model's first].")
@click.option("--iterations", type=int, help=f"Ascent steps per octave [{FROM_PRESET}].")
@click.option("--step", type=float, help=f"Ascent step size [{FROM_PRESET}].")
@click.option("--size", type=click.IntRange(min=32), default=EXPLORE_SIDE, show_default=True,
              help="Longest side of each dream.")
@device_option
@max_pixels_option
@quiet_option
def explore_command(photo: Path, count: int, seed: int | None, output: Path | None, size: int, max_pixels: int,
                    quiet: bool, **options: Any) -> None:
    """Dream INPUT with COUNT random layer mixes; write a captioned contact sheet and each dream on its own.

    Each single dream keeps its settings in its metadata: repeat one on the full photo with
    'deepdreamer dream INPUT --like FOLDER/NN.png'.
    """
    from ..exploration import explore
    from ..images import check_output_path, read_image, write_image

    output = output_path(output, Path(f"{photo.stem}_explore.png"))
    check_output_path(output, [photo])
    folder = output.with_suffix("")
    if folder.exists() and not folder.is_dir():
        raise DeepDreamError(f"{folder} exists and is not a folder")
    seed = checks.seed_or_drawn(seed)
    picture = read_image(photo, max_pixels, limit_hint=MAX_PIXELS_HINT)
    earlier = _earlier_dreams(folder)
    bar = ProgressBar(enabled=not quiet)
    saved: list[Path] = []

    def progress(record: Any) -> None:
        bar(record)
        if record.result is not None:  # one dream is done: keep it whatever happens next
            folder.mkdir(exist_ok=True)
            saved.append(folder / f"{len(saved) + 1:0{max(2, len(str(count)))}d}.png")
            record.result.save(saved[-1])

    try:
        with stop_on_interrupt() as stop:
            dreams = explore(picture, count, seed=seed, side=size, progress=progress, stop=stop,
                             **{key: value for key, value in options.items() if value is not None})
    finally:
        bar.close()
        for path in earlier.difference(saved):  # the folder holds this run's dreams only, even when stopped
            path.unlink(missing_ok=True)
    if dreams.stopped:
        raise Interrupted(f"{len(dreams.dreams)} finished dreams are in {folder}/")
    write_image(output, dreams.sheet(), params=records.new_record(records.EXPLORE, {"explore_seed": seed,
                                                                                     "photo": str(photo)}))
    if not quiet:
        click.echo(f"wrote {output} and {count} dreams in {folder}/ (seed {seed})", err=True)


def _earlier_dreams(folder: Path) -> set[Path]:
    """The numbered dreams an earlier run left in ``folder``: NN.png files holding a dream's record. Other files
    (a photo of one's own, a renamed favourite) are never touched."""
    from ..images import read_params

    if not folder.is_dir():
        return set()
    return {path for path in folder.iterdir() if _NUMBERED.fullmatch(path.name)
            and records.kind_of(read_params(path) or {}) == records.DREAM}
