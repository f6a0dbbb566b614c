"""The command line: ``deepdreamer dream | explore | filters | layers | models | audio``.

Thin front ends over the Python API: parse, call, report progress, write files. Every error a user can
cause ends as one line on stderr and exit status 2; Ctrl-C exits with 130 and leaves no partial file.
"""

from ..audio.cli import audio
from . import dream, explore, info  # noqa: F401  (each module adds its commands to the group)
from .app import cli, main, run

cli.add_command(audio)

__all__ = ["cli", "main", "run"]
