"""Objectives as values: each knows the layers it reads and computes a scalar from their activations.

They add, subtract and scale, so a layer mix is just ``0.2 * layer("mixed2") + 3 * layer("mixed3")`` and
``channel("mixed4", 97) - 0.5 * layer("mixed5")`` dreams one feature while damping another;
``str(objective)`` reads back as that expression (``expressions.parse_objective`` parses it).
What needs no model is checked when a value is made (names are text, channels are numbers from 0, weights are
finite); what needs the model (layer names, channel ranges, the classifier) is checked when a dream starts, by
the same functions that read objectives as text (:meth:`Objective.checked`), so both forms fail alike.
Objectives that need data (chosen channels, a guide's features) take it as plain tensors or numbers;
:func:`strongest_channels` and :func:`guide_features` compute it from a model and an image.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from . import checks
from .checks import is_number
from .errors import DeepDreamError
from .gradients import Window
from .models.base import LOGITS, DreamNet
from .models.classes import class_index, imagenet_classes

Activations = Mapping[str, Tensor]
#: Where each layer's map of a tile lies in the whole image's map (tiled gradients, ``gradients.py``).
Windows = Mapping[str, Window]
#: The objective functions by name, as the text language knows them (``expressions.ObjectiveBuilder``).
Functions = Mapping[str, Callable[..., "Objective"]]

#: Positions left out on each side of an activation map, as in the seed (avoids border artifacts).
BORDER = 2


class Objective:
    """A scalar function of named activations, to be maximised.

    ``scaled`` records ``(base, factor)`` for ``factor * base``, so rescaling merges factors and the
    description stays short (``-0.5*layer('x')``, not ``-1*0.5*layer('x')``); ``is_sum`` says the
    description needs parentheses inside a product. ``remake`` builds the same objective from checked
    functions (:meth:`checked`); objectives made by hand have none and are used as they are.
    """

    def __init__(self, compute: Callable[[Activations, Windows | None], Tensor], layers: frozenset[str],
                 description: str,
                 *, scaled: tuple[Objective, float] | None = None, is_sum: bool = False,
                 remake: Callable[[Functions], Objective] | None = None) -> None:
        self._compute = compute
        self.layers = layers
        self.description = description
        self.scaled = scaled
        self.is_sum = is_sum
        self._remake = remake

    def __call__(self, activations: Activations, windows: Windows | None = None) -> Tensor:
        """The objective on whole-image activations, or on one tile's seen through ``windows`` (one per layer)."""
        return self._compute(activations, windows)

    def __repr__(self) -> str:
        return self.description

    def checked(self, functions: Functions) -> Objective:
        """This objective rebuilt by ``functions`` (the text language's, bound to a model and a photo).

        A value made in Python is thereby checked exactly as its text would be (layer names, channel
        ranges, the classifier), and ``channels(NAME, strongest=K)`` is ranked on the photo.
        """
        return self if self._remake is None else self._remake(functions)

    def __add__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            raise _refused("add", other)
        return Objective(lambda acts, windows: self(acts, windows) + other(acts, windows), self.layers | other.layers,
                         f"{self} + {other}",
                         is_sum=True, remake=lambda functions: self.checked(functions) + other.checked(functions))

    def __radd__(self, other: Any) -> Objective:  # only ever called with a non-objective on the left
        raise _refused("add", other)

    def __sub__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            raise _refused("subtract", other)
        if other.scaled is not None:
            return self + other * -1.0 if other.scaled[1] < 0 else _difference(self, other)
        return _difference(self, other)

    def __rsub__(self, other: Any) -> Objective:
        raise _refused("subtract", other)

    def __neg__(self) -> Objective:
        return self * -1.0

    def __mul__(self, factor: float) -> Objective:
        if not is_number(factor):
            raise DeepDreamError(f"objectives can only be scaled by numbers, not by {_short(factor)}")
        base, scale = self.scaled or (self, 1.0)
        try:
            total = float(factor) * scale
        except OverflowError:
            total = math.inf
        if not math.isfinite(total):
            product = _short(factor) if scale == 1.0 else f"{_number(scale)}*{_short(factor)}"
            raise DeepDreamError(f"an objective's weight must be a finite number, not {product}")
        if total == 1.0:
            return base
        text = f"({base})" if base.is_sum else str(base)
        return Objective(lambda acts, windows: total * base(acts, windows), base.layers, f"{_number(total)}*{text}",
                         scaled=(base, total), remake=lambda functions: base.checked(functions) * total)

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> Objective:
        if not is_number(divisor):
            raise DeepDreamError(f"objectives can only be divided by numbers, not by {_short(divisor)}")
        if divisor == 0:
            raise DeepDreamError("cannot divide an objective by zero")
        try:
            return self * (1.0 / float(divisor))
        except OverflowError:
            raise DeepDreamError(f"cannot divide an objective by {_short(divisor)}: too large a number") from None

    def __rtruediv__(self, other: Any) -> Objective:
        raise DeepDreamError(f"cannot divide {_short(other)} by an objective; objectives can only be scaled")


def _refused(verb: str, value: Any) -> DeepDreamError:
    return DeepDreamError(f"cannot {verb} an objective and {_short(value)}: objectives add to objectives and "
                          "scale by numbers")


def _number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (so a recorded objective repeats exactly)."""
    text = repr(value)
    return text.removesuffix(".0")


def _short(value: Any, limit: int = 24) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _difference(left: Objective, right: Objective) -> Objective:
    text = f"({right})" if right.is_sum else str(right)
    return Objective(lambda acts, windows: left(acts, windows) - right(acts, windows), left.layers | right.layers,
                     f"{left} - {text}",
                     is_sum=True, remake=lambda functions: left.checked(functions) - right.checked(functions))


def _counted(act: Tensor, window: Window | None, border: int) -> tuple[Tensor, tuple[int, int]]:
    """The positions of ``act`` that count, ``border`` positions in from the whole map's edges, and the
    whole map's height and width. The crop may be empty (a map of 4 rows or fewer): it then sums to 0."""
    if window is None:
        height, width = act.shape[-2:]
        return act[..., border:max(height - border, border), border:max(width - border, border)], (height, width)
    (row, col), (height, width) = window.offset, window.whole
    top, left = max(window.rows[0], border - row), max(window.cols[0], border - col)
    bottom, right = min(window.rows[1], height - border - row), min(window.cols[1], width - border - col)
    return act[..., top:max(bottom, top), left:max(right, left)], (height, width)


def _positions(window: Window) -> int:
    """How many positions of the whole map ``window`` covers."""
    (row, col), (height, width) = window.offset, window.whole
    rows = min(window.rows[1], height - row) - max(window.rows[0], -row)
    cols = min(window.cols[1], width - col) - max(window.cols[0], -col)
    return max(rows, 0) * max(cols, 0)


def _window(windows: Windows | None, name: str) -> Window | None:
    return None if windows is None else windows[name]


def _squares(act: Tensor, window: Window | None, border: int) -> Tensor:
    """Sum of squared activations inside ``border``, over the whole map's size (the seed's scaling)."""
    counted, (height, width) = _counted(act, window, border)
    return counted.square().sum() / (act.shape[0] * act.shape[1] * height * width)


def _mean(act: Tensor, window: Window | None) -> Tensor:
    """Mean of ``act`` (N x K x H x W, or N x H x W for one channel) inside the seed's border, over the whole
    map; over all positions where the map is too small for the border (a mean of nothing is undefined, unlike
    the seed's sum of nothing)."""
    height, width = act.shape[-2:] if window is None else window.whole
    border = BORDER if min(height, width) > 2 * BORDER else 0
    counted, _ = _counted(act, window, border)
    if window is None:
        return counted.mean()
    return counted.sum() / (math.prod(act.shape[:-2]) * (height - 2 * border) * (width - 2 * border))


def layer_name(value: Any) -> str:
    """``value`` if it is text (a layer name; the model checks it later); a one-line error otherwise."""
    if not isinstance(value, str):
        raise DeepDreamError(f"expected a layer name in quotes, not {_short(value)}")
    return value


def channel_number(value: Any) -> int:
    """``value`` as a channel number (an integer from 0; the model checks the range later), or a one-line error."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
        raise DeepDreamError(f"channel numbers are whole numbers from 0, not {_short(value)}")
    return int(value)


def layer(name: str) -> Objective:
    """The seed's term: sum of squared activations inside a 2-position border, divided by the full map's size.

    As in the seed, a map of 4 rows or columns or fewer has nothing inside the border: the term is 0, with a
    zero gradient (InceptionV3's deep maps at the smallest octave of a photo under about 210 px).
    """
    name = layer_name(name)

    def l2(acts: Activations, windows: Windows | None) -> Tensor:
        return _squares(acts[name], _window(windows, name), BORDER)

    return Objective(l2, frozenset([name]), f"layer({name!r})", remake=lambda functions: functions["layer"](name))


def mean_square(name: str) -> Objective:
    """Mean squared activation over the whole map, no border left out: for maps without an image border, such as
    CREPE's (one sample wide), where the seed's crop would leave nothing."""
    name = layer_name(name)

    def power(acts: Activations, windows: Windows | None) -> Tensor:
        return _squares(acts[name], _window(windows, name), 0)

    return Objective(power, frozenset([name]), f"mean_square({name!r})")


def channel(name: str, index: int) -> Objective:
    """Mean activation of one channel of a layer (what feature visualisation maximises)."""
    name, index = layer_name(name), channel_number(index)

    def mean(acts: Activations, windows: Windows | None) -> Tensor:
        return _mean(acts[name][:, index], _window(windows, name))

    return Objective(mean, frozenset([name]), f"channel({name!r}, {index})",
                     remake=lambda functions: functions["channel"](name, index))


def channels(name: str, indices: Sequence[int] | None = None, *, strongest: int | None = None,
             weakest: int | None = None) -> Objective:
    """Mean activation of a set of channels of a layer: listed, or the ``strongest=K`` (``weakest=K``) channels
    of the photo being dreamed, ranked when :func:`deepdreamer.dream` starts and recorded as the list they were."""
    name = layer_name(name)
    if sum(arg is not None for arg in (indices, strongest, weakest)) != 1:
        raise DeepDreamError("channels(NAME, ...) takes a list of channels, or strongest=K, or weakest=K")
    if indices is None:
        key, count = ("strongest", strongest) if strongest is not None else ("weakest", weakest)
        if not isinstance(count, numbers.Integral) or isinstance(count, bool) or count < 1:
            raise DeepDreamError(f"channels(): the number of channels must be a positive integer, not {_short(count)}")
        return _ranked_later(name, key, int(count))
    if isinstance(indices, str) or not isinstance(indices, Sequence) or not indices:
        raise DeepDreamError(f"channels(): expected a non-empty list of channel numbers, not {_short(indices)}")
    chosen = [channel_number(index) for index in indices]

    def mean(acts: Activations, windows: Windows | None) -> Tensor:
        return _mean(acts[name][:, chosen], _window(windows, name))

    return Objective(mean, frozenset([name]), f"channels({name!r}, {chosen})",
                     remake=lambda functions: functions["channels"](name, chosen))


def _ranked_later(name: str, key: str, count: int) -> Objective:
    """``channels(NAME, strongest=K)`` before a photo has ranked the channels: it only describes itself."""
    description = f"channels({name!r}, {key}={count})"

    def unranked(_acts: Activations, _windows: Windows | None) -> Tensor:
        raise DeepDreamError(f"{description} ranks the channels on a photo: give it to dream() as the objective")

    return Objective(unranked, frozenset([name]), description,
                     remake=lambda functions: functions["channels"](name, **{key: count}))


def logit(name_or_index: str | int) -> Objective:
    """The (pre-softmax) score of one ImageNet class, by name or index: dream the photo towards that class."""
    if not isinstance(name_or_index, str | numbers.Integral) or isinstance(name_or_index, bool):
        raise DeepDreamError(f"logit() takes a class name or number, not {_short(name_or_index)}")
    index = class_index(name_or_index if isinstance(name_or_index, str) else int(name_or_index))
    label = imagenet_classes()[index]

    def score(acts: Activations, windows: Windows | None) -> Tensor:
        value = acts[LOGITS][:, index].sum()
        if windows is None:
            return value
        # a tile's class score is not a share of the whole image's: weight it by the map positions it covers
        window = windows[LOGITS]
        return value * (_positions(window) / (window.whole[0] * window.whole[1]))

    return Objective(score, frozenset([LOGITS]), f"logit({label!r})",
                     remake=lambda functions: functions["logit"](index))


def guide(name: str, features: Tensor) -> Objective:
    """Google's guided dream: pull each position's features towards the guide feature it already resembles most.

    ``features`` is the guide image's activation at ``name`` as a C x M matrix (see :func:`guide_features`).
    The objective is the sum over positions of the dot product with the best-matching guide vector
    (chosen without gradient), divided by the activation's size like :func:`layer`.
    """

    def matched(acts: Activations, windows: Windows | None) -> Tensor:
        act = acts[name]
        counted, (height, width) = _counted(act, _window(windows, name), 0)
        x = counted.flatten(2)  # N x C x HW
        guide_vectors = features.to(x)
        with torch.no_grad():
            best = (x.transpose(1, 2) @ guide_vectors).argmax(dim=-1)  # N x HW
        target = guide_vectors[:, best].permute(1, 0, 2)  # N x C x HW
        return (x * target).sum() / (act.shape[0] * act.shape[1] * height * width)

    return Objective(matched, frozenset([name]), f"guide({name!r})")


def layer_mix(weights: Mapping[str, float]) -> Objective:
    """The seed's ``layer_contributions``: a weighted sum of :func:`layer` terms."""
    return sum_of([weight * layer(name) for name, weight in checks.layer_weights(weights).items()])


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
