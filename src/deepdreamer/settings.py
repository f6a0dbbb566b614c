"""The ascent's settings: a frozen value with one ``check()``, importable without torch (the CLI reads it).

The defaults are the seed's (Chollet, *Deep Learning with Python*, ch. 8): step 0.01, 3 octaves of
scale 1.4, 20 iterations, and an octave stopped once the loss exceeds 10. Jitter, Laplacian-pyramid
normalisation and gradient smoothing are ours, off by default. Gradients are computed over the whole image,
as in the seed, whenever a step fits the memory budget (``max_memory``); ``memory.py`` plans the tiles otherwise.
Memory sizes are read and written here (``parse_size``), so that the CLI needs no torch to check them.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, fields

from .checks import is_number
from .errors import DeepDreamError

#: The largest stride of the dreamable networks: tile geometry is kept on multiples of it.
TILE_ALIGNMENT = 32
#: Refuse images above this many pixels unless told otherwise (a 24 MP photo is 24e6; bombs are far larger).
DEFAULT_MAX_PIXELS = 120_000_000
#: Largest gradient blur accepted (sigma, pixels): beyond it the ascent barely changes anything.
MAX_SMOOTHING = 16.0
#: The smallest tile side accepted (and planned): below it the context margins cost more than the tile.
MIN_TILE = 128
GIB = 1 << 30
#: The default memory budget never exceeds this, so that a machine with much free memory stays usable meanwhile.
DEFAULT_MEMORY_CAP = 8 * GIB
#: The smallest ``max_memory`` accepted: below it even the smallest tiles would not fit beside the runtime.
MIN_BUDGET = 256 << 20
#: Octaves may shrink the image by at most this factor (scale ** (octaves - 1)): no image is larger, and beyond
#: it the arithmetic overflows.
MAX_OCTAVE_SHRINK = 2.0**31
#: Settings that count (steps, pixels, levels); the others are real numbers. None may reach 2**63.
_TOO_LARGE = 2**63
_WHOLE_NUMBERS = ("num_octaves", "iterations", "jitter", "laplacian_levels", "tile_size", "max_memory", "scale",
                  "detail_iterations")
#: Settings that may be None: no early stop, the machine's default budget.
_OPTIONAL = ("max_loss", "max_memory")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


#: The feature scales in words (``--scale``): the long side, in pixels, of the working size at which the octaves
#: dream the structure. The smaller the working size, the larger the features are in the picture seen whole.
SCALES = {"large": 384, "medium": 512, "fine": 1024}
#: The working sizes accepted: below the smallest, the smallest octave is a few dozen pixels; beyond the largest,
#: a working size is a photo's own size anyway.
MIN_SCALE, MAX_SCALE = 128, 1 << 16


def parse_scale(value: str | int) -> int:
    """A feature scale as a word of :data:`SCALES` or a working size in pixels -> the working size (0: none)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in SCALES:
            return SCALES[text]
        if not text.isdigit():
            raise DeepDreamError(f"scale {value!r} is not {', '.join(SCALES)} or a size in pixels such as 768")
        value = int(text)
    return value


def parse_size(text: str) -> int:
    """``"3G"``, ``"3GiB"``, ``"2500M"``, ``"0.5g"`` or a number of bytes -> bytes (K, M, G, T are powers of 1024)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if found is None:
        raise DeepDreamError(f"memory size {text!r} is not a size like 3G, 2500M or 3GiB")
    return int(float(found.group(1)) * _UNITS[found.group(2)])


def format_size(size: float) -> str:
    """Bytes as GiB with two decimals, as messages and help show them."""
    return f"{size / GIB:.2f} GiB"


def check_max_memory(size: int) -> int:
    """``size`` if it is a budget a dream can run in (at least ``MIN_BUDGET``), else a one-line error."""
    if size < MIN_BUDGET:
        raise DeepDreamError(f"max memory must be at least {format_size(MIN_BUDGET)}, not {format_size(size)}")
    return size


@dataclass(frozen=True)
class DreamSettings:
    """Everything that shapes the ascent, apart from the objective. Defaults are the seed's."""

    step: float = 0.01
    num_octaves: int = 3
    octave_scale: float = 1.4
    iterations: int = 20
    max_loss: float | None = 10.0  # stop an octave once the loss exceeds this; None never stops
    jitter: int = 0  # random shift of up to this many pixels each step, undone after
    laplacian_levels: int = 0  # >1: normalise the gradient per Laplacian-pyramid band (0 or 1: off)
    smoothing: float = 0.0  # Gaussian blur of the gradient, sigma in pixels (0: off): softer, larger shapes
    tile_size: int = 0  # 0: whole if the step fits max_memory, else the largest tiles that fit; N: tiles of N px
    max_memory: int | None = None  # bytes the process may use (None: memory.default_budget, from the machine)
    #: Feature scale: the long side (px) at which the octaves dream the structure; a larger photo then gets detail
    #: octaves of ``detail_iterations`` steps up to its own size. 0: every octave is the photo's size over
    #: ``octave_scale**i``, so features keep their size in pixels (the seed's).
    scale: int = 0
    detail_iterations: int = 0  # steps in each detail octave (above the working size)

    def check(self) -> None:
        """Refuse values that make no sense, in one line."""
        for field in fields(self):
            value, name = getattr(self, field.name), field.name.removeprefix("num_").replace("_", " ")
            if field.name in _OPTIONAL and value is None:
                continue
            if field.name in _WHOLE_NUMBERS and (not isinstance(value, numbers.Integral) or isinstance(value, bool)):
                raise DeepDreamError(f"{name} must be a whole number, not {value!r:.30}")
            if not is_number(value):
                raise DeepDreamError(f"{name} must be a number, not {value!r:.30}")
            if isinstance(value, numbers.Integral) and abs(value) >= _TOO_LARGE:  # float() would overflow
                raise DeepDreamError(f"{name} is too large: {value!r:.30}")
        if not (math.isfinite(self.step) and self.step > 0):
            raise DeepDreamError(f"step must be a positive number, not {self.step}")
        if self.num_octaves < 1:
            raise DeepDreamError(f"octaves must be at least 1, not {self.num_octaves}")
        if not (math.isfinite(self.octave_scale) and self.octave_scale >= 1):
            raise DeepDreamError(f"octave scale must be a number >= 1, not {self.octave_scale}")
        if (self.num_octaves - 1) * math.log(self.octave_scale) > math.log(MAX_OCTAVE_SHRINK):
            raise DeepDreamError(f"{self.num_octaves} octaves of scale {self.octave_scale:g} would shrink the image "
                                 f"more than {MAX_OCTAVE_SHRINK:.0e} times: use fewer octaves or a smaller scale")
        if self.iterations < 0:
            raise DeepDreamError(f"iterations must be 0 or more, not {self.iterations}")
        if self.max_loss is not None and (math.isnan(self.max_loss) or self.max_loss <= 0):
            raise DeepDreamError(f"max loss must be a positive number (or inf to disable), not {self.max_loss}")
        if self.scale != 0 and not MIN_SCALE <= self.scale <= MAX_SCALE:
            raise DeepDreamError(f"scale must be 0 (the photo's own size), {', '.join(SCALES)} or a working size "
                                 f"from {MIN_SCALE} to {MAX_SCALE} pixels, not {self.scale}")
        if self.detail_iterations < 0:
            raise DeepDreamError(f"detail iterations must be 0 or more, not {self.detail_iterations}")
        if self.jitter < 0:
            raise DeepDreamError(f"jitter must be 0 or more pixels, not {self.jitter}")
        if not 0 <= self.laplacian_levels <= 8:
            raise DeepDreamError(f"laplacian levels must be between 0 and 8, not {self.laplacian_levels}")
        if not (math.isfinite(self.smoothing) and 0 <= self.smoothing <= MAX_SMOOTHING):
            raise DeepDreamError(f"smoothing must be a blur sigma from 0 to {MAX_SMOOTHING:g} pixels, "
                                 f"not {self.smoothing}")
        if self.tile_size != 0 and (self.tile_size < MIN_TILE or self.tile_size % TILE_ALIGNMENT):
            raise DeepDreamError(f"tile size must be 0 (automatic) or a multiple of {TILE_ALIGNMENT} from {MIN_TILE} "
                                 f"up, not {self.tile_size}")
        if self.max_memory is not None:
            check_max_memory(self.max_memory)


