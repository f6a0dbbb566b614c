"""The registry: every architecture registers its own models and presets; lookups and listings by name."""

from __future__ import annotations

import subprocess
import sys

import pytest

import deepdreamer as dd
from deepdreamer.errors import DeepDreamError
from deepdreamer.models import IMAGE, WAVEFORM, registry


def test_each_model_is_registered_by_its_own_architecture_module():
    builders = {name: dd.model_spec(name).build for name in dd.list_models()}
    modules = {name: getattr(build, "func", build).__module__ for name, build in builders.items()}
    assert modules == {
        "efficientnet_lite0": "deepdreamer.models.efficientnet_lite",
        "efficientnet_lite1": "deepdreamer.models.efficientnet_lite",
        "efficientnet_lite2": "deepdreamer.models.efficientnet_lite",
        "inception_v3": "deepdreamer.models.inception_v3",
        "googlenet": "deepdreamer.models.googlenet",
        "vgg16": "deepdreamer.models.vgg",
        "resnet50": "deepdreamer.models.resnet",
        "crepe_tiny": "deepdreamer.models.crepe",
        "crepe_full": "deepdreamer.models.crepe",
    }


def test_listing_by_pattern_and_by_input():
    assert dd.list_models("efficientnet*") == ["efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2"]
    assert dd.list_models(input=WAVEFORM) == ["crepe_tiny", "crepe_full"]
    assert dd.DEFAULT_MODEL in dd.list_models(input=IMAGE) and "crepe_tiny" not in dd.list_models(input=IMAGE)


def test_unknown_names_suggest_close_ones():
    with pytest.raises(DeepDreamError, match="did you mean inception_v3"):
        dd.model_spec("inception_v2")
    with pytest.raises(DeepDreamError, match="unknown model 'crepe_tiny'"):
        dd.model_spec("crepe_tiny", input=IMAGE)
    with pytest.raises(DeepDreamError, match="unknown preset 'loud' for efficientnet_lite0; choose from default"):
        dd.model_spec("efficientnet_lite0").preset("loud")


def test_presets_are_the_seeds_for_inception_and_the_first_is_the_default():
    spec = dd.model_spec("inception_v3")
    assert spec.default_preset == "default" and spec.preset(None) is spec.presets["default"]
    assert dict(spec.preset(None).layers) == {"mixed2": 0.2, "mixed3": 3.0, "mixed4": 2.0, "mixed5": 1.5}
    assert spec.preset(None).settings == dd.DreamSettings()


def test_a_picture_dream_refuses_a_sound_model(cat):
    with pytest.raises(DeepDreamError, match="unknown model 'crepe_tiny'"):
        dd.dream(cat, model="crepe_tiny")


def test_the_registry_and_presets_import_without_torch():
    code = ("import sys; from deepdreamer.models import registry, catalog; from deepdreamer import api, records; "
            "print('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
    assert registry.ARCHITECTURES  # the modules the first lookup imports
