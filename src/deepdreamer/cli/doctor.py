"""``deepdreamer doctor``: what this machine can do, and the one command that adds each missing piece."""

from __future__ import annotations

import json

import click

from .app import cli


@cli.command()
@click.option("--full", is_flag=True, help="Also ask torch: its threads, the GPU, and what auto resolves to there "
                                           "(imports torch: a few seconds).")
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON (for a bug report).")
def doctor(full: bool, as_json: bool) -> None:
    """Say what this machine has for deepdreamer: versions, CPU units, precision, extras, models' weights, GPU."""
    from ..doctor import gather, render

    report = gather(full=full)
    click.echo(json.dumps(report, indent=1) if as_json else render(report))
