"""The one manifest rule of resumable runs, and the frame folder they commit to."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from deepdreamer.animate.frames import FrameFolder, Manifest
from deepdreamer.errors import DeepDreamError


def test_a_new_run_writes_its_settings_and_draws_what_it_was_not_given(tmp_path):
    draws = iter([41, 42])
    manifest = Manifest(tmp_path / "run" / "settings.json")
    kept = manifest.settle({"size": 64, "seed": None, "layers": ("a", "b")}, fill={"seed": lambda: next(draws)})
    assert kept == {"size": 64, "seed": 41, "layers": ["a", "b"]}  # in its JSON form, as a rerun reads it
    assert json.loads(manifest.path.read_text()) == kept
    # the same settings again, the seed not given: the one drawn the first time, nothing drawn anew
    assert manifest.settle({"size": 64, "seed": None, "layers": ["a", "b"]}, fill={"seed": lambda: next(draws)}) == kept
    assert manifest.settle({"size": 64, "seed": 41, "layers": ["a", "b"]}) == kept


def test_other_settings_are_refused_naming_what_differs(tmp_path):
    manifest = Manifest(tmp_path / "settings.json", "dreams")
    manifest.settle({"size": 64, "seed": 1, "model": "a"})
    with pytest.raises(DeepDreamError, match=r"holds the dreams of a run with other settings \(model, seed\)"):
        manifest.settle({"size": 64, "seed": 2, "model": "b"})
    manifest.path.write_text("{not json")
    with pytest.raises(DeepDreamError, match="unreadable settings of an earlier run"):
        manifest.settle({"size": 64})


def test_frames_count_from_the_first_until_a_gap(tmp_path):
    folder = FrameFolder(tmp_path / "frames")
    assert folder.done() == 0
    for index in (0, 1, 3):
        folder.write(index, Image.new("RGB", (8, 6), (index * 60, 0, 0)))
    assert folder.done() == 2 and [image.getpixel((0, 0)) for image in folder.frames()] == [(0, 0, 0), (60, 0, 0)]
    assert sorted(path.name for path in folder.path.iterdir()) == ["000000.png", "000001.png", "000003.png"]
