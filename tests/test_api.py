"""The Python API: ``dream()`` takes what people pass, and its result saves with its record."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import deepdreamer as dd
from deepdreamer.errors import DeepDreamError

FAST = {"iterations": 1, "num_octaves": 2, "seed": 3}


def test_a_path_a_pil_image_and_arrays_dream_alike(cat, cat_file):
    from_pil = dd.dream(cat, **FAST)
    from_path = dd.dream(cat_file, **FAST)
    from_text = dd.dream(str(cat_file), **FAST)
    from_uint8 = dd.dream(np.asarray(cat), **FAST)
    from_float = dd.dream(np.asarray(cat, dtype=np.float32) / 255, **FAST)
    for other in (from_path, from_text, from_uint8, from_float):
        assert other.image.tobytes() == from_pil.image.tobytes()


def test_an_exif_rotated_file_is_dreamed_upright(tmp_path, cat):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    cat.save(path, exif=exif)
    assert dd.dream(path, **FAST).image.size == (cat.height, cat.width)


@pytest.mark.parametrize(("value", "message"), [
    (3, "must be a file path, a PIL image or a NumPy array, not int"),
    (np.zeros((4, 5, 7), np.uint8), "expected height x width x 3"),
    (np.full((8, 8, 3), 2.0), "values from 0 to 1"),
    (np.zeros((8, 8, 3), np.int64), "expected uint8"),
])
def test_anything_else_is_a_one_line_error(value, message):
    with pytest.raises(DeepDreamError, match=message) as caught:
        dd.dream(value, **FAST)
    assert "\n" not in str(caught.value)


def test_a_missing_path_names_the_file(tmp_path):
    with pytest.raises(DeepDreamError, match=r"nope\.jpg: no such file"):
        dd.dream(tmp_path / "nope.jpg")


def test_class_name_is_an_argument(cat):
    result = dd.dream(cat, class_name="Tabby", **FAST)
    assert result.params["objective"] == "logit('tabby')" and result.params["layers"] is None
    with pytest.raises(DeepDreamError, match="either"):
        dd.dream(cat, class_name="tabby", objective="block8", **FAST)
    with pytest.raises(DeepDreamError, match="either layers"):
        dd.dream(cat, class_name="tabby", layers={"block8": 1.0}, **FAST)


def test_save_writes_the_record_and_the_file_repeats(tmp_path, cat):
    result = dd.dream(cat, keep_octaves=True, **FAST)
    path = tmp_path / "dream.png"
    result.save(path)
    assert dd.read_image(path).params == result.params
    again = dd.dream(cat, **dd.params_to_options(dd.read_image(path).params))
    assert again.image.tobytes() == result.image.tobytes()
    assert result.octave_sizes == [(114, 75), (160, 106)]
    assert [image.size for image in result.octave_images] == result.octave_sizes


def test_guide_and_mask_given_as_paths_are_recorded_and_repeat(tmp_path, cat):
    guide, mask = tmp_path / "guide.png", tmp_path / "mask.png"
    cat.rotate(180).save(guide)
    Image.linear_gradient("L").resize(cat.size).save(mask)
    first = dd.dream(cat, guide=guide, mask=mask, **FAST)
    assert first.params["guide"] == str(guide.resolve()) and first.params["mask"] == str(mask.resolve())
    again = dd.dream(cat, **dd.params_to_options(first.params))
    assert again.image.tobytes() == first.image.tobytes()


def test_python_objectives_are_checked_as_their_text_is(cat):
    pairs = [
        (dd.channel("block10", 500), "channel('block10', 500)"),
        (dd.layer("blok8"), "blok8"),
        (dd.channels("block8", [1, 999]), "channels('block8', [1, 999])"),
        (dd.layer("block8") - 2 * dd.channel("block9", 10_000), "block8 - 2*channel('block9', 10000)"),
        (dd.channels("logits", strongest=2), "channels('logits', strongest=2)"),
    ]
    for value, text in pairs:
        messages = []
        for objective in (value, text):
            with pytest.raises(DeepDreamError) as caught:
                dd.dream(cat, objective=objective, **FAST)
            messages.append(str(caught.value))
        assert messages[0] in messages[1], messages  # the text's adds "objective '...': " in front


def test_strongest_channels_work_in_python_as_in_text(cat):
    from_value = dd.dream(cat, objective=dd.channels("block12", strongest=4) - 0.5 * dd.layer("block8"), **FAST)
    from_text = dd.dream(cat, objective="channels('block12', strongest=4) - 0.5*block8", **FAST)
    assert from_value.params["objective"] == from_text.params["objective"]
    assert from_value.params["objective"].startswith("channels('block12', [")  # recorded as the channels they were
    assert from_value.image.tobytes() == from_text.image.tobytes()


@pytest.mark.parametrize(("options", "message"), [
    ({"seed": 2**70}, "seed must be an integer from 0 to 2\\*\\*63-1"),
    ({"seed": -1}, "seed must be"),
    ({"seed": 2.5}, "seed must be"),
    ({"objective": 3}, "objective must be an objective .* not int"),
    ({"layers": ["block8"]}, "layers must map layer names to weights"),
    ({"layers": {"block8": "1"}}, "weight of layer 'block8' must be a finite number"),
    ({"iterations": "5"}, "iterations must be a whole number"),
    ({"num_octaves": 10**30}, "octaves is too large"),
    ({"octave_scale": 1e300}, "would shrink the image"),
    ({"scale": "huge"}, "scale 'huge' is not large, medium, fine or a size in pixels"),
])
def test_settings_people_pass_are_checked_in_one_line(cat, options, message):
    with pytest.raises(DeepDreamError, match=message) as caught:
        dd.dream(cat, **{**FAST, **options})
    assert "\n" not in str(caught.value)


def test_numpy_numbers_are_numbers(cat):
    result = dd.dream(cat, layers={"block8": np.float32(1.5)}, **{**FAST, "seed": np.int64(3)})
    assert result.params["seed"] == 3 and result.params["layers"] == {"block8": 1.5}


def test_layers_are_listed_from_python(lite0):
    assert dd.list_layers() == lite0.layer_table()
    assert [layer.name for layer in dd.list_layers("inception_v3")][:1] == ["Conv2d_1a_3x3"]
    with pytest.raises(DeepDreamError, match="unknown model 'alexnet'"):
        dd.list_layers("alexnet")


def test_every_public_name_says_what_it_is_for():
    import inspect

    for name in dd.__all__:
        value = getattr(dd, name)
        if callable(value):  # a dataclass without a docstring gets its signature as one: not an explanation
            doc = inspect.getdoc(value) or ""
            assert doc and not doc.startswith(f"{value.__name__}("), f"deepdreamer.{name} says nothing about itself"
