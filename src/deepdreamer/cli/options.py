"""What the commands share: options defined once, the progress bar, and ``--like``.

Nothing heavy at import time (see ``app.py``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from .. import checks, records
from ..errors import DeepDreamError
from ..settings import DEFAULT_MAX_PIXELS, DEFAULT_MEMORY_CAP, check_max_memory, format_size, parse_size

if TYPE_CHECKING:
    from tqdm import tqdm

    from ..progress import Progress

F = TypeVar("F", bound=Callable[..., Any])

#: Seeds: the API's rule (``checks.seed``), checked where the option is read.
SEED_RANGE = click.IntRange(0, checks.MAX_SEED)
FROM_PRESET = "default: the model's preset"


class PositiveNumber(click.ParamType):
    """A positive finite number: click's FloatRange lets ``nan`` through, which would switch a limit off."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        number = click.FLOAT.convert(value, param, ctx)
        if not (math.isfinite(number) and number > 0):
            self.fail(f"{value!r} is not a positive number", param, ctx)
        return number


class MemorySize(click.ParamType):
    """A memory size such as 3G, 2500M or 3GiB, in bytes (``settings.parse_size``)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:  # the minimum too, here, before any work folder exists
            return check_max_memory(parse_size(value))
        except DeepDreamError as exc:
            self.fail(str(exc), param, ctx)


def api_defaults(function: Callable[..., Any]) -> dict[str, Any]:
    """An API function's keyword defaults: the CLI's own, so the two cannot drift."""
    return {name: p.default for name, p in inspect.signature(function).parameters.items()}


def seed_option(help: str = "Seed for anything random [default: drawn, recorded].", default: int | None = None
                ) -> Callable[[F], F]:
    return click.option("--seed", type=SEED_RANGE, default=default, show_default=default is not None, help=help)


device_option = click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
max_pixels_option = click.option(
    "--max-pixels", type=click.IntRange(min=1), default=DEFAULT_MAX_PIXELS, show_default=True,
    help="Refuse images with more pixels (a guard against decompression bombs).")
max_memory_option = click.option(
    "--max-memory", type=MemorySize(), metavar="SIZE",
    help="Memory the dream may use, e.g. 3G or 2500M: steps that need more are computed in tiles "
         f"[default: what it holds plus half of what is available, at most {format_size(DEFAULT_MEMORY_CAP)}].")
#: What the commands pass to ``images.read_image``: the option that raises the pixel limit.
MAX_PIXELS_HINT = "--max-pixels"


def output_path(given: Path | None, default: Path) -> Path:
    """Where ``-o`` says to write: a file, or an existing folder to put ``default``'s name in (``-o dreams/``).

    Without ``-o``: ``default``. (Dreaming a folder of photos into a folder builds on this.)
    """
    if given is None:
        return default
    return given / default.name if given.is_dir() else given


def ray_options(command: F) -> F:
    """``--ray``, ``--ray-address``, ``--ray-cpus``: folders and videos on a Ray cluster."""
    for option in reversed([
        click.option("--ray", "use_ray", is_flag=True,
                     help="Dream on a Ray cluster: a local one on this machine unless --ray-address is given."),
        click.option("--ray-address", metavar="ADDRESS",
                     help="Connect to this Ray cluster (implies --ray): HOST:6379, or auto for one started here."),
        click.option("--ray-cpus", type=click.IntRange(min=1), default=1, show_default=True,
                     help="CPUs (and torch threads) per Ray worker; as many as a local run's threads gives the same "
                          "pictures."),
    ]):
        command = option(command)
    return command


def ray_settings(use_ray: bool, ray_address: str | None, ray_cpus: int) -> dict[str, Any] | None:
    """The Ray runner's arguments, or None to run here."""
    return {"address": ray_address, "cpus_per_worker": ray_cpus} if use_ray or ray_address else None


def layer_option(help: str) -> Callable[[F], F]:
    return click.option("--layer", "layers", multiple=True, metavar="NAME=WEIGHT", callback=_layers_callback,
                        help=help)


def like_option(what: str) -> Callable[[F], F]:
    return click.option("--like", type=click.Path(path_type=Path),
                        help=f"Repeat the settings recorded in a previous {what} (options given here win).")


def _layers_callback(_ctx: click.Context, _param: click.Parameter, specs: tuple[str, ...]) -> dict[str, float] | None:
    return checks.parse_layers(specs) if specs else None


def given(ctx: click.Context) -> set[str]:
    """The options the user typed (not left at their defaults)."""
    return {name for name in ctx.params if ctx.get_parameter_source(name) != ParameterSource.DEFAULT}


def apply_like(like: Path, record: Mapping[str, Any] | None, kind: str, options: dict[str, Any],
               typed: set[str]) -> set[str]:
    """Merge a recorded dream's settings into ``options`` by the one ``--like`` rule (``typed``: the options
    the user gave); returns the keys taken from the record."""
    if record is None:
        raise DeepDreamError(f"{like}: no deepdreamer settings in its metadata")
    try:
        repeated = records.params_to_options(record, kind)
    except DeepDreamError as exc:
        raise DeepDreamError(f"{like}: {exc}") from None
    taken = records.taken_by_like(repeated, typed)
    options.update(taken)
    return set(taken)


class ProgressBar:
    """One bar for a whole job, fed by the engine's progress records: stage, octave, step, loss, and the records'
    own time left (learnt from the steps done, as the page shows it), not tqdm's guess from the bar's rate."""

    RESOLUTION = 1000

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: tqdm | None = None

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=self.RESOLUTION, dynamic_ncols=True, leave=True,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}{postfix}")
        self._bar.set_description_str(progress.stage, refresh=False)
        parts = []
        if progress.num_octaves > 1 or progress.steps:
            height, width = progress.shape
            where = f"octave {progress.octave + 1}/{progress.num_octaves} {width}x{height}" \
                if progress.num_octaves > 1 else f"{width}x{height}"
            where += " detail" if progress.detail else ""
            note = " > max_loss, octave stopped" if progress.loss_limit_reached else ""
            parts.append(f"{where} step {progress.step}/{progress.steps} loss={progress.loss:.3g}{note}")
        if progress.eta is not None:
            parts.append(f"{self._bar.format_interval(progress.eta)} left")
        self._bar.set_postfix_str(", ".join(parts), refresh=False)
        self._bar.update(round(progress.fraction * self.RESOLUTION) - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
