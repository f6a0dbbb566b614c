"""The public entry point: dream on a photo with a named model, its preset, and any overrides."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import checks, records
from . import precision as precision_module
from .errors import DeepDreamError
from .models.registry import DEFAULT_MODEL, IMAGE, model_spec
from .progress import Job, ProgressCallback
from .settings import DreamSettings

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from .objectives import Objective

#: What :func:`dream` accepts as a picture: a file path (read like the CLI reads it), a PIL image, or an
#: H x W x 3 NumPy array (uint8, or float in 0..1).
PictureInput = "str | Path | Image.Image | np.ndarray"


@dataclass
class DreamResult:
    """A finished (or stopped) dream.

    ``params`` is its record: everything needed to repeat it (:func:`deepdreamer.params_to_options`, or
    ``deepdreamer dream --like`` once saved with :meth:`save`).
    """

    image: Image.Image  # same size and mode as the input (alpha kept, not dreamed)
    params: dict[str, Any]
    steps_per_octave: list[int]  # steps run in each octave, smallest first
    octave_sizes: list[tuple[int, int]]  # each octave's (width, height), smallest first
    octave_images: list[Image.Image] = field(default_factory=list)  # when asked for (keep_octaves=True)
    stopped: bool = False  # the stop event ended it early: ``image`` is the dream as far as it got
    icc_profile: bytes | None = None  # the input file's colour profile, kept on save

    def save(self, path: str | Path) -> None:
        """Write the image with its record (so ``--like`` can repeat it), atomically; format from the suffix."""
        from .images import write_image

        write_image(path, self.image, icc_profile=self.icc_profile, params=self.params)


def dream(
    image: str | Path | Image.Image | np.ndarray,
    *,
    model: str = DEFAULT_MODEL,
    preset: str | None = None,
    layers: Mapping[str, float] | None = None,
    objective: Objective | str | None = None,
    class_name: str | int | None = None,
    guide: str | Path | Image.Image | np.ndarray | None = None,
    step: float | None = None,
    num_octaves: int | None = None,
    octave_scale: float | None = None,
    iterations: int | None = None,
    max_loss: float | None = None,
    jitter: int | None = None,
    laplacian_levels: int | None = None,
    smoothing: float | None = None,
    tile_size: int | None = None,
    max_memory: int | None = None,
    keep_colors: bool = False,
    mask: str | Path | Image.Image | np.ndarray | None = None,
    seed: int | None = None,
    device: str = "auto",
    precision: str = "auto",
    weights: str | Path | None = None,
    keep_octaves: bool = False,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> DreamResult:
    """DeepDream ``image`` and return the result.

    ``image`` (and ``guide``, ``mask``) may be a file path, a PIL image or an H x W x 3 NumPy array.
    Every setting left as ``None`` comes from the model's preset (``preset``, or the model's default).
    The engine is the seed's algorithm (Chollet's chapter 8), and ``model="inception_v3"`` with its preset is
    the seed exactly: its network, layer mix and settings, at any image size. The default model's preset adds
    jitter, Laplacian normalisation, a 4th octave and no ``max_loss`` to the same engine. What is maximised:
    ``layers`` (layer names to weights), or ``objective`` (an :class:`~deepdreamer.objectives.Objective`,
    or text such as ``"channel('block10', 97) - 0.5*block8"``), or ``class_name`` (an ImageNet class,
    name or index), else the preset's layers; objective values are checked against the model exactly as
    their text is, and ``channels(NAME, strongest=K)`` is ranked on ``image``. A ``guide`` image makes the
    default objective ``guide(layer)`` on the same layers. ``max_loss=math.inf`` disables the early stop; ``smoothing``
    blurs each gradient (sigma in pixels). Each octave's gradient is computed over the whole image, as in
    the seed, when the step fits ``max_memory`` (bytes the process may use; default: what it holds plus half
    of what is available, at most 8 GiB), else in the largest tiles that fit (``params["tiles"]`` records
    which); ``tile_size`` forces tiles of that side. ``keep_colors`` keeps the photo's colours;
    ``mask`` (grayscale, white = dream) dreams only part of the photo, the rest is kept exactly.
    ``seed`` (0 .. 2**63-1) fixes anything random (jitter, tile grid); without it one is drawn and recorded.
    ``precision="auto"`` runs the network in fp32, or in bfloat16 where the device computes it natively (CPUs
    with AVX-512 BF16 or AMX, recent GPUs) and a step of this model measured faster in it (timed once per model,
    size class and machine, then remembered), except for presets that pin fp32 (the seed's);
    ``"fp32"`` and ``"bf16"`` force one (bf16 is much slower on CPUs without BF16 units). The params record
    the one used.

    ``progress`` receives a :class:`~deepdreamer.progress.Progress` after every step (its ``picture()``
    is the dream so far); setting ``stop`` (a ``threading.Event``) from any thread ends the dream after
    the current step, and the result comes back with ``stopped=True``.
    """
    import torch

    from .colors import keep_colors as transfer_colors
    from .engine import dream_octaves, resize
    from .expressions import build_objective
    from .images import as_picture, attach_alpha, split_alpha
    from .losses import objective_function
    from .models import load_model
    from .precision_probe import fastest
    from .tensors import to_image, to_mask_tensor, to_tensor

    spec = model_spec(model, IMAGE)
    chosen = spec.preset(preset)
    overrides = {
        "step": step, "num_octaves": num_octaves, "octave_scale": octave_scale, "iterations": iterations,
        "max_loss": max_loss, "jitter": jitter, "laplacian_levels": laplacian_levels, "smoothing": smoothing,
        "tile_size": tile_size, "max_memory": max_memory,
    }
    settings = dream_settings(model, preset, overrides)
    if layers is not None and (objective is not None or class_name is not None):
        raise DeepDreamError("give either layers or an objective (or a class), not both")
    layer_weights = checks.layer_weights(chosen.layers if layers is None else layers)
    seed = checks.seed_or_drawn(seed)
    precision_module.checked(precision)
    photo = as_picture(image, "image")
    guide_picture = None if guide is None else as_picture(guide, "guide")
    mask_picture = None if mask is None else as_picture(mask, "mask")

    net = load_model(model, weights, device)
    rgb, alpha = split_alpha(photo.image)
    device_of_net = next(net.parameters()).device
    step_mask = None if mask_picture is None else to_mask_tensor(mask_picture.image, rgb.size).to(device_of_net)
    chosen_objective = build_objective(net, rgb, objective=objective, class_name=class_name,
                                       guide=None if guide_picture is None else guide_picture.image,
                                       layers=layer_weights)

    def to_pil(t: torch.Tensor) -> Image.Image:
        pixels = net.to_pixels(t.clone())
        if keep_colors or step_mask is not None:  # the photo is read again: no full-size copy during the dream
            original = resize(to_tensor(rgb).to(pixels.device), pixels.shape[-2:])
            if keep_colors:
                pixels = transfer_colors(pixels, original)
            if step_mask is not None:  # outside the mask, exactly the photo
                pixels = pixels.sub_(original).mul_(resize(step_mask, pixels.shape[-2:])).add_(original)
        return to_image(pixels)

    used_precision = precision_module.resolve(
        precision, device_of_net, chosen.precision,
        measure=lambda: fastest(model, device_of_net, (rgb.height, rgb.width),
                                lambda measured: objective_function(net, chosen_objective, measured), net.to_input))
    x = net.to_input(to_tensor(rgb).to(device_of_net)).contiguous(memory_format=torch.channels_last)
    loss_fn = objective_function(net, chosen_objective, used_precision)
    output = dream_octaves(
        x, loss_fn, settings, seed=seed,
        job=Job("dream", progress, stop), render=to_pil, keep_octaves=keep_octaves, step_mask=step_mask,
    )
    params = records.new_record(records.DREAM, {
        "model": model,
        "preset": preset or spec.default_preset,
        "layers": layer_weights if objective is None and class_name is None and guide is None else None,
        **{name: getattr(settings, name) for name in overrides},
        "keep_colors": keep_colors,
        "seed": seed,
        "precision": used_precision,
        "weights": None if weights is None else str(weights),
        "weights_sha256": net.weights_sha256,
        "objective": str(chosen_objective),
        "tiles": loss_fn.planner.record(),
        **({} if output.stopped_at is None else {"stopped_at": {"octave": output.stopped_at[0] + 1,
                                                                "step": output.stopped_at[1]}}),
        **{key: str(picture.path) for key, picture in (("guide", guide_picture), ("mask", mask_picture))
           if picture is not None and picture.path is not None},
    })
    return DreamResult(
        image=attach_alpha(to_pil(output.image), alpha),
        params=params,
        steps_per_octave=output.steps_per_octave,
        octave_sizes=[(width, height) for height, width in output.shapes],
        octave_images=[to_pil(t) for t in output.octave_images],
        stopped=output.stopped,
        icc_profile=photo.icc_profile,
    )


def dream_settings(model: str, preset: str | None, overrides: Mapping[str, Any]) -> DreamSettings:
    """The preset's settings with the overrides that are not None, checked (``max_loss=inf``: no early stop)."""
    chosen = model_spec(model, IMAGE).preset(preset).settings
    settings = replace(chosen, **{k: v for k, v in overrides.items() if v is not None})
    if settings.max_loss is not None and math.isinf(settings.max_loss) and settings.max_loss > 0:
        settings = replace(settings, max_loss=None)
    settings.check()
    return settings
