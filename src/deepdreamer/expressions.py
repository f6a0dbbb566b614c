"""Objectives written as text, for the command line and for ``--like``: ``"channel('block10', 97) - 0.5*block8"``.

The text is parsed with :mod:`ast` and evaluated by a small interpreter that knows numbers, strings,
lists, ``+ - * /`` and the objective functions below: nothing else runs. Bare names are layers
(``block8`` is ``layer('block8')``); ``block10:97`` is a channel, as in lucent.

    layer(NAME)                                  the seed's L2 term
    channel(NAME, INDEX)                         one channel's mean activation
    channels(NAME, [I, J, ...])                  several channels; or strongest=K / weakest=K on the photo
    logit(CLASS)                                 an ImageNet class by name or index: logit('golden retriever')
    guide(NAME)                                  match the guide image's features at NAME (needs a guide)

Names are checked against the model as they are parsed, so a typo fails before any work starts.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from PIL import Image
from torch import Tensor

from . import objectives
from .errors import DeepDreamError
from .images import shrink
from .models import DreamNet
from .objectives import Objective, layer_mix, logit, sum_of
from .tensors import to_tensor

#: Longest side of the photo used to rank channels (``strongest=K``) and of the guide image.
REFERENCE_SIDE = 512

#: Longest objective text accepted (a guard against pathological input; real ones are a line).
MAX_TEXT_LENGTH = 2000
_CHANNEL_SHORTHAND = re.compile(r"(?<![\w./])([A-Za-z_][\w./]*):(\d+)")
_QUOTED = re.compile(r"""('[^']*'|"[^"]*")""")
_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}


class ObjectiveBuilder:
    """The objective functions of the text language, bound to a model and the images they may need.

    ``photo`` (the dream's input, in the model's input space, small) serves ``channels(strongest=K)``;
    ``guide`` (the guide image, same space) serves ``guide(NAME)``.
    """

    def __init__(self, net: DreamNet, photo: Tensor | None = None, guide: Tensor | None = None) -> None:
        self.net = net
        self.photo = photo
        self.guide_image = guide
        self.functions: dict[str, Callable[..., Objective]] = {
            "layer": self.layer, "channel": self.channel, "channels": self.channels,
            "logit": self.logit, "guide": self.guide,
        }

    def layer(self, name: str) -> Objective:
        self.net.resolve_layer(_text(name, "layer name"))
        return objectives.layer(name)

    def channel(self, name: str, index: int) -> Objective:
        return objectives.channel(name, self._channel_index(name, index))

    def channels(self, name: str, indices: list[int] | None = None, *, strongest: int | None = None,
                 weakest: int | None = None) -> Objective:
        if sum(arg is not None for arg in (indices, strongest, weakest)) != 1:
            raise DeepDreamError("channels(NAME, ...) takes a list of channels, or strongest=K, or weakest=K")
        if indices is None:
            count = strongest if strongest is not None else weakest
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise DeepDreamError(f"channels(): the number of channels must be a positive integer, not {count!r}")
            if self.photo is None:
                raise DeepDreamError("channels(strongest=/weakest=) needs a photo to rank the channels on")
            self.net.channel_count(_text(name, "layer name"))
            indices = objectives.strongest_channels(self.net, self.photo, name, count, weakest=weakest is not None)
        if not isinstance(indices, list) or not indices:
            raise DeepDreamError(f"channels(): expected a non-empty list of channel numbers, not {indices!r}")
        return objectives.channels(name, [self._channel_index(name, i) for i in indices])

    def logit(self, name_or_index: str | int) -> Objective:
        if not isinstance(name_or_index, str | int) or isinstance(name_or_index, bool):
            raise DeepDreamError(f"logit() takes a class name or number, not {name_or_index!r}")
        self.net.check_classifier()
        return objectives.logit(name_or_index)

    def guide(self, name: str) -> Objective:
        self.net.channel_count(_text(name, "layer name"))  # a layer with channels, not the logits
        if self.guide_image is None:
            raise DeepDreamError(f"guide({name!r}) needs a guide image (--guide FILE)")
        return objectives.guide(name, objectives.guide_features(self.net, self.guide_image, name))

    def _channel_index(self, name: str, index: Any) -> int:
        count = self.net.channel_count(_text(name, "layer name"))
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
            raise DeepDreamError(f"layer {name!r} has channels 0..{count - 1}; {index!r} is not one of them")
        return index

    def parse(self, text: str) -> Objective:
        """The objective that ``text`` describes; a one-line error for anything else."""
        if len(text) > MAX_TEXT_LENGTH:
            raise DeepDreamError(f"objective text is {len(text)} characters long; the limit is {MAX_TEXT_LENGTH}")
        try:
            tree = ast.parse(_expand_shorthand(text).strip(), mode="eval")
            result = self._evaluate(tree.body, text)
        except SyntaxError as exc:
            raise DeepDreamError(f"objective {_short(text)} is not a valid expression: {exc.msg}") from None
        except (RecursionError, MemoryError):
            raise DeepDreamError(f"objective {_short(text)} is nested too deeply") from None
        if not isinstance(result, Objective):
            raise DeepDreamError(f"objective {_short(text)} is a value, not an objective (try layer('NAME'))")
        return result

    def _evaluate(self, node: ast.AST, text: str) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            return [self._evaluate(item, text) for item in node.elts]
        if isinstance(node, ast.Name):
            return self.layer(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self._evaluate(node.operand, text)
            _check_operands(text, value)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = self._evaluate(node.left, text), self._evaluate(node.right, text)
            _check_operands(text, left, right)
            _check_arithmetic(text, node.op, left, right)
            return _OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions:
            args = [self._evaluate(arg, text) for arg in node.args]
            kwargs = {kw.arg: self._evaluate(kw.value, text) for kw in node.keywords if kw.arg is not None}
            try:
                return self.functions[node.func.id](*args, **kwargs)
            except TypeError as exc:
                raise DeepDreamError(f"objective {_short(text)}: {node.func.id}(): {exc}") from None
        known = ", ".join(self.functions)
        raise DeepDreamError(f"objective {_short(text)}: {ast.unparse(node)!r} is not understood (functions: {known}; "
                             "quote names with dots or slashes: layer('layer3.2'))")


def _expand_shorthand(text: str) -> str:
    """``block10:97`` -> ``channel('block10', 97)``, outside quoted strings."""
    parts = _QUOTED.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside quotes
        parts[i] = _CHANNEL_SHORTHAND.sub(lambda m: f"channel({m[1]!r}, {m[2]})", parts[i])
    return "".join(parts)


def _check_operands(text: str, *values: Any) -> None:
    for value in values:
        if not isinstance(value, Objective | int | float) or isinstance(value, bool):
            raise DeepDreamError(f"objective {_short(text)}: {value!r} cannot take part in arithmetic")


def _check_arithmetic(text: str, op: ast.operator, left: Any, right: Any) -> None:
    """Objectives add to objectives and scale by numbers; anything else is an error, not a Python exception."""
    left_objective, right_objective = isinstance(left, Objective), isinstance(right, Objective)
    if isinstance(op, ast.Add | ast.Sub) and left_objective != right_objective:
        raise DeepDreamError(f"objective {_short(text)}: cannot add a number to an objective")
    both = left_objective and right_objective
    if (isinstance(op, ast.Mult) and both) or (isinstance(op, ast.Div) and right_objective):
        raise DeepDreamError(f"objective {_short(text)}: objectives can only be scaled by numbers")
    if isinstance(op, ast.Div) and right == 0:
        raise DeepDreamError(f"objective {_short(text)}: division by zero")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise DeepDreamError(f"expected a {what} in quotes, not {value!r}")
    return value


def _short(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def build_objective(net: DreamNet, photo: Image.Image, *, objective: Objective | str | None = None,
                    class_name: str | int | None = None, guide: Image.Image | None = None,
                    layers: Mapping[str, float]) -> Objective:
    """What a dream maximises: an objective value or text, a class, the guide's features on ``layers``, or
    the plain layer mix. Every layer and channel is checked against ``net`` before any work."""
    if class_name is not None:
        if objective is not None:
            raise DeepDreamError("give either a class or an objective, not both")
        objective = logit(class_name)
    if isinstance(objective, Objective):
        chosen = objective
    elif objective is None and guide is None:
        chosen = layer_mix(layers)
    else:
        builder = ObjectiveBuilder(net, _reference_input(net, photo),
                                   None if guide is None else _reference_input(net, guide))
        if isinstance(objective, str):
            chosen = builder.parse(objective)
        else:
            chosen = sum_of([weight * builder.guide(name) for name, weight in layers.items()])
    if guide is not None and "guide(" not in str(chosen):
        raise DeepDreamError("a guide image was given but the objective does not use it (add guide('LAYER'))")
    for name in chosen.layers:
        net.resolve_layer(name)
    if objectives.LOGITS in chosen.layers:
        net.check_classifier()
    return chosen


def _reference_input(net: DreamNet, image: Image.Image) -> Tensor:
    """A small copy of ``image`` in the network's input space (for ranking channels and guide features)."""
    small = shrink(image.convert("RGB"), REFERENCE_SIDE)
    return net.to_input(to_tensor(small).to(next(net.parameters()).device))
