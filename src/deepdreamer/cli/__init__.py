"""The command line: ``deepdreamer dream | zoom | video | explore | filters | layers | models | audio | serve``,
and ``deepdreamer doctor`` to see what this machine can do.

Thin front ends over the Python API: parse, call, report progress, write files. Every error a user can
cause ends as one line on stderr and exit status 2; Ctrl-C stops the job after its current step and exits
with 130, leaving no partial file.
"""

from . import animate, audio, doctor, dream, explore, filters, info, serve  # noqa: F401  (each module adds its commands)
from .app import cli, main, run

__all__ = ["cli", "main", "run"]
