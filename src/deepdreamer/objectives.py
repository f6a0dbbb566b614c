"""Objectives as values: each knows the layers it reads and computes a scalar from their activations.

They add, subtract and scale, so a layer mix is just ``0.2 * layer("mixed2") + 3 * layer("mixed3")``;
``str(objective)`` reads back as that expression.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from torch import Tensor

Activations = Mapping[str, Tensor]

#: Pixels left out on each side of an activation map, as in the seed (avoids border artifacts).
BORDER = 2


class Objective:
    """A scalar function of named activations, to be maximised."""

    def __init__(self, compute: Callable[[Activations], Tensor], layers: frozenset[str], description: str) -> None:
        self._compute = compute
        self.layers = layers
        self.description = description

    def __call__(self, activations: Activations) -> Tensor:
        return self._compute(activations)

    def __repr__(self) -> str:
        return self.description

    def __add__(self, other: Objective) -> Objective:
        return Objective(lambda acts: self(acts) + other(acts), self.layers | other.layers,
                         f"{self} + {other}")

    def __neg__(self) -> Objective:
        return -1.0 * self

    def __sub__(self, other: Objective) -> Objective:
        return self + (-other)

    def __mul__(self, factor: float) -> Objective:
        factor = float(factor)
        return Objective(lambda acts: factor * self(acts), self.layers, f"{factor:g}*{_parenthesised(self)}")

    __rmul__ = __mul__


def _parenthesised(objective: Objective) -> str:
    text = str(objective)
    return f"({text})" if " " in text else text


def layer(name: str) -> Objective:
    """The seed's term: sum of squared non-border activations, divided by the full activation's size."""

    def l2(acts: Activations) -> Tensor:
        act = acts[name]
        return act[:, :, BORDER:-BORDER, BORDER:-BORDER].square().sum() / act.numel()

    return Objective(l2, frozenset([name]), f"layer({name!r})")


def layer_mix(weights: Mapping[str, float]) -> Objective:
    """The seed's ``layer_contributions``: a weighted sum of :func:`layer` terms."""
    if not weights:
        raise ValueError("a layer mix needs at least one layer")
    terms = [weight * layer(name) for name, weight in weights.items()]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total
