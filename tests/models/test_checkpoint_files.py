"""Checkpoint files as people have them: torchvision's InceptionV3 file predates BatchNorm's batch counter (484
keys, no ``num_batches_tracked``, no ``_metadata``), training scripts wrap and prefix their state dicts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import deepdreamer as dd
from deepdreamer.models.crepe import FRAME
from deepdreamer.models.weights import load_state_dict

MODELS = dd.list_models()
FORMATS = {"zip": True, "legacy": False}  # torch.save's _use_new_zipfile_serialization
COUNTER = "num_batches_tracked"


def probe(name: str) -> torch.Tensor:
    """An input of the model's kind: a small image, or two frames of sound."""
    shape = (1, 3, 96, 128) if dd.model_spec(name).input == "image" else (2, FRAME)
    return torch.rand(shape, generator=torch.Generator().manual_seed(0))


def activations(model: dd.DreamNet, name: str) -> dict[str, torch.Tensor]:
    layers = list(dd.model_spec(name).preset(None).layers)
    with torch.no_grad():
        return model.eval().activations(probe(name), layers)


def full_state(name: str) -> dict[str, torch.Tensor]:
    """What ``torch.save(model.state_dict())`` holds today: batch counters (made non-zero) and ``_metadata``."""
    torch.manual_seed(MODELS.index(name))
    state = dd.model_spec(name).build().state_dict()
    for key in state:
        if key.endswith(COUNTER):
            state[key] = torch.tensor(1234)
    assert hasattr(state, "_metadata")
    return state


def loaded(name: str, path: Path) -> dd.DreamNet:
    model = dd.model_spec(name).build()
    load_state_dict(model, path, name)
    return model


def old_style(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same tensors as a plain dict without batch counters: no _metadata, as files from torch < 0.4.1."""
    return {key: value for key, value in state.items() if not key.endswith(COUNTER)}


@pytest.mark.parametrize("name", MODELS)
def test_a_state_dict_without_batch_counters_or_metadata_loads_for_every_model(tmp_path, name):
    state = full_state(name)
    full_path = tmp_path / "full.pth"
    torch.save(state, full_path)
    expected = activations(loaded(name, full_path), name)
    full_path.unlink()
    old = old_style(state)
    if name == "inception_v3":
        assert len(old) == 484  # the key count of torchvision's inception_v3_google-0cc3c7bd.pth
    del state
    for fmt, zipped in FORMATS.items():
        path = tmp_path / f"old-{fmt}.pth"
        torch.save(old, path, _use_new_zipfile_serialization=zipped)
        acts = activations(loaded(name, path), name)
        path.unlink()
        assert acts.keys() == expected.keys()
        for layer, act in expected.items():
            assert torch.equal(acts[layer], act), (fmt, layer)


@pytest.mark.parametrize("wrap", ["module", "state_dict", "model", "training"])
def test_parallel_prefixes_and_training_wrappers_load_through_load_model(tmp_path, wrap):
    name = "efficientnet_lite0"
    state = old_style(full_state(name))
    prefixed = {f"module.{key}": value for key, value in state.items()}
    content = {"module": prefixed, "state_dict": {"state_dict": prefixed}, "model": {"model": state},
               "training": {"epoch": 90, "model": prefixed, "optimizer": {"lr": 0.1}}}[wrap]
    torch.save(state, tmp_path / "plain.pth")
    torch.save(content, tmp_path / f"{wrap}.pth")
    expected = activations(dd.load_model(name, weights=tmp_path / "plain.pth"), name)
    acts = activations(dd.load_model(name, weights=tmp_path / f"{wrap}.pth"), name)
    for layer, act in expected.items():
        assert torch.equal(acts[layer], act), layer


def test_a_whole_pickled_model_says_how_to_save_its_state_dict(tmp_path):
    path = tmp_path / "whole.pth"
    torch.save(dd.model_spec("efficientnet_lite0").build(), path)
    with pytest.raises(dd.DeepDreamError, match=r"EfficientNetLite\).*torch\.save\(model\.state_dict\(\)") as error:
        dd.load_model("efficientnet_lite0", weights=path)
    assert "\n" not in str(error.value)


def test_a_partial_prefix_or_a_missing_weight_is_still_refused(tmp_path):
    state = old_style(full_state("efficientnet_lite0"))
    first = next(iter(state))
    mixed = {(f"module.{key}" if key == first else key): value for key, value in state.items()}
    torch.save(mixed, tmp_path / "mixed.pth")
    with pytest.raises(dd.DeepDreamError, match=r"1 missing keys .*1 unexpected keys \(e\.g\. module\."):
        dd.load_model("efficientnet_lite0", weights=tmp_path / "mixed.pth")
    del state[first]
    torch.save(state, tmp_path / "missing.pth")
    with pytest.raises(dd.DeepDreamError, match=f"1 missing keys \\(e\\.g\\. {first}\\)"):
        dd.load_model("efficientnet_lite0", weights=tmp_path / "missing.pth")
