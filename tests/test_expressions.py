"""Objectives as text: they parse to the objective they describe, read back, and fail in one line."""

from __future__ import annotations

import pytest
import torch

import deepdreamer as dd
from deepdreamer.expressions import ObjectiveBuilder
from deepdreamer.tensors import to_tensor

from .conftest import small_photo


@pytest.fixture(scope="module")
def builder(lite0) -> ObjectiveBuilder:
    photo = lite0.to_input(to_tensor(small_photo("chelsea")))
    guide = lite0.to_input(to_tensor(small_photo("coffee")))
    return ObjectiveBuilder(lite0, photo, guide)


@pytest.fixture(scope="module")
def activations(lite0, builder):
    with torch.no_grad():
        return lite0.activations(builder.photo, ["block8", "block9", "block10", "logits"])


@pytest.mark.parametrize(("text", "expected"), [
    ("block8", "layer('block8')"),
    ("0.2*layer('block8') + 3*layer('block10')", "0.2*layer('block8') + 3*layer('block10')"),
    ("block10:97", "channel('block10', 97)"),
    ("block10:97 - 0.5*block8:3", "channel('block10', 97) - 0.5*channel('block8', 3)"),
    ("channel('block10', 97) - 0.5*block8", "channel('block10', 97) - 0.5*layer('block8')"),
    ("block8 - -2*block9", "layer('block8') + 2*layer('block9')"),
    ("2*(block8 + block9) / 4", "0.5*(layer('block8') + layer('block9'))"),
    ("0.1234567*block8 + 1234567*block9", "0.1234567*layer('block8') + 1234567*layer('block9')"),  # exact
    ("channels('block10', [5, 1])", "channels('block10', [5, 1])"),
    ("logit(207)", "logit('golden retriever')"),
    ("logit('Golden Retriever')", "logit('golden retriever')"),
    ("guide('block10')", "guide('block10')"),
])
def test_text_parses_to_the_objective_it_describes_and_reads_back(builder, activations, text, expected):
    objective = builder.parse(text)
    assert str(objective) == expected
    again = builder.parse(str(objective))
    assert str(again) == expected
    assert torch.allclose(objective(activations), again(activations))


def test_parsed_arithmetic_computes_what_it_says(builder, activations):
    combined = builder.parse("channel('block10', 97) - 0.5*block8")(activations)
    parts = builder.parse("block10:97")(activations) - 0.5 * builder.parse("block8")(activations)
    assert torch.allclose(combined, parts)


def test_strongest_channels_are_the_photos_most_active(lite0, builder, activations):
    objective = builder.parse("channels('block10', strongest=3)")
    means = activations["block10"].mean(dim=(0, 2, 3))
    assert str(objective) == f"channels('block10', {sorted(means.topk(3).indices.tolist())})"
    weakest = builder.parse("channels('block10', weakest=3)")
    assert objective(activations) > weakest(activations)


@pytest.mark.parametrize("text", [
    "block99", "block8 + 1", "block8*block8", "logit('golden retreiver')", "channel('block8', 999)", "1+",
    "channels('block8')", "__import__('os').system('true')", "open('x')", "block8/0", "layer(3)", "2",
    "block8.weight", "[block8]", "guide('block8', 2)", "logit(1000)", "layer('block8:3')", "block8:",
    "logits:3", "guide('logits')", "channels('logits', strongest=2)", "channel('head', True)", "logit('²')",
    "1e309*head", "1e300*1e300*head", "1" + "0" * 400 + "*head", "+".join(["head"] * 600),
    "(" * 300 + "head" + ")" * 300,
])
def test_bad_text_is_one_clear_line(builder, text):
    with pytest.raises(dd.DeepDreamError) as error:
        builder.parse(text)
    assert "\n" not in str(error.value) and len(str(error.value)) < 300


def test_a_guide_objective_needs_a_guide_image(lite0):
    with pytest.raises(dd.DeepDreamError, match="needs a guide image"):
        ObjectiveBuilder(lite0).parse("guide('block10')")
