"""The network's number format: what ``auto`` chooses on real and faked hardware, that the record carries the
one used, and that a bf16 dream is the fp32 dream with rounding noise (the gain and the amount of change)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import deepdreamer as dd
from deepdreamer import precision, precision_probe
from deepdreamer.losses import objective_function
from deepdreamer.models import model_spec

from .cli.test_dream import run_cli
from .conftest import small_photo

CPU = torch.device("cpu")


@pytest.fixture
def bf16_cpu(monkeypatch, tmp_path):
    """This CPU, said to have AVX-512 BF16 units; auto's measurements remembered in a folder of the test's."""
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))


def remember(choice: str, model: str = "efficientnet_lite0", side: int = 256) -> None:
    """Write a measured choice for this machine into the (test's) cache, as an earlier dream would have."""
    key = f"{model} | {side} | {precision_probe.machine(CPU)}"
    path = precision.measured_choices_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({key: {"choice": choice, "seconds_per_step": {"fp32": 1.0, "bf16": 1.0}}}))


def test_auto_is_bf16_only_where_the_units_are():
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("the CPU's flags are read from /proc/cpuinfo (Linux)")
    flags = set(cpuinfo.read_text().split())  # what the kernel says, independently of torch
    has_units = bool({"avx512_bf16", "amx_bf16"} & flags)
    assert precision.resolve("auto", CPU) == ("bf16" if has_units else "fp32")
    assert precision.resolve("fp32", CPU) == "fp32" and precision.resolve("bf16", CPU) == "bf16"


def test_auto_with_faked_units_is_bf16_but_not_for_the_seeds_preset(bf16_cpu, monkeypatch):
    assert precision.native_bf16(CPU)
    assert precision.resolve("auto", CPU) == "bf16"
    seed_preset = model_spec("inception_v3").preset(None)
    assert precision.resolve("auto", CPU, seed_preset.precision) == "fp32"
    assert precision.resolve("bf16", CPU, seed_preset.precision) == "bf16"  # asked for: given
    assert precision.resolve("auto", torch.device("mps")) == "fp32"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: not including_emulation)
    assert precision.resolve("auto", torch.device("cuda")) == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation)
    assert precision.resolve("auto", torch.device("cuda")) == "fp32"  # emulated only


@pytest.mark.parametrize(("fp32_seconds", "bf16_seconds", "faster"), [(0.2, 0.3, "fp32"), (0.3, 0.2, "bf16")])
def test_with_bf16_units_auto_measures_once_and_keeps_the_faster(bf16_cpu, monkeypatch, fp32_seconds, bf16_seconds,
                                                                 faster):
    """The step's time is faked (a timed test would be at the mercy of the machine's load); the choice is real."""
    timed = []

    def step_time(loss_fn, image, device):
        timed.append((loss_fn.dtype, tuple(image.shape)))
        return bf16_seconds if loss_fn.dtype == torch.bfloat16 else fp32_seconds

    monkeypatch.setattr(precision_probe, "_median_step", step_time)
    photo = small_photo(width=96)
    fast = {"num_octaves": 1, "iterations": 1, "layers": {"block5": 1.0}, "seed": 0, "device": "cpu"}
    assert dd.dream(photo, **fast).params["precision"] == faster
    assert timed == [(None, (1, 3, 256, 256)), (torch.bfloat16, (1, 3, 256, 256))]
    key = f"efficientnet_lite0 | 256 | {precision_probe.machine(CPU)}"
    assert precision.measured_choices() == {key: {"choice": faster, "seconds_per_step": {
        "fp32": fp32_seconds, "bf16": bf16_seconds}}}
    assert dd.dream(photo, **fast).params["precision"] == faster and len(timed) == 2  # remembered, not measured
    assert dd.dream(photo, **fast, precision="fp32").params["precision"] == "fp32"  # asked for: given


def test_a_step_is_timed_in_the_precision_asked(bf16_cpu):
    """The real timing (not its speed, which depends on the machine): a step in each precision, a time each."""
    net = dd.load_model("efficientnet_lite0", device="cpu")
    objective = dd.layer("block5")
    image = torch.rand(1, 3, 64, 64)
    seconds = {name: precision_probe._median_step(objective_function(net, objective, name), image, CPU)
               for name in ("fp32", "bf16")}
    assert all(0 < value < 60 for value in seconds.values())


def test_without_bf16_units_auto_is_fp32_without_measuring(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert dd.dream(small_photo(width=96), num_octaves=1, iterations=1, seed=0).params["precision"] == "fp32"
    assert not precision.measured_choices_path().exists()


@pytest.mark.parametrize(("height", "width", "side"), [(64, 96, 256), (300, 451, 512), (512, 512, 512),
                                                       (768, 1024, 1024), (3024, 4032, 1024)])
def test_photos_are_timed_at_the_nearest_size_class(height, width, side):
    assert precision_probe.size_class(height, width) == side


def test_an_unknown_precision_is_one_line_before_any_work():
    with pytest.raises(dd.DeepDreamError, match="unknown precision 'fp16'; choose from auto, fp32, bf16"):
        dd.dream(small_photo(), precision="fp16", weights="/nonexistent.pth")


def test_the_record_carries_the_precision_used_and_like_repeats_it(bf16_cpu, capsys, tmp_path):
    remember("bf16")  # measured faster on this (faked) machine
    photo = tmp_path / "cat.png"
    small_photo(width=64).save(photo)
    first, again = tmp_path / "first.png", tmp_path / "again.png"
    fast = ["--iterations", "1", "--octaves", "1", "--layer", "block5", "-q"]
    assert run_cli(capsys, "dream", photo, "-o", first, *fast)[0] == 0
    assert dd.read_image(first).params["precision"] == "bf16"
    assert run_cli(capsys, "dream", photo, "-o", again, "--like", first, "--precision", "fp32", "-q")[0] == 0
    assert dd.read_image(again).params["precision"] == "fp32"  # an explicit choice wins over the record


def test_like_repeats_a_recorded_bf16_on_a_cpu_without_units(capsys, tmp_path):
    photo = tmp_path / "cat.png"
    small_photo(width=64).save(photo)
    first, again = tmp_path / "first.png", tmp_path / "again.png"
    fast = ["--iterations", "1", "--octaves", "1", "--layer", "block5", "-q"]
    assert run_cli(capsys, "dream", photo, "-o", first, *fast, "--precision", "bf16")[0] == 0
    assert run_cli(capsys, "dream", photo, "-o", again, "--like", first, "-q")[0] == 0
    assert dd.read_image(again).params["precision"] == "bf16"
    assert np.array_equal(np.asarray(dd.read_image(first).image), np.asarray(dd.read_image(again).image))


@pytest.mark.parametrize("model", ["efficientnet_lite0", "efficientnet_lite2"])
def test_a_bf16_dream_gains_and_changes_as_much_as_the_fp32_one(model):
    photo = small_photo("coffee", width=128)
    runs = {}
    for used in ("fp32", "bf16"):
        losses: list[float] = []
        result = dd.dream(photo, model=model, precision=used, num_octaves=1, iterations=3, seed=0, device="cpu",
                          progress=lambda p, losses=losses: None if p.octave_done else losses.append(p.loss))
        change = (np.asarray(result.image, float) - np.asarray(photo, float)).ravel()
        runs[used] = (losses[-1] / losses[0], change)
    (fp32_gain, fp32_change), (bf16_gain, bf16_change) = runs["fp32"], runs["bf16"]
    # measured (fp32 / bf16): gains 1.25 / 1.25 (Lite0), 1.22 / 1.19 (Lite2); mean change 3.9-4.0 levels for
    # both; correlation of the changes 0.79 and 0.81: the same picture with bf16's rounding noise on top
    assert fp32_gain > 1.1 and abs(bf16_gain / fp32_gain - 1) < 0.1
    assert abs(np.abs(bf16_change).mean() / np.abs(fp32_change).mean() - 1) < 0.1
    assert np.corrcoef(bf16_change, fp32_change)[0, 1] > 0.6
