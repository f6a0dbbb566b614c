"""Values a user hands over (seeds, layer weights, limits), checked by one rule for the API and every command.

The command line reads the same rules through its option types (``cli/options.py``), so ``dream(seed=2**70)``
and ``--seed 1180591620717411303424`` fail alike, in one line. No torch here: the CLI checks before it starts.
"""

from __future__ import annotations

import math
import numbers
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import DeepDreamError

#: Seeds are 0 .. 2**63 - 1: what every generator we seed (torch's, Python's) takes, and what a record holds.
MAX_SEED = 2**63 - 1
#: Seeds drawn for a user who gave none are below this: short enough to read off a status line and type again.
DRAWN_SEEDS = 2**31


def is_number(value: Any) -> bool:
    """A real number (NumPy's too), never a bool (``True`` is an int to Python, but nobody means it as a weight)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def seed(value: Any) -> int:
    """``value`` if it is a valid seed (an integer 0 .. :data:`MAX_SEED`); a one-line error otherwise."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or not 0 <= value <= MAX_SEED:
        shown = repr(value) if len(repr(value)) <= 24 else f"{repr(value)[:24]}..."
        raise DeepDreamError(f"seed must be an integer from 0 to 2**63-1, not {shown}")
    return int(value)


def seed_or_drawn(value: Any) -> int:
    """The one seed rule of the API and every front end: ``value`` checked by :func:`seed`, or, when it is None,
    a seed drawn now (the caller records it, so that the result can be made again)."""
    return secrets.randbelow(DRAWN_SEEDS) if value is None else seed(value)


def layer_weights(value: Any) -> dict[str, float]:
    """A copy of ``{layer name: weight}`` with finite numbers as weights; a one-line error for anything else."""
    if not isinstance(value, Mapping):
        raise DeepDreamError(f"layers must map layer names to weights, e.g. {{'block8': 1.0}}, "
                             f"not a {type(value).__name__}")
    if not value:
        raise DeepDreamError("give at least one layer to dream on")
    for name, weight in value.items():
        if not isinstance(name, str):
            raise DeepDreamError(f"layer names are text, e.g. 'block8', not {name!r}")
        if not (is_number(weight) and math.isfinite(weight)):
            raise DeepDreamError(f"weight of layer {name!r} must be a finite number, not {weight!r}")
    return {name: float(weight) for name, weight in value.items()}


def parse_layers(specs: Iterable[str], what: str = "--layer", *, keyframed: bool = False) -> dict[str, Any]:
    """``NAME=WEIGHT`` items -> ``{name: weight}``: the one reading of the CLI's ``--layer`` and the page's box.

    A missing weight is 1. A layer named twice is refused, not summed or overridden: either could be what was
    meant. ``keyframed`` keeps each weight as its text (a schedule such as ``0:1,60:0``, which the zoom's plan
    parses and checks); otherwise each weight is a finite number.
    """
    weights: dict[str, Any] = {}
    for spec in specs:
        name, _, text = spec.partition("=")
        name, text = name.strip(), text.strip()
        value: Any = text or ("1" if keyframed else 1.0)
        if not keyframed:
            try:
                value = float(value)
            except ValueError:
                value = math.nan
        if not name or (not keyframed and not math.isfinite(value)):
            raise DeepDreamError(f"{what} {spec!r} is not NAME=WEIGHT with a finite number as WEIGHT"
                                 + (" (or keyframes: NAME=0:1,60:0)" if keyframed else ""))
        if name in weights:
            both = f"{weights[name]} and {value}" if keyframed else f"{weights[name]:g} and {value:g}"
            raise DeepDreamError(f"{what} {name} is given twice ({both}); give each layer once")
        weights[name] = value
    return weights


def positive_limit(value: Any, name: str) -> None:
    """Refuse a limit that is not a positive finite number (``nan`` would switch its guard off silently)."""
    if not (is_number(value) and math.isfinite(value) and value > 0):
        raise DeepDreamError(f"{name} must be a positive number, not {value!r}")
