"""The command group, the exit-status contract and the progress bars the commands share."""

from __future__ import annotations

import inspect
import signal
import sys
from typing import Any

import click
from tqdm import tqdm

from .. import api
from ..engine import Progress
from ..errors import DeepDreamError
from ..runtime import keep_freed_memory

_DREAM_DEFAULTS = {name: p.default for name, p in inspect.signature(api.dream).parameters.items()}
FROM_PRESET = "default: the model's preset"


def default(name: str) -> Any:
    """The CLI default of a dream option: the API's own, so the two cannot drift."""
    return _DREAM_DEFAULTS[name]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="deepdreamer")
def cli() -> None:
    """DeepDream photos: gradient ascent on a pretrained convnet's layers, over several octaves."""


class OctaveBars:
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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status: 0 done, 2 bad input, 130 interrupted."""
    try:
        status = cli.main(args=argv, prog_name="deepdreamer", standalone_mode=False)
    except DeepDreamError as exc:
        return _fail(str(exc))
    except click.ClickException as exc:
        return _fail(exc.format_message())
    except click.Abort:
        click.echo("deepdreamer: interrupted; no partial file was left", err=True)
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
