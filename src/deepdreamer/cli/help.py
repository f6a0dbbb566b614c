"""How the commands present themselves: ``--help`` in named groups of options, and old spellings kept but hidden.

click lists a command's options as one flat list; ``dream`` has about thirty. :class:`GroupedCommand` prints
them under headings (what to dream, how strong, octaves, ...). Renamed options and arguments keep working under
their old spellings (``filters --steps``, ``layers MODEL``) without appearing in ``--help`` or in the usage line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from click.core import ParameterSource

#: A help section: its heading, and the names (``param.name``) of the options shown under it, in order.
Group = tuple[str, Sequence[str]]
#: click's widest option column; longer option names put their help on the next line.
_TERM_COLUMN = 30


class GroupedCommand(click.Command):
    """A command whose ``--help`` shows its options under headings; options in no group come last, as Options."""

    def __init__(self, *args: Any, groups: Sequence[Group] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = list(groups)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = {param.name: param.get_help_record(ctx) for param in self.get_params(ctx)
                   if not isinstance(param, click.Argument)}
        rows = {name: record for name, record in records.items() if record is not None}
        width = min(max(len(term) for term, _ in rows.values()), _TERM_COLUMN)  # one column for every section
        grouped = {name for _, names in self.groups for name in names}
        for title, names in [*self.groups, ("Options", [name for name in rows if name not in grouped])]:
            shown = [(rows[name][0].ljust(width), rows[name][1]) for name in names if name in rows]
            if shown:
                with formatter.section(title):
                    formatter.write_dl(shown)


class AliasedOption(click.Option):
    """An option that also answers to old spellings (``hidden_aliases``, also among its declarations), which
    ``--help`` and error messages leave out."""

    def __init__(self, *args: Any, hidden_aliases: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden_aliases = tuple(hidden_aliases)

    @contextmanager
    def _without_aliases(self) -> Iterator[None]:
        every = self.opts
        self.opts = [name for name in every if name not in self.hidden_aliases]
        try:
            yield
        finally:
            self.opts = every

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        with self._without_aliases():
            return super().get_help_record(ctx)

    def get_error_hint(self, ctx: click.Context | None) -> str:
        with self._without_aliases():
            return super().get_error_hint(ctx)


class HiddenArgument(click.Argument):
    """A positional argument kept for an old spelling (``layers MODEL``): it works but the usage line omits it."""

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        return []


def positional_alias(ctx: click.Context, name: str, value: Any, old: Any) -> Any:
    """``--NAME``'s value, or the old positional spelling's (``old``, a :class:`HiddenArgument`); a usage error
    when both were given."""
    if old is None:
        return value
    if ctx.get_parameter_source(name) != ParameterSource.DEFAULT:
        raise click.UsageError(f"give the {name} once: --{name} {value}, or (the old way) as an argument")
    return old
