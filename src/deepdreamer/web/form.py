"""The page's settings as plain values: filled from a preset, turned into :func:`deepdreamer.dream` options, and
restored from a dreamed file's record (the "Repeat" tab, and a click on an explore or layer preview).

A form is a dict of field name -> value, the names of :data:`FIELDS`; the page maps them to its widgets. Keeping
this free of Gradio lets the tests check the round trip record -> form -> options without a browser.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import checks, records
from ..errors import DeepDreamError
from . import choices

#: What to dream: the layer mix (a preset's, or edited), one channel, an ImageNet class, or an expression.
LAYERS, CHANNEL, CLASS, OBJECTIVE = "layers", "channel", "class", "objective"
TARGETS = (LAYERS, CHANNEL, CLASS, OBJECTIVE)

#: The ascent's numbers, as :func:`deepdreamer.dream` names them; an empty box means "the preset's value".
INTEGER_SETTINGS = ("num_octaves", "iterations", "jitter", "laplacian_levels", "tile_size", "scale",
                    "detail_iterations")
FLOAT_SETTINGS = ("step", "octave_scale", "max_loss", "smoothing")
SETTINGS = ("step", "num_octaves", "octave_scale", "iterations", "max_loss", "jitter", "laplacian_levels",
            "smoothing", "tile_size", "scale", "detail_iterations")

#: Every field of the form. ``size`` (the longest side the photo is dreamed at; 0: as uploaded) is the page's own.
FIELDS = ("model", "preset", "target", "layers", "channel_layer", "channel", "class_name", "objective",
          "keep_colors", *SETTINGS, "seed", "precision", "size")


def preset_values(model: str, preset: str | None = None) -> dict[str, Any]:
    """The fields a preset fills: its layers and its numbers (max_loss off shows as 0)."""
    chosen = choices.presets(model)[preset or choices.default_preset(model)]
    values = {name: chosen["settings"][name] for name in SETTINGS}
    values["max_loss"] = values["max_loss"] or 0
    return {"preset": preset or choices.default_preset(model), "layers": format_layers(chosen["layers"]), **values}


def format_layers(layers: Mapping[str, float]) -> str:
    return ", ".join(f"{name}={weight:g}" for name, weight in layers.items())


def parse_layers(text: str, model: str) -> dict[str, float]:
    """``"block8=1, block10=0.5"`` -> weights (:func:`~deepdreamer.checks.parse_layers`), each name checked
    against the model."""
    weights = checks.parse_layers(text.replace(",", " ").split(), "layers:")
    known = choices.layer_names(model)
    for name in weights:
        if name not in known:
            raise DeepDreamError(f"layers: {model} has no layer {name!r} (pick one from the layer list)")
    if not weights:
        raise DeepDreamError("layers: give at least one layer, e.g. block8=1")
    return weights


def to_options(form: Mapping[str, Any]) -> dict[str, Any]:
    """The :func:`deepdreamer.dream` keyword arguments the form asks for (the page's ``size`` is not one)."""
    model = form["model"]
    options: dict[str, Any] = {"model": model, "preset": form["preset"] or None,
                               "keep_colors": bool(form["keep_colors"]), "precision": form["precision"],
                               "seed": parse_seed(form["seed"])}
    for name in INTEGER_SETTINGS:
        options[name] = _integer(form[name], name)
    for name in FLOAT_SETTINGS:
        options[name] = None if form[name] is None else float(form[name])
    if options["max_loss"] == 0:
        options["max_loss"] = math.inf  # 0 in the box: the early stop is off
    options.update(_target(form, model))
    return options


def parse_seed(text: str | None) -> int | None:
    """A seed box (text: numbers this large lose digits in a browser's number box); empty: drawn at random."""
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()):
        raise DeepDreamError(f"seed must be a whole number, or empty for a random one, not {text!r}")
    return checks.seed(int(text))  # the API's range


def _integer(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if not float(value).is_integer():
        raise DeepDreamError(f"{name.replace('_', ' ')} must be a whole number, not {value}")
    return int(value)


def _target(form: Mapping[str, Any], model: str) -> dict[str, Any]:
    target = form["target"]
    if target == LAYERS:
        return {"layers": parse_layers(form["layers"] or "", model)}
    if target == CHANNEL:
        layer, index = form["channel_layer"], form["channel"]
        count = choices.channel_count(model, layer or "")
        if count is None:
            raise DeepDreamError("channel: pick a layer from the list")
        if index is None or not 0 <= index < count or not float(index).is_integer():
            raise DeepDreamError(f"channel: {layer} has channels 0 to {count - 1}")
        return {"objective": f"channel({layer!r}, {int(index)})"}
    if target == CLASS:
        if not form["class_name"]:
            raise DeepDreamError("class: type a class name and pick it from the list")
        return {"class_name": form["class_name"]}
    if not (form["objective"] or "").strip():
        raise DeepDreamError("objective: write an expression, e.g. channel('block10', 97) - 0.5*block8")
    return {"objective": form["objective"].strip()}


@dataclass
class Restored:
    """A record turned back into form fields, with what could not come back (files the page does not have)."""

    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def from_record(record: Mapping[str, Any]) -> Restored:
    """The form fields that repeat a recorded dream; a one-line error for another kind of record or model."""
    options = records.params_to_options(record, records.DREAM)
    models = {choice.name for choice in choices.model_choices()}
    model = options.get("model", "")
    if model not in models:
        raise DeepDreamError(f"it was dreamed with {model!r}, which is not a picture model of this page")
    preset = options.get("preset")
    if preset is not None and preset not in choices.presets(model):
        raise DeepDreamError(f"it was dreamed with the preset {preset!r}, which {model} does not have here")
    values = {**preset_values(model, preset), "model": model, "size": 0,
              "seed": str(options.get("seed", "")), "keep_colors": options.get("keep_colors", False),
              "precision": options.get("precision", "fp32")}
    values.update({name: options[name] for name in SETTINGS if name in options})
    if values["max_loss"] is None or math.isinf(values["max_loss"]):
        values["max_loss"] = 0
    values.update(_target_fields(options, model))
    notes = [f"it was dreamed with a {what} image ({options[key]}): upload it again to repeat that"
             for key, what in (("guide", "guide"), ("mask", "mask")) if key in options]
    if "guide(" in values.get("objective", "") and "guide" not in options:
        notes.append("it was dreamed with a guide image: upload it again to repeat that")
    stopped = records.stopped_note(record)
    if stopped:
        notes.append(stopped)
    if options.get("weights"):
        notes.append(f"it was dreamed with the weights file {options['weights']}; the page uses {model}'s own")
    return Restored(values, notes)


def _target_fields(options: Mapping[str, Any], model: str) -> dict[str, Any]:
    """One channel and one class come back to their own boxes; any other objective as its text."""
    if "layers" in options:  # records keep keys sorted by name: back in network order
        order = list(choices.layer_names(model))
        layers = sorted(options["layers"].items(), key=lambda item: order.index(item[0]) if item[0] in order else 0)
        return {"target": LAYERS, "layers": format_layers(dict(layers))}
    text = options.get("objective", "")
    name, args = _literal_call(text)
    if name == "channel" and len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], int):
        return {"target": CHANNEL, "channel_layer": args[0], "channel": args[1], "objective": text}
    if name == "logit" and len(args) == 1:
        return {"target": CLASS, "class_name": str(args[0]), "objective": text}
    return {"target": OBJECTIVE, "objective": text}


def _literal_call(text: str) -> tuple[str | None, list[Any]]:
    """The function name and arguments when ``text`` is one call with literal arguments, such as
    ``channel('block10', 97)``; (None, []) otherwise."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None, []
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords
            and all(isinstance(arg, ast.Constant) for arg in node.args)):
        return node.func.id, [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
    return None, []
