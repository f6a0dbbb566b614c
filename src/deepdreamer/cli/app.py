"""The command group and the contract every command keeps: exit 0 done, 2 bad input, 130 interrupted.

Only click is imported here and in the command modules' top level: ``--help``, ``models``, ``layers`` and
every bad-option error answer without importing torch. The commands import what they run inside them.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from .. import __version__
from ..errors import DeepDreamError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="deepdreamer")
def cli() -> None:
    """DeepDream photos and sounds: gradient ascent on a pretrained convnet's layers, over several octaves."""


class Interrupted(Exception):
    """The user stopped a job (Ctrl-C, SIGTERM) and it ended cleanly."""


@contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """An event that Ctrl-C or SIGTERM sets: the job ends after its current step. A second signal aborts at once.

    This is the engine's own stop path, the one a web page's Stop button uses. Outside the main thread
    (where signals cannot be caught) the event is simply never set.
    """
    stop = threading.Event()

    def handle(_signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sent: signal.signal(sent, handle) for sent in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sent, handler in previous.items():
            signal.signal(sent, handler)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status: 0 done, 2 bad input, 130 interrupted."""
    try:
        status = cli.main(args=argv, prog_name="deepdreamer", standalone_mode=False)
    except DeepDreamError as exc:
        return _fail(str(exc))
    except click.ClickException as exc:
        return _fail(exc.format_message())
    except (click.Abort, Interrupted, KeyboardInterrupt) as exc:
        done = f" ({exc})" if isinstance(exc, Interrupted) and str(exc) else ""
        click.echo(f"deepdreamer: interrupted; no partial file was left{done}", err=True)
        return 130
    return status if isinstance(status, int) else 0


def _fail(message: str) -> int:
    click.echo(f"deepdreamer: error: {' '.join(message.split())}", err=True)
    return 2


def run() -> None:
    """Console entry point. SIGTERM (a batch system's stop) is Ctrl-C: during a job it stops the job, elsewhere it
    interrupts, and either way no partial file is left."""
    from ..runtime import keep_freed_memory

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    keep_freed_memory()
    sys.exit(main())
