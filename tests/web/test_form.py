"""The page's form: preset values, options for dream(), and records restored into the form (no browser)."""

from __future__ import annotations

import math

import pytest

from deepdreamer import records
from deepdreamer.errors import DeepDreamError
from deepdreamer.web import form


def lite0_form(**changes: object) -> dict[str, object]:
    values = {name: None for name in form.FIELDS}
    values.update(form.preset_values("efficientnet_lite0"), model="efficientnet_lite0", target=form.LAYERS,
                  keep_colors=False, precision="fp32", seed="", size=0, objective="", class_name=None)
    values.update(changes)
    return values


def dream_record(**settings: object) -> dict[str, object]:
    base = {"model": "efficientnet_lite0", "preset": "default", "layers": {"block8": 1.0, "block10": 1.0},
            "objective": "layer('block8') + layer('block10')", "step": 0.015, "num_octaves": 4, "octave_scale": 1.4,
            "iterations": 20, "max_loss": None, "jitter": 32, "laplacian_levels": 4, "smoothing": 0.0,
            "tile_size": 768, "keep_colors": False, "seed": 7, "precision": "fp32", "weights": None}
    return records.new_record(records.DREAM, {**base, **settings})


def test_a_preset_fills_the_layers_and_numbers_with_max_loss_off_as_zero():
    values = form.preset_values("efficientnet_lite0", "patterns")
    assert values["layers"] == "block5=1, block7=1"
    assert (values["num_octaves"], values["step"], values["max_loss"]) == (4, 0.015, 0)
    assert form.preset_values("inception_v3")["max_loss"] == 10


def test_layers_are_parsed_and_checked_against_the_model():
    assert form.parse_layers("block8=1, block10=0.5 block9", "efficientnet_lite0") == {
        "block8": 1.0, "block10": 0.5, "block9": 1.0}
    assert form.parse_layers("mixed3=3", "inception_v3") == {"mixed3": 3.0}  # an alias
    for text, message in (("block99=1", "no layer 'block99'"), ("block8=x", "not NAME=WEIGHT"),
                          ("block8=inf", "finite"), (" ", "at least one layer")):
        with pytest.raises(DeepDreamError, match=message):
            form.parse_layers(text, "efficientnet_lite0")


def test_options_for_each_target():
    base = form.to_options(lite0_form(max_loss=0, seed="12"))
    assert base["layers"] == {"block8": 1.0, "block10": 1.0} and base["max_loss"] == math.inf and base["seed"] == 12
    assert form.to_options(lite0_form(target=form.CHANNEL, channel_layer="block10", channel=97))["objective"] == \
        "channel('block10', 97)"
    assert form.to_options(lite0_form(target=form.CLASS, class_name="tabby"))["class_name"] == "tabby"
    assert form.to_options(lite0_form(target=form.OBJECTIVE, objective=" block10:3 "))["objective"] == "block10:3"
    assert form.to_options(lite0_form(iterations=None))["iterations"] is None  # empty box: the preset's


@pytest.mark.parametrize(("changes", "message"), [
    ({"target": form.CHANNEL, "channel_layer": "block10", "channel": 112}, "channels 0 to 111"),
    ({"target": form.CHANNEL, "channel_layer": None, "channel": 1}, "pick a layer"),
    ({"target": form.CLASS, "class_name": None}, "type a class name"),
    ({"target": form.OBJECTIVE, "objective": ""}, "write an expression"),
    ({"seed": "-3"}, "seed must be a whole number"),
    ({"seed": str(2**63)}, r"seed must be an integer from 0 to 2\*\*63-1"),  # the API's range
    ({"iterations": 2.5}, "iterations must be a whole number"),
])
def test_bad_forms_get_one_line_each(changes, message):
    with pytest.raises(DeepDreamError, match=message):
        form.to_options(lite0_form(**changes))


def test_a_record_comes_back_as_the_form_that_repeats_it():
    record = dream_record(preset="patterns", layers={"block7": 0.5, "block5": 1.5}, iterations=3, max_loss=None,
                          keep_colors=True, seed=99)
    restored = form.from_record(records.loads(records.dumps(record)))  # as read back from a file
    values = restored.values
    assert values["layers"] == "block5=1.5, block7=0.5"  # network order, not the record's sorted keys
    assert (values["preset"], values["iterations"], values["max_loss"], values["seed"]) == ("patterns", 3, 0, "99")
    assert values["keep_colors"] is True and values["target"] == form.LAYERS and not restored.notes
    options = form.to_options(lite0_form(**values))
    repeated = records.params_to_options(record)
    assert repeated.pop("weights") is None  # the page dreams with the model's own weights
    assert {key: options[key] for key in repeated} == {**repeated, "max_loss": math.inf}


@pytest.mark.parametrize(("objective", "fields"), [
    ("channel('block10', 97)", {"target": form.CHANNEL, "channel_layer": "block10", "channel": 97}),
    ("logit(\"carpenter's kit\")", {"target": form.CLASS, "class_name": "carpenter's kit"}),
    ("channel('block10', 97) - 0.5*layer('block8')", {"target": form.OBJECTIVE}),
])
def test_a_channel_and_a_class_return_to_their_own_boxes(objective, fields):
    values = form.from_record(dream_record(layers=None, objective=objective)).values
    assert {key: values[key] for key in fields} == fields
    assert values["objective"] == objective


def test_what_a_record_cannot_bring_back_is_said():
    notes = form.from_record(dream_record(layers=None, objective="guide('block8')", mask="/tmp/sky.png",
                                          weights="/models/mine.pth")).notes
    assert any("guide image" in note for note in notes)
    assert any("mask image (/tmp/sky.png)" in note for note in notes)
    assert any("/models/mine.pth" in note for note in notes)


def test_other_records_are_refused():
    with pytest.raises(DeepDreamError, match="explore sheet"):
        form.from_record(records.new_record(records.EXPLORE, {"explore_seed": 1, "photo": "x.jpg"}))
    with pytest.raises(DeepDreamError, match="not a picture model"):
        form.from_record(dream_record(model="crepe_tiny"))
    with pytest.raises(DeepDreamError, match="preset 'dreamy'"):
        form.from_record(dream_record(preset="dreamy"))
    with pytest.raises(DeepDreamError, match=r"seed=.*not valid"):
        form.from_record(dream_record(seed="7; rm -rf"))
