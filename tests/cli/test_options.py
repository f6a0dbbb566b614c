"""What the commands share: ``--like`` (one rule, errors that name the file) and ``-o``."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepdreamer import records
from deepdreamer.cli.options import apply_like, output_path
from deepdreamer.errors import DeepDreamError

DREAM = {"deepdreamer": "0.1.0", "record": records.DREAM, "model": "efficientnet_lite0", "step": 0.02, "seed": 3,
         "layers": {"block8": 1.0}, "objective": "block8", "tiles": None}


def test_like_fills_the_options_not_typed_and_says_which_it_took():
    options = {"step": 0.5, "seed": None, "model": "efficientnet_lite0"}
    taken = apply_like(Path("old.png"), DREAM, records.DREAM, options, typed={"step"})
    # a record from before the feature scale (#24) repeats without it: scale 0, the whole photo at once
    assert options == {"step": 0.5, "seed": 3, "model": "efficientnet_lite0", "layers": {"block8": 1.0}, "scale": 0}
    assert taken == {"seed", "model", "layers", "scale"}
    options = {"objective": "block10"}
    apply_like(Path("old.png"), DREAM, records.DREAM, options, typed={"objective"})  # the target is taken as one
    assert "layers" not in options and options["objective"] == "block10"


@pytest.mark.parametrize(("record", "kind", "message"), [
    (None, records.DREAM, "old.png: no deepdreamer settings in its metadata"),
    (DREAM, records.ZOOM, "old.png: its metadata is a picture dream's, not the settings of a zoom"),
    ({**DREAM, "seed": "3"}, records.DREAM, "old.png: its recorded setting seed='3' is not valid"),
])
def test_like_refuses_in_one_line_that_names_the_file(record, kind, message):
    with pytest.raises(DeepDreamError) as refused:
        apply_like(Path("old.png"), record, kind, {}, set())
    assert str(refused.value) == message


def test_output_is_a_file_or_a_folder_to_put_the_usual_name_in(tmp_path):
    default = Path("photo_dream.png")
    assert output_path(None, default) == default
    assert output_path(tmp_path / "mine.jpg", default) == tmp_path / "mine.jpg"
    assert output_path(tmp_path, default) == tmp_path / "photo_dream.png"
