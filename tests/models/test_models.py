"""Models: real Lite weights load and classify; every listed layer resolves with its listed channels."""

from __future__ import annotations

import pytest
import torch

import deepdreamer as dd
from deepdreamer.tensors import to_tensor

from ..conftest import small_photo

CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat


@pytest.mark.parametrize("name", dd.list_models(input="image"))
def test_every_listed_layer_resolves_with_its_listed_channels(name):
    net = dd.load_model(name, pretrained=False)
    table = net.layer_table()
    assert [info.name for info in table] == net.layer_names
    x = torch.zeros(1, 3, 160, 171)
    names = [n for info in table for n in (info.name, *info.aliases)]
    with torch.no_grad():
        acts = net.activations(x, names)
    for info in table:
        for alias in (info.name, *info.aliases):
            assert acts[alias].shape[1] == info.channels, alias
    for preset in dd.model_spec(name).presets.values():
        for layer_name in preset.layers:
            net.resolve_layer(layer_name)


def test_features_stop_at_the_deepest_requested_layer(lite0):
    calls = []
    handle = lite0._blocks[11].register_forward_hook(lambda *args: calls.append(1))
    try:
        with torch.no_grad():
            lite0.activations(torch.zeros(1, 3, 64, 64), ["block8", "block10"])
    finally:
        handle.remove()
    assert calls == []


@pytest.mark.parametrize("model", ["efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2"])
def test_lite_weights_load_and_see_a_cat(model):
    net = dd.load_model(model)
    photo = small_photo("chelsea", width=280)
    x = net.to_input(to_tensor(photo))
    with torch.no_grad():
        top = int(net.classify(x).argmax())
    assert top in CAT_CLASSES


def test_folded_batch_norms_give_the_same_activations_and_gradients(lite0):
    unfolded = dd.model_spec("efficientnet_lite0").build().eval()
    unfolded.load_state_dict(torch.load(dd.model_spec("efficientnet_lite0").weights.obtain(), weights_only=True))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in lite0.modules())
    x = lite0.to_input(to_tensor(small_photo("coffee", width=128)))
    results = []
    for net in (lite0, unfolded):
        x_ = x.clone().requires_grad_(True)
        act = net.activations(x_, ["block10"])["block10"]
        (grad,) = torch.autograd.grad(act.square().mean(), x_)
        results.append((act.detach(), grad))
    (act, grad), (act_ref, grad_ref) = results
    assert torch.allclose(act, act_ref, rtol=1e-4, atol=1e-4 * act_ref.abs().max())
    assert torch.allclose(grad, grad_ref, rtol=1e-3, atol=1e-4 * grad_ref.abs().max())


def test_model_parameters_never_get_gradients(lite0):
    assert not any(p.requires_grad for p in lite0.parameters())
    assert not lite0.training


def test_unknown_layer_suggests_close_names(lite0):
    with pytest.raises(dd.DeepDreamError, match="did you mean block9") as error:
        lite0.resolve_layer("blok9")
    assert "\n" not in str(error.value)


def test_unknown_model_suggests_close_names():
    with pytest.raises(dd.DeepDreamError, match="efficientnet_lite0"):
        dd.model_spec("efficientnet-lite0")


def test_inception_keras_and_torchvision_names_are_the_same_layer(random_inception):
    assert random_inception.resolve_layer("mixed3") == "Mixed_6a"
    assert random_inception.resolve_layer("mixed10") == "Mixed_7c"


def test_inception_refuses_inputs_too_small_in_one_line(random_inception):
    with pytest.raises(dd.DeepDreamError, match="too small"):
        random_inception.check_input_side(60, 200)


def test_a_wrong_weights_file_is_one_line(tmp_path):
    wrong = tmp_path / "lite1.pth"
    torch.save(dd.model_spec("efficientnet_lite1").build().state_dict(), wrong)
    with pytest.raises(dd.DeepDreamError, match="does not match efficientnet_lite0") as error:
        dd.load_model("efficientnet_lite0", weights=wrong)
    assert "\n" not in str(error.value)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(dd.DeepDreamError, match="not a PyTorch checkpoint"):
        dd.load_model("efficientnet_lite0", weights=garbage)
