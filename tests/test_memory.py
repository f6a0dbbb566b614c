"""The memory budget: whole when a step fits, else the largest tiles that fit, and the peak stays under it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest
import torch

import deepdreamer as dd
import deepdreamer.memory as memory
from deepdreamer.gradients import TILE_MARGIN, balanced_tile
from deepdreamer.losses import objective_function
from deepdreamer.memory import BACKWARD_OVERHEAD, step_copies
from deepdreamer.settings import GIB, TILE_ALIGNMENT, format_size, parse_size

SEED = dd.model_spec("inception_v3").preset(None).settings
LITE = dd.model_spec("efficientnet_lite0").preset(None).settings
HELD = GIB  # what the process holds, for these tests


@pytest.mark.parametrize(("text", "size"), [("3G", 3 * GIB), ("3GiB", 3 * GIB), ("3gb", 3 * GIB), ("2500M", 2500 << 20),
                                            (".5G", GIB // 2), ("1048576", 1 << 20), (" 64 k ", 64 << 10)])
def test_sizes_read_in_powers_of_1024(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "3 apples", "-1G", "3P", "1e9"])
def test_a_size_that_is_not_one_is_a_one_line_error(text):
    with pytest.raises(dd.DeepDreamError, match="not a size like 3G"):
        parse_size(text)


def test_sizes_are_shown_in_gib_and_a_budget_below_the_minimum_is_refused():
    assert format_size(3 * GIB + GIB // 4) == "3.25 GiB"
    with pytest.raises(dd.DeepDreamError, match=r"max memory must be at least 0\.25 GiB, not 0\.00 GiB"):
        replace(SEED, max_memory=1 << 20).check()


@pytest.fixture
def planned(monkeypatch, lite0):
    """A fresh objective on Lite0 (a planner per dream), with the process holding ``HELD``."""
    monkeypatch.setattr(memory, "memory_in_use", lambda device: HELD)
    return lambda: objective_function(lite0, dd.layer_mix({"block8": 1.0, "block10": 1.0}))


def piece_bytes(loss_fn, height: int, width: int, side: int) -> int:
    return loss_fn.planner.network_bytes(*(min(balanced_tile(n, side) + 2 * TILE_MARGIN, n) for n in (height, width)))


def test_whole_when_the_step_fits_else_the_largest_tiles_that_fit(planned):
    image = torch.zeros(1, 3, 1200, 1600)
    copies = int(step_copies(SEED) * image.numel() * 4)
    loss_fn = planned()
    need = HELD + copies + loss_fn.planner.network_bytes(1200, 1600)
    assert loss_fn.planner.tile_side(image, replace(SEED, max_memory=need)) == 0
    assert loss_fn.planner.record() is None

    loss_fn = planned()
    side = loss_fn.planner.tile_side(image, replace(SEED, max_memory=need - 1))
    assert side > 0 and side % TILE_ALIGNMENT == 0
    assert HELD + copies + piece_bytes(loss_fn, 1200, 1600, side) <= need - 1
    assert HELD + copies + piece_bytes(loss_fn, 1200, 1600, side + TILE_ALIGNMENT) > need - 1  # the largest
    tile = f"{balanced_tile(1600, side)}x{balanced_tile(1200, side)}"
    assert loss_fn.planner.record() == {"max_memory": need - 1, "octaves": {"1600x1200": tile}}


def test_the_copies_the_quality_levers_make_count_against_the_budget(planned):
    """A budget that holds the seed's step whole (the network and the gradient) tiles a step that also jitters,
    blurs and splits the gradient into Laplacian bands: those are full-size copies of the image too."""
    image = torch.zeros(1, 3, 1200, 1600)
    need = HELD + image.numel() * 4 + planned().planner.network_bytes(1200, 1600)
    assert planned().planner.tile_side(image, replace(SEED, max_memory=need)) == 0
    for lever in ({"jitter": 32}, {"smoothing": 1.0}, {"laplacian_levels": 4}):
        assert planned().planner.tile_side(image, replace(SEED, max_memory=need, **lever)) > 0, lever
    assert planned().planner.tile_side(image, replace(LITE, max_memory=need + (40 << 20))) > 0  # all at once


def test_the_choice_is_made_once_per_octave_size(planned, monkeypatch):
    loss_fn = planned()
    settings = replace(SEED, max_memory=HELD + 200 << 20)
    image = torch.zeros(1, 3, 1200, 1600)
    side = loss_fn.planner.tile_side(image, settings)
    monkeypatch.setattr(memory, "memory_in_use", lambda device: HELD + (100 << 20))  # later steps hold more
    assert loss_fn.planner.tile_side(image, settings) == side


def test_a_budget_too_small_even_for_small_tiles_is_one_line(planned):
    with pytest.raises(dd.DeepDreamError, match=r"a 1600x1200 octave needs about .* even in 128-px tiles") as error:
        planned().planner.tile_side(torch.zeros(1, 3, 1200, 1600), replace(SEED, max_memory=HELD))
    assert "\n" not in str(error.value)


def test_a_tile_size_is_used_whatever_the_budget(planned):
    settings = replace(SEED, tile_size=256, max_memory=64 * GIB)
    assert planned().planner.tile_side(torch.zeros(1, 3, 1200, 1600), settings) == 256
    assert planned().planner.tile_side(torch.zeros(1, 3, 200, 256), settings) == 0  # no larger than a tile


def test_the_default_budget_is_half_the_available_memory_at_most_8_gib(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(memory, "memory_in_use", lambda device: GIB)
    monkeypatch.setattr(memory, "available_memory", lambda device: 6 * GIB)
    assert memory.default_budget(cpu) == 4 * GIB
    monkeypatch.setattr(memory, "available_memory", lambda device: 100 * GIB)
    assert memory.default_budget(cpu) == 8 * GIB


def saved_bytes(loss_fn, height: int, width: int) -> int:
    """What autograd really saves on an input of that size (each storage once, parameters apart)."""
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        if not isinstance(t, torch.nn.Parameter):
            storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss_fn(torch.zeros(1, 3, height, width, requires_grad=True))
    return sum(storages.values())


@pytest.mark.parametrize("model", ["lite0", "random_inception"])
@pytest.mark.parametrize(("height", "width"), [(384, 512), (300, 451)])
def test_the_estimate_scales_the_probe_to_any_size_from_above(request, model, height, width):
    net = request.getfixturevalue(model)
    layers = {"lite0": {"block8": 1.0, "block10": 1.0}, "random_inception": dd.SEED_LAYER_MIX}[model]
    loss_fn = objective_function(net, dd.layer_mix(layers))
    estimate = loss_fn.planner.network_bytes(height, width) / BACKWARD_OVERHEAD
    actual = saved_bytes(loss_fn, height, width)
    assert actual <= estimate <= 1.15 * actual  # valid convolutions shrink maps a little: InceptionV3 is over


CHILD = """
import json, sys
import numpy as np
from PIL import Image
import torch
import deepdreamer as dd
from deepdreamer.memory import memory_in_use
from deepdreamer.runtime import keep_freed_memory
keep_freed_memory()
photo = Image.fromarray(np.random.default_rng(0).integers(0, 256, (75, 100, 3), dtype=np.uint8)).resize((1200, 900))
dd.load_model("efficientnet_lite0", device="cpu")
budget = memory_in_use(torch.device("cpu")) + int(sys.argv[1])
result = dd.dream(photo, max_memory=budget, num_octaves=1, iterations=2, seed=0, device="cpu")
# VmHWM, not ru_maxrss: Linux folds the forking parent's (pytest's) peak into ru_maxrss at exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) * 1024
print(json.dumps({"budget": budget, "peak": peak, "tiles": result.params["tiles"]}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS in bytes as Linux reports it")
def test_the_peak_resident_memory_of_a_tiled_dream_stays_under_its_budget():
    """A fresh process, as the CLI runs: the budget is what it holds with the model loaded plus 500 MiB."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(500 << 20)], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["tiles"] is not None  # 1200x900 whole would need ~1.6 GiB with Lite0
    print(f"\npeak RSS {result['peak'] / GIB:.2f} GiB, budget {result['budget'] / GIB:.2f} GiB, {result['tiles']}")
    assert result["peak"] <= result["budget"]
