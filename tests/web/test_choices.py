"""What the page offers, from the catalog: models with their availability, layers, classes."""

from __future__ import annotations

from deepdreamer.web import choices


def test_models_without_weights_say_why_and_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache
    listed = {choice.name: choice for choice in choices.model_choices()}
    assert next(iter(listed)) == "efficientnet_lite0"
    assert "crepe_tiny" not in listed  # sound models are not offered for pictures
    assert listed["efficientnet_lite0"].missing is None and listed["efficientnet_lite0"].label == "efficientnet_lite0"
    inception = listed["inception_v3"]
    assert inception.label == "inception_v3 (unavailable: weights missing)"
    assert "inception_v3_google-0cc3c7bd.pth" in inception.missing and str(tmp_path / "hub" / "checkpoints") in \
        inception.missing

    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    (tmp_path / "hub" / "checkpoints" / "inception_v3_google-0cc3c7bd.pth").write_bytes(b"")
    assert {choice.name: choice for choice in choices.model_choices()}["inception_v3"].missing is None


def test_layers_classes_and_channels():
    assert choices.layers("efficientnet_lite0")[9] == ("block8 (112 channels, stride 16)", "block8")
    assert choices.layer_names("inception_v3")["mixed3"] == "Mixed_6a"  # the seed's Keras name
    assert choices.channel_count("efficientnet_lite0", "block10") == 112
    assert choices.channel_count("efficientnet_lite0", "nothing") is None
    names = choices.class_names()
    assert len(names) == 1000 and "golden retriever" in names
