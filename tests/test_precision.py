"""The network's number format: what ``auto`` chooses on real and faked hardware, that the record carries the
one used, and that a bf16 dream is the fp32 dream with rounding noise (the gain and the amount of change)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import deepdreamer as dd
from deepdreamer import precision
from deepdreamer.models import model_spec

from .cli.test_dream import run_cli
from .conftest import small_photo

CPU = torch.device("cpu")


@pytest.fixture
def bf16_cpu(monkeypatch):
    """This CPU, said to have AVX-512 BF16 units."""
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)


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


def test_an_unknown_precision_is_one_line_before_any_work():
    with pytest.raises(dd.DeepDreamError, match="unknown precision 'fp16'; choose from auto, fp32, bf16"):
        dd.dream(small_photo(), precision="fp16", weights="/nonexistent.pth")


def test_the_record_carries_the_precision_used_and_like_repeats_it(bf16_cpu, capsys, tmp_path):
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
