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
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
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

    Each one makes its value with the function of the same name in :mod:`~deepdreamer.objectives` (which
    checks what needs no model), then checks it against the model; objective values made in Python are
    rebuilt through these too (:meth:`Objective.checked`), so the two forms are one.
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
        chosen = objectives.layer(name)
        self.net.resolve_layer(name)
        return chosen

    def channel(self, name: str, index: int) -> Objective:
        chosen = objectives.channel(name, index)
        self._check_channels(name, [index])
        return chosen

    def channels(self, name: str, indices: list[int] | None = None, *, strongest: int | None = None,
                 weakest: int | None = None) -> Objective:
        chosen = objectives.channels(name, indices, strongest=strongest, weakest=weakest)
        if indices is None:
            if self.photo is None:
                raise DeepDreamError("channels(strongest=/weakest=) needs a photo to rank the channels on")
            self.net.channel_count(name)
            count = strongest if strongest is not None else weakest
            indices = objectives.strongest_channels(self.net, self.photo, name, int(count or 0),
                                                    weakest=weakest is not None)
            chosen = objectives.channels(name, indices)
        self._check_channels(name, indices)
        return chosen

    def logit(self, name_or_index: str | int) -> Objective:
        chosen = objectives.logit(name_or_index)
        self.net.check_classifier()
        return chosen

    def guide(self, name: str) -> Objective:
        self.net.channel_count(objectives.layer_name(name))  # a layer with channels, not the logits
        if self.guide_image is None:
            raise DeepDreamError(f"guide({name!r}) needs a guide image (--guide FILE)")
        return objectives.guide(name, objectives.guide_features(self.net, self.guide_image, name))

    def _check_channels(self, name: str, indices: Sequence[int]) -> None:
        count = self.net.channel_count(name)
        for index in indices:
            if not 0 <= index < count:
                raise DeepDreamError(f"layer {name!r} has channels 0..{count - 1}; {index!r} is not one of them")

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
            return _arithmetic(text, node, left, right)
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


def _arithmetic(text: str, node: ast.BinOp, left: Any, right: Any) -> Any:
    """``left OP right`` by the objectives' own rules (they add to objectives and scale by numbers); numbers that
    overflow or divide by zero are named in one line, not raised as Python exceptions."""
    try:
        result = _OPERATORS[type(node.op)](left, right)
    except DeepDreamError as exc:
        raise DeepDreamError(f"objective {_short(text)}: {exc}") from None
    except ZeroDivisionError:
        raise DeepDreamError(f"objective {_short(text)}: division by zero") from None
    except OverflowError:
        raise DeepDreamError(f"objective {_short(text)}: {_short(ast.unparse(node), 30)} is too large a number") \
            from None
    if isinstance(result, float) and not math.isfinite(result):
        raise DeepDreamError(f"objective {_short(text)}: {_short(ast.unparse(node), 30)} is not a finite number")
    return result


def _short(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def build_objective(net: DreamNet, photo: Image.Image, *, objective: Objective | str | None = None,
                    class_name: str | int | None = None, guide: Image.Image | None = None,
                    layers: Mapping[str, float]) -> Objective:
    """What a dream maximises: an objective value or text, a class, the guide's features on ``layers``, or
    the plain layer mix. Every layer and channel is checked against ``net`` before any work, values and
    text by the same functions (:class:`ObjectiveBuilder`)."""
    if objective is not None and not isinstance(objective, Objective | str):
        raise DeepDreamError(f"objective must be an objective such as layer('block8') or channel('block10', 97), "
                             f"or its text, not {type(objective).__name__} {objective!r:.40}")
    if class_name is not None:
        if objective is not None:
            raise DeepDreamError("give either a class or an objective, not both")
        objective = logit(class_name)
    if objective is None and guide is None:
        chosen = layer_mix(layers)
    else:
        builder = ObjectiveBuilder(net, _reference_input(net, photo),
                                   None if guide is None else _reference_input(net, guide))
        if isinstance(objective, str):
            chosen = builder.parse(objective)
        elif isinstance(objective, Objective):
            chosen = objective.checked(builder.functions)
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
