"""``auto`` decided by measurement: where the hardware has bf16 units, time one ascent step in each precision.

Native bf16 units do not make every network faster: on a 2-core AVX-512 BF16/AMX Xeon, Lite0's step was 1.4x
*slower* in bf16 than in fp32 (its depthwise convolutions' backward), while InceptionV3's was 1.6x faster
(``docs/speed.md``). So where :func:`precision.native_bf16` says bf16 could pay, the first dream of a model at a
size class on a machine times a few steps of each and keeps the faster; the choice is remembered in a small
JSON file beside torch's weights cache, keyed by model, machine, torch version and size class, so later dreams
decide at once (``deepdreamer doctor`` lists the choices and their timings).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import torch

from .errors import DeepDreamError
from .files import atomic_output
from .gradients import whole_loss_and_gradient
from .precision import BF16, FP32, cpu_model, measured_choices, measured_choices_path

LossFunction = Callable[[torch.Tensor], torch.Tensor]
#: Sides of the square the probe times: a photo's step is timed at the class nearest its size.
SIZE_CLASSES = (256, 512, 1024)
#: Steps timed per precision, after one warm-up step (the median is kept).
TIMED_STEPS = 3


def size_class(height: int, width: int) -> int:
    """The probe side nearest (in ratio) to the side of a square with this many pixels."""
    side = math.sqrt(height * width)
    return min(SIZE_CLASSES, key=lambda candidate: abs(math.log(candidate / side)))


def machine(device: torch.device) -> str:
    """What the timing depends on besides the model: the processor (or GPU) and torch's version."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = f"{cpu_model()} x{torch.get_num_threads()} threads"
    return f"{name} | torch {torch.__version__}"


def fastest(model: str, device: torch.device, shape: tuple[int, int], loss_for: Callable[[str], LossFunction],
            to_input: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """``fp32`` or ``bf16``, whichever takes one ascent step of ``loss_for(precision)`` faster, measured once.

    ``shape`` is the photo's (height, width); ``to_input`` maps a 0..1 image to the network's input.
    """
    side = size_class(*shape)
    key = f"{model} | {side} | {machine(device)}"
    known = measured_choices()
    if key in known:
        return known[key]["choice"]
    generator = torch.Generator().manual_seed(0)
    image = to_input(torch.rand(1, 3, side, side, generator=generator).to(device))
    image = image.contiguous(memory_format=torch.channels_last)
    seconds = {precision: _median_step(loss_for(precision), image, device) for precision in (FP32, BF16)}
    choice = BF16 if seconds[BF16] < seconds[FP32] else FP32
    known[key] = {"choice": choice, "seconds_per_step": seconds}
    path = measured_choices_path()
    try:  # remembered where possible; a read-only cache only means measuring again next time
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as temporary:
            Path(temporary).write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
    except (OSError, DeepDreamError):
        pass
    return choice


def _median_step(loss_fn: LossFunction, image: torch.Tensor, device: torch.device) -> float:
    times = []
    for _ in range(1 + TIMED_STEPS):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        whole_loss_and_gradient(image, loss_fn)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[TIMED_STEPS // 2]
