"""What users hand over, checked by one rule for the API and every front end: seeds and layer weights."""

from __future__ import annotations

import pytest

from deepdreamer import checks
from deepdreamer.errors import DeepDreamError


def test_a_seed_is_checked_or_drawn_short_enough_to_type_again():
    assert checks.seed_or_drawn(7) == 7 and checks.seed_or_drawn(checks.MAX_SEED) == checks.MAX_SEED
    drawn = {checks.seed_or_drawn(None) for _ in range(20)}
    assert len(drawn) > 1 and all(0 <= seed < checks.DRAWN_SEEDS for seed in drawn)
    for bad in (-1, 2**63, 2.0, True, "7"):
        with pytest.raises(DeepDreamError, match=r"seed must be an integer from 0 to 2\*\*63-1"):
            checks.seed_or_drawn(bad)


def test_layers_are_read_one_way_and_a_layer_named_twice_is_refused():
    assert checks.parse_layers(["block8=2", " block10 ", "block9="]) == {"block8": 2.0, "block10": 1.0, "block9": 1.0}
    assert checks.parse_layers(["block8=0:1,60:0", "block10"], keyframed=True) == {"block8": "0:1,60:0",
                                                                                   "block10": "1"}
    for specs, keyframed in ((["block8=1", "block8=2"], False), (["block8=1", "block8=0:1,9:0"], True)):
        with pytest.raises(DeepDreamError, match=r"--layer block8 is given twice .*; give each layer once"):
            checks.parse_layers(specs, keyframed=keyframed)
    for spec in ("=1", "block8=x", "block8=inf"):
        with pytest.raises(DeepDreamError, match=f"layers: '{spec}' is not NAME=WEIGHT"):
            checks.parse_layers([spec], "layers:")


def test_layer_weights_are_finite_numbers_by_name():
    assert checks.layer_weights({"block8": 1}) == {"block8": 1.0}
    for bad, message in (({}, "at least one layer"), ({"block8": float("nan")}, "finite number"),
                         ({3: 1.0}, "layer names are text"), ([("block8", 1)], "must map layer names")):
        with pytest.raises(DeepDreamError, match=message):
            checks.layer_weights(bad)
