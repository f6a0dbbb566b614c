"""Values a user hands over (seeds, layer weights, limits), checked by one rule for the API and every command.

The command line reads the same rules through its option types (``cli/options.py``), so ``dream(seed=2**70)``
and ``--seed 1180591620717411303424`` fail alike, in one line. No torch here: the CLI checks before it starts.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from .errors import DeepDreamError

#: Seeds are 0 .. 2**63 - 1: what every generator we seed (torch's, Python's) takes, and what a record holds.
MAX_SEED = 2**63 - 1


def is_number(value: Any) -> bool:
    """A real number (NumPy's too), never a bool (``True`` is an int to Python, but nobody means it as a weight)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def seed(value: Any) -> int:
    """``value`` if it is a valid seed (an integer 0 .. :data:`MAX_SEED`); a one-line error otherwise."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or not 0 <= value <= MAX_SEED:
        shown = repr(value) if len(repr(value)) <= 24 else f"{repr(value)[:24]}..."
        raise DeepDreamError(f"seed must be an integer from 0 to 2**63-1, not {shown}")
    return int(value)


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


def positive_limit(value: Any, name: str) -> None:
    """Refuse a limit that is not a positive finite number (``nan`` would switch its guard off silently)."""
    if not (is_number(value) and math.isfinite(value) and value > 0):
        raise DeepDreamError(f"{name} must be a positive number, not {value!r}")
