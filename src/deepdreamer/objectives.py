"""Objectives as values: each knows the layers it reads and computes a scalar from their activations.

They add, subtract and scale, so a layer mix is just ``0.2 * layer("mixed2") + 3 * layer("mixed3")`` and
``channel("mixed4", 97) - 0.5 * layer("mixed5")`` dreams one feature while damping another;
``str(objective)`` reads back as that expression (``expressions.parse_objective`` parses it).
Objectives that need data (chosen channels, a guide's features) take it as plain tensors or numbers;
:func:`strongest_channels` and :func:`guide_features` compute it from a model and an image.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor

from .errors import DeepDreamError
from .models.base import LOGITS, DreamNet
from .models.classes import class_index, imagenet_classes

Activations = Mapping[str, Tensor]

#: Pixels left out on each side of an activation map, as in the seed (avoids border artifacts).
BORDER = 2


class Objective:
    """A scalar function of named activations, to be maximised.

    ``scaled`` records ``(base, factor)`` for ``factor * base``, so rescaling merges factors and the
    description stays short (``-0.5*layer('x')``, not ``-1*0.5*layer('x')``); ``is_sum`` says the
    description needs parentheses inside a product.
    """

    def __init__(self, compute: Callable[[Activations], Tensor], layers: frozenset[str], description: str,
                 *, scaled: tuple[Objective, float] | None = None, is_sum: bool = False) -> None:
        self._compute = compute
        self.layers = layers
        self.description = description
        self.scaled = scaled
        self.is_sum = is_sum

    def __call__(self, activations: Activations) -> Tensor:
        return self._compute(activations)

    def __repr__(self) -> str:
        return self.description

    def __add__(self, other: Objective) -> Objective:
        return Objective(lambda acts: self(acts) + other(acts), self.layers | other.layers,
                         f"{self} + {other}", is_sum=True)

    def __sub__(self, other: Objective) -> Objective:
        if other.scaled is not None:
            return self + other * -1.0 if other.scaled[1] < 0 else _difference(self, other)
        return _difference(self, other)

    def __neg__(self) -> Objective:
        return self * -1.0

    def __mul__(self, factor: float) -> Objective:
        base, scale = self.scaled or (self, 1.0)
        try:
            total = float(factor) * scale
        except OverflowError:
            total = math.inf
        if not math.isfinite(total):
            raise DeepDreamError(f"an objective's weight must be a finite number, not {str(factor)[:24]}")
        if total == 1.0:
            return base
        text = f"({base})" if base.is_sum else str(base)
        return Objective(lambda acts: total * base(acts), base.layers, f"{_number(total)}*{text}",
                         scaled=(base, total))

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> Objective:
        return self * (1.0 / float(divisor))


def _number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (so a recorded objective repeats exactly)."""
    text = repr(value)
    return text.removesuffix(".0")


def _difference(left: Objective, right: Objective) -> Objective:
    text = f"({right})" if right.is_sum else str(right)
    return Objective(lambda acts: left(acts) - right(acts), left.layers | right.layers, f"{left} - {text}",
                     is_sum=True)


def _inner(act: Tensor) -> Tensor:
    """The activation without its border; whole when the map is too small to crop (deep layers, small octaves)."""
    if min(act.shape[-2:]) <= 2 * BORDER:
        return act
    return act[..., BORDER:-BORDER, BORDER:-BORDER]


def layer(name: str) -> Objective:
    """The seed's term: sum of squared non-border activations, divided by the full activation's size."""

    def l2(acts: Activations) -> Tensor:
        act = acts[name]
        return _inner(act).square().sum() / act.numel()

    return Objective(l2, frozenset([name]), f"layer({name!r})")


def channel(name: str, index: int) -> Objective:
    """Mean activation of one channel of a layer (what feature visualisation maximises)."""

    def mean(acts: Activations) -> Tensor:
        return _inner(acts[name][:, index]).mean()

    return Objective(mean, frozenset([name]), f"channel({name!r}, {index})")


def channels(name: str, indices: list[int]) -> Objective:
    """Mean activation of a set of channels of a layer."""
    if not indices:
        raise DeepDreamError("channels() needs at least one channel")
    chosen = list(indices)

    def mean(acts: Activations) -> Tensor:
        return _inner(acts[name][:, chosen]).mean()

    return Objective(mean, frozenset([name]), f"channels({name!r}, {chosen})")


def logit(name_or_index: str | int) -> Objective:
    """The (pre-softmax) score of one ImageNet class, by name or index: dream the photo towards that class."""
    index = class_index(name_or_index)
    label = imagenet_classes()[index]

    def score(acts: Activations) -> Tensor:
        return acts[LOGITS][:, index].sum()

    return Objective(score, frozenset([LOGITS]), f"logit({label!r})")


def guide(name: str, features: Tensor) -> Objective:
    """Google's guided dream: pull each position's features towards the guide feature it already resembles most.

    ``features`` is the guide image's activation at ``name`` as a C x M matrix (see :func:`guide_features`).
    The objective is the sum over positions of the dot product with the best-matching guide vector
    (chosen without gradient), divided by the activation's size like :func:`layer`.
    """

    def matched(acts: Activations) -> Tensor:
        act = acts[name]
        x = act.flatten(2)  # N x C x HW
        guide_vectors = features.to(x)
        with torch.no_grad():
            best = (x.transpose(1, 2) @ guide_vectors).argmax(dim=-1)  # N x HW
        target = guide_vectors[:, best].permute(1, 0, 2)  # N x C x HW
        return (x * target).sum() / act.numel()

    return Objective(matched, frozenset([name]), f"guide({name!r})")


def layer_mix(weights: Mapping[str, float]) -> Objective:
    """The seed's ``layer_contributions``: a weighted sum of :func:`layer` terms."""
    if not weights:
        raise DeepDreamError("a layer mix needs at least one layer")
    return sum_of([weight * layer(name) for name, weight in weights.items()])


def sum_of(terms: Sequence[Objective]) -> Objective:
    """``terms[0] + terms[1] + ...``"""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def strongest_channels(net: DreamNet, x: Tensor, name: str, count: int, *, weakest: bool = False) -> list[int]:
    """The ``count`` channels of layer ``name`` with the highest (or lowest) mean activation on input ``x``."""
    with torch.no_grad():
        means = net.activations(x, [name])[name].mean(dim=(0, 2, 3))
    count = min(count, means.numel())
    return sorted(means.topk(count, largest=not weakest).indices.tolist())


#: At most this many guide feature vectors are kept (the matching is a positions x guide-vectors product).
MAX_GUIDE_VECTORS = 4096


def guide_features(net: DreamNet, x: Tensor, name: str) -> Tensor:
    """The guide image's activation at layer ``name`` as a C x M matrix, evenly thinned to at most M vectors."""
    with torch.no_grad():
        act = net.activations(x, [name])[name]
    vectors = act[0].flatten(1)
    stride = -(-vectors.shape[1] // MAX_GUIDE_VECTORS)
    return vectors[:, ::stride].contiguous()


#: Network precisions: bfloat16 is fast on GPUs and on CPUs with AVX-512 BF16 or AMX, slow elsewhere.
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}


def objective_function(net: DreamNet, objective: Objective, precision: str = "fp32") -> Callable[[Tensor], Tensor]:
    """The scalar to maximise as a function of the network input; the objective itself is summed in fp32."""
    if precision not in PRECISIONS:
        raise DeepDreamError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    dtype = PRECISIONS[precision]

    def evaluate(x: Tensor) -> Tensor:
        if dtype is None:
            return objective(net.activations(x, objective.layers))
        with torch.autocast(x.device.type, dtype=dtype):
            activations = net.activations(x, objective.layers)
        return objective({name: act.float() for name, act in activations.items()})

    return evaluate
