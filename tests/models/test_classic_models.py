"""InceptionV3 and GoogLeNet: torchvision's checkpoint format and layer shapes, checked against fixtures
written from torchvision 0.29.1's own models (tests/fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

import deepdreamer as dd

from ..deterministic_weights import deterministic_input, deterministic_state

FIXTURES = Path(__file__).parents[1] / "fixtures"
CLASSIC = ["inception_v3", "googlenet", "vgg16", "resnet50"]


def torchvision_keys(model: str) -> dict[str, tuple[int, ...]]:
    keys = {}
    for line in (FIXTURES / f"torchvision_{model}_keys.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, *dims = line.split()
            keys[name] = () if dims == ["scalar"] else tuple(int(d) for d in dims)
    return keys


@pytest.mark.parametrize("model", CLASSIC)
def test_state_dict_has_exactly_torchvisions_keys_and_shapes(model):
    ours = {k: tuple(v.shape) for k, v in dd.model_spec(model).build().state_dict().items()}
    assert ours == torchvision_keys(model)


@pytest.mark.parametrize("model", CLASSIC)
def test_a_torchvision_format_checkpoint_loads_strictly(model, tmp_path):
    generator = torch.Generator().manual_seed(0)
    state = {k: torch.rand(shape, generator=generator) + 0.5 if shape else torch.tensor(0)
             for k, shape in torchvision_keys(model).items()}
    path = tmp_path / f"{model}.pth"
    torch.save(state, path)
    net = dd.load_model(model, weights=path)  # loads strictly, then folds batch norms into convolutions
    reference = dd.model_spec(model).build().eval()
    reference.load_state_dict(state, strict=True)
    x = torch.rand(1, 3, 100, 120, generator=generator)
    with torch.no_grad():
        assert torch.allclose(net.classify(x), reference.classify(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("model", CLASSIC)
def test_every_named_layer_has_torchvisions_output_shape(model):
    expected_by_size = json.loads((FIXTURES / "torchvision_layer_shapes.json").read_text())[model]
    net = dd.load_model(model, pretrained=False)
    for size, expected in expected_by_size.items():
        height, width = map(int, size.split("x"))
        with torch.no_grad():
            acts = net.activations(torch.zeros(1, 3, height, width), list(expected))
        assert {name: list(act.shape[1:]) for name, act in acts.items()} == expected, size


@pytest.mark.parametrize("model", CLASSIC)
def test_below_the_smallest_input_is_a_clear_error(model):
    net = dd.load_model(model, pretrained=False)
    side = net.min_input_side
    with torch.no_grad():
        net.activations(torch.zeros(1, 3, side, side + 3), [net.layer_names[-1]])
        with pytest.raises(dd.DeepDreamError, match=f"at least {side} px"):
            net.activations(torch.zeros(1, 3, side - 1, 300), [net.layer_names[-1]])


def test_googlenet_caffe_names_resolve():
    net = dd.load_model("googlenet", pretrained=False)
    assert net.resolve_layer("inception_4c/output") == "inception4c"
    assert net.resolve_layer("inception_4c/3x3") == "inception4c.branch2"


@pytest.fixture(scope="module")
def random_inception_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "inception_v3_random.pth"
    torch.manual_seed(0)
    torch.save(dd.model_spec("inception_v3").build().state_dict(), path)
    return path


def test_a_dream_too_small_for_inception_says_so(random_inception_file):
    # 3 octaves of 1.4 shrink 140 px to 71, below InceptionV3's 75
    with pytest.raises(dd.DeepDreamError, match="71x71 is too small"):
        dd.dream(Image.new("RGB", (140, 140)), model="inception_v3", weights=random_inception_file, device="cpu")


@pytest.mark.parametrize("model", CLASSIC)
def test_outputs_equal_torchvisions_for_the_same_weights(model):
    expected = json.loads((FIXTURES / "torchvision_outputs.json").read_text())[model]
    net = dd.model_spec(model).build().eval()  # a fresh one: load_model's are cached and shared
    net.load_state_dict(deterministic_state(net.state_dict()))
    with torch.no_grad():
        logits = net.classify(deterministic_input())[0]
    assert logits[:16].tolist() == pytest.approx(expected["first_logits"], abs=1e-4)
    assert float(logits.norm()) == pytest.approx(expected["logits_l2"], rel=1e-5)
