"""ImageNet's 1000 class names, so a class dream can be asked for by name (``--class "golden retriever"``).

``imagenet_classes.txt`` holds the names in index order as torchvision lists them (``torchvision.models._meta``),
the order every model here was trained with; torchvision made the names unique (134 "crane bird" beside 517
"crane", 639 "maillot tank suit" beside 638 "maillot").
"""

from __future__ import annotations

import difflib
import functools
from importlib import resources

from ..errors import DeepDreamError


@functools.cache
def imagenet_classes() -> tuple[str, ...]:
    """The 1000 class names, index order."""
    text = (resources.files("deepdreamer.models") / "imagenet_classes.txt").read_text(encoding="utf-8")
    return tuple(text.splitlines())


def class_index(name_or_index: str | int) -> int:
    """The index of a class given by name (any case) or number; a one-line error with suggestions otherwise."""
    classes = imagenet_classes()
    if isinstance(name_or_index, int) or (name_or_index.strip().isascii() and name_or_index.strip().isdecimal()):
        index = int(name_or_index)
        if not 0 <= index < len(classes):
            raise DeepDreamError(f"class index must be 0..{len(classes) - 1}, not {index}")
        return index
    lowered = [name.lower() for name in classes]
    wanted = " ".join(name_or_index.lower().replace("_", " ").split())
    if wanted in lowered:
        return lowered.index(wanted)
    close = difflib.get_close_matches(wanted, lowered, n=3, cutoff=0.6)
    containing = [name for name in lowered if wanted and wanted in name][:3]
    hint = ", ".join(dict.fromkeys(close + containing))
    raise DeepDreamError(f"unknown ImageNet class {name_or_index!r}" + (f"; did you mean {hint}?" if hint else ""))
