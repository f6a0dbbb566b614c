"""The record: one schema, one ``--like`` rule, and records written by 0.1.0 still read."""

from __future__ import annotations

import math

import pytest

import deepdreamer as dd
from deepdreamer import records
from deepdreamer.errors import DeepDreamError

#: Records as deepdreamer 0.1.0 wrote them (copied from real outputs).
DREAM_0_1_0 = (
    '{"deepdreamer": "0.1.0", "iterations": 2, "jitter": 32, "keep_colors": false, "laplacian_levels": 4, '
    '"layers": {"block5": 2.0}, "max_loss": null, "model": "efficientnet_lite0", "num_octaves": 2, '
    '"objective": "2*layer(\'block5\')", "octave_scale": 1.4, "precision": "fp32", "preset": "default", '
    '"seed": 1234, "smoothing": 0.0, "step": 0.015, "tile_size": 768, "weights": null, "weights_sha256": "ab"}'
)
SOUND_0_1_0 = (
    '{"deepdreamer": "0.1.0", "hop": 256, "iterations": 2, "layers": {"block9": 1.0}, "mask_threshold_db": 40.0, '
    '"mode": "spectrogram", "model": "efficientnet_lite0", "n_fft": 1024, "num_octaves": 3, "objective": '
    '"layer(\'block9\')", "octave_scale": 1.4, "phase": "original", "preset": "mild", "seed": 5, "step": 0.012, '
    '"stereo": "mid", "weights_sha256": "cd"}'
)
EXPLORE_0_1_0 = '{"explore_seed": 3, "photo": "cat.png"}'
FILTERS_0_1_0 = '{"channels": [0, 1], "layer": "block8", "model": "efficientnet_lite0", "seed": 0, "size": 48, ' \
                '"steps": 2}'


def test_records_written_by_0_1_0_are_read_and_repeat():
    dream = records.loads(DREAM_0_1_0)
    assert records.kind_of(dream) == records.DREAM
    options = records.params_to_options(dream)
    assert options["layers"] == {"block5": 2.0} and options["max_loss"] == math.inf and options["seed"] == 1234
    assert "objective" not in options and "weights_sha256" not in options
    assert options["tile_size"] == 0  # the old default (tiles above 1.2 MP only): now the memory budget decides
    assert records.params_to_options({**dream, "tile_size": 512})["tile_size"] == 512  # chosen: kept
    assert records.params_to_options({**dream, "tiles": None})["tile_size"] == 768  # recorded with the budget
    sound = records.loads(SOUND_0_1_0)
    assert records.kind_of(sound) == records.SOUND
    assert records.params_to_options(sound, records.SOUND)["mask_threshold_db"] == 40.0
    assert records.kind_of(records.loads(EXPLORE_0_1_0)) == records.EXPLORE
    assert records.kind_of(records.loads(FILTERS_0_1_0)) == records.FILTERS


def test_new_records_say_their_kind_and_version():
    record = records.new_record(records.DREAM, {"model": "x"})
    assert record["record"] == "dream" and record["deepdreamer"] == dd.__version__ == "0.3.0"
    assert records.loads(records.dumps(record)) == record


@pytest.mark.parametrize("text", [None, "", "not json", "[1, 2]", b"\xff\xfe"])
def test_text_without_a_record_is_none(text):
    assert records.loads(text) is None


@pytest.mark.parametrize(("record", "message"), [
    (EXPLORE_0_1_0, "an explore sheet's"),
    (FILTERS_0_1_0, "a filters sheet's"),
    (SOUND_0_1_0, "a sound dream's"),
    ('{"model": "x"}', "not a deepdreamer record"),
])
def test_a_record_of_another_kind_is_refused_in_one_line(record, message):
    with pytest.raises(DeepDreamError, match=message):
        records.params_to_options(records.loads(record))


@pytest.mark.parametrize(("key", "value"), [
    ("layers", "abc"), ("layers", {"block8": "1"}), ("step", "x"), ("step", True), ("num_octaves", 2.5),
    ("seed", "7"), ("max_loss", "inf"), ("guide", 3), ("model", ["x"]), ("keep_colors", "no"), ("objective", 5),
])
def test_every_value_is_type_checked(key, value):
    record = {**records.loads(DREAM_0_1_0), key: value}
    with pytest.raises(DeepDreamError, match=f"recorded setting {key}="):
        records.params_to_options(record)


def test_like_fills_what_was_not_given_and_takes_the_target_as_one():
    recorded = {"layers": {"block5": 2.0}, "step": 0.02, "seed": 3, "guide": "/g.png"}
    assert records.taken_by_like(recorded, given={"seed"}) == {"layers": {"block5": 2.0}, "step": 0.02,
                                                               "guide": "/g.png"}
    # given any part of what is dreamed, none of the recorded target is taken
    assert records.taken_by_like(recorded, given={"objective"}) == {"step": 0.02, "seed": 3}
    assert records.taken_by_like(recorded, given={"step", "objective"}) == {"seed": 3}


def test_clip_records_check_their_own_kinds_of_values():
    zoom = {"deepdreamer": "0.1.0", "record": records.ZOOM, "model": "efficientnet_lite0", "zoom": "0:1.02,9:1.1",
            "iterations": "0:5,9:2", "step": None, "layers": {"block8": "0:1,9:0"}, "translate": ["0", "0:0,9:4"],
            "frames": 10, "fps": 24, "seed": 2}
    options = records.params_to_options(zoom, records.ZOOM)
    assert options["translate"] == ("0", "0:0,9:4") and options["layers"] == {"block8": "0:1,9:0"}
    with pytest.raises(DeepDreamError, match="recorded setting translate="):
        records.params_to_options({**zoom, "translate": ["0"]}, records.ZOOM)
    with pytest.raises(DeepDreamError, match="recorded setting iterations="):  # a dream's iterations are whole
        records.params_to_options({**zoom, "record": records.DREAM, "layers": None, "step": 0.01})
    video = {"deepdreamer": "0.1.0", "record": records.VIDEO, "model": "efficientnet_lite0", "size": None,
             "step": None, "temporal": "flow", "iterations": 4, "seed": 1}
    assert records.params_to_options(video, records.VIDEO)["size"] is None
    with pytest.raises(DeepDreamError, match="a zoom's, not the settings of a dreamed video"):
        records.params_to_options(zoom, records.VIDEO)


def test_a_dream_repeats_from_its_record(cat):
    first = dd.dream(cat, seed=4, iterations=2, num_octaves=2, objective="block10:3 - 0.5*block8")
    again = dd.dream(cat, **dd.params_to_options(first.params))
    assert again.params == first.params
    assert again.image.tobytes() == first.image.tobytes()
