"""The number format the network runs in, and what ``auto`` means on this hardware.

bfloat16 halves the bytes a step moves and, on CPUs with AVX-512 BF16 or AMX units and on GPUs that compute it
natively (NVIDIA from Ampere on), multiplies faster than fp32. Elsewhere torch emulates it, 20-25x slower than
fp32 (measured on an AVX2 CPU), so ``auto`` is bfloat16 only where the units are there. A preset may pin fp32
(``Preset.precision``): InceptionV3's stands for the seed, whose ``max_loss`` stops at an fp32 loss. The
objective itself is always summed in fp32 (``objectives.objective_function``).

Importing this module does not import torch (the CLI names the choices at startup).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DeepDreamError

if TYPE_CHECKING:
    import torch

AUTO, FP32, BF16 = "auto", "fp32", "bf16"
#: What ``--precision`` and ``dream(precision=...)`` accept.
CHOICES = (AUTO, FP32, BF16)


#: The CPU's vector units that decide speed here: our name -> (torch's check, the Linux kernel's flag).
CPU_UNITS = {"AVX2": ("_is_avx2_supported", "avx2"), "AVX-512": ("_is_avx512_supported", "avx512f"),
             "AVX-512 BF16": ("_is_avx512_bf16_supported", "avx512_bf16"),
             "AMX": ("_is_amx_tile_supported", "amx_bf16")}
#: Units that compute bfloat16 natively; without one, torch emulates it.
BF16_UNITS = ("AVX-512 BF16", "AMX")


def cpu_features() -> list[str]:
    """This CPU's vector units as torch sees them: some of AVX2, AVX-512, AVX-512 BF16, AMX (benchmarks print them)."""
    import torch

    return [name for name, (check, _flag) in CPU_UNITS.items() if getattr(torch.cpu, check, lambda: False)()]


def kernel_cpu_features() -> list[str] | None:
    """The same units as the kernel lists them (``/proc/cpuinfo``), without torch; None where there is no such file."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo if line.startswith("flags")), [])
    except OSError:
        return None
    return [name for name, (_check, flag) in CPU_UNITS.items() if flag in flags]


def cpu_model() -> str:
    """The processor's name as the system gives it."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        import platform

        return platform.processor()


def auto_on_cpu(features: list[str]) -> str:
    """What ``auto`` resolves to on a CPU with these units: bf16 where they compute it natively, else fp32."""
    return BF16 if set(BF16_UNITS) & set(features) else FP32


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 natively (not emulated at a fraction of fp32's speed)."""
    import torch

    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        return auto_on_cpu(cpu_features()) == BF16
    return False  # MPS and others: fp32, the format every backend runs at full speed


def checked(precision: str) -> str:
    """``precision`` if it is one of :data:`CHOICES`, else a one-line error."""
    if precision not in CHOICES:
        raise DeepDreamError(f"unknown precision {precision!r}; choose from {', '.join(CHOICES)}")
    return precision


def resolve(precision: str, device: torch.device, preset_precision: str = AUTO,
            measure: Callable[[], str] | None = None) -> str:
    """``fp32`` or ``bf16``: the one asked for, or for ``auto`` the preset's, else fp32 where bf16 is not native
    and, where it is, ``measure()``'s choice (the faster one, see ``precision_probe``), or bf16 without it."""
    if checked(precision) == AUTO:
        precision = preset_precision
    if precision == AUTO:
        if not native_bf16(device):
            return FP32
        return measure() if measure is not None else BF16
    return precision


def measured_choices_path() -> Path:
    """Where ``auto``'s measured choices are remembered: beside torch's weights cache (``$TORCH_HOME/hub``)."""
    from .models.sources import hub_folder

    return hub_folder() / "deepdreamer" / "precision.json"


def measured_choices() -> dict[str, Any]:
    """Every choice measured on this machine so far, by "model | size | machine" (empty when none or unreadable)."""
    try:
        found = json.loads(measured_choices_path().read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def autocast_dtype(precision: str) -> torch.dtype | None:
    """What the network runs in for a resolved precision: None for fp32 (no autocast), else bfloat16."""
    import torch

    if precision not in (FP32, BF16):
        raise DeepDreamError(f"precision {precision!r} is not one to run in; choose from {FP32}, {BF16}")
    return None if precision == FP32 else torch.bfloat16
