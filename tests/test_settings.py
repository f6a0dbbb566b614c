"""The ascent's settings: memory sizes read the way people write them, and one check that refuses nonsense."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deepdreamer.errors import DeepDreamError
from deepdreamer.settings import MIN_BUDGET, DreamSettings, check_max_memory


@pytest.mark.parametrize(("changes", "message"), [
    ({"step": 0.0}, "step must be a positive number"), ({"num_octaves": 0}, "octaves must be at least 1"),
    ({"octave_scale": 0.9}, "octave scale must be a number >= 1"), ({"iterations": 2.5}, "iterations must be a whole"),
    ({"num_octaves": 80, "octave_scale": 2.0}, "would shrink the image more than"),
    ({"max_loss": float("nan")}, "max loss must be a positive number"), ({"jitter": -1}, "jitter must be 0 or more"),
    ({"laplacian_levels": 9}, "between 0 and 8"), ({"smoothing": 17.0}, "smoothing must be a blur sigma"),
    ({"tile_size": 100}, "tile size must be 0"), ({"step": True}, "step must be a number"),
    ({"iterations": 2**63}, "iterations is too large"), ({"max_memory": 1 << 20}, "max memory must be at least"),
])
def test_nonsense_is_refused_in_one_line(changes, message):
    with pytest.raises(DeepDreamError, match=message):
        replace(DreamSettings(), **changes).check()


def test_the_seeds_defaults_pass_and_optional_limits_may_be_off():
    DreamSettings().check()
    replace(DreamSettings(), max_loss=None, max_memory=None, tile_size=256).check()
    assert check_max_memory(MIN_BUDGET) == MIN_BUDGET
