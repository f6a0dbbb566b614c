"""The page's events without a browser: what a restore sends to which widget, and the layer picker."""

from __future__ import annotations

import pytest

pytest.importorskip("gradio", reason="the web extra is not installed")

import gradio as gr

from deepdreamer.web import animation, form, handlers


def test_adding_a_layer_appends_it_once():
    assert handlers.Page.layer_added("", "block8") == ("block8=1", None)
    assert handlers.Page.layer_added("block8=2", "block10") == ("block8=2, block10=1", None)
    assert handlers.Page.layer_added("block8=2, block10=1", "block10") == ("block8=2, block10=1", None)


def test_a_restored_clip_fills_its_tab_and_the_model_and_leaves_the_rest():
    restored = animation.RestoredClip("zoom", {"frames": 30, "zoom": 1.1, "rotate": 2.0, "side": 128,
                                               "iterations": 3, "seed": "9"}, "efficientnet_lite0", None, [])
    outputs = handlers.clip_restore_outputs(restored)
    fields = dict(zip(form.FIELDS, outputs, strict=False))
    extras = outputs[len(form.FIELDS):len(form.FIELDS) + len(handlers.RESTORE_EXTRAS)]
    boxes = outputs[len(form.FIELDS) + len(handlers.RESTORE_EXTRAS):]
    assert fields["model"] == "efficientnet_lite0" and fields["preset"]["value"] == "default"
    assert all(value == gr.skip() for name, value in fields.items() if name not in ("model", "preset"))
    assert extras[2].selected == "zoom" and "zoom settings restored" in extras[3]
    assert boxes == [30, 1.1, 2.0, 128, 3, "9", *[gr.skip()] * len(animation.VIDEO_BOXES)]


def test_a_clip_of_a_model_the_page_lacks_is_refused():
    restored = animation.RestoredClip("video", {}, "alexnet", None, [])
    with pytest.raises(handlers.DeepDreamError, match="unknown model 'alexnet'"):
        handlers.clip_restore_outputs(restored)
