"""``--plot curves.png``: the sound's curves and every number that follows one, over the clip's time (matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import DeepDreamError
from ..files import atomic_output
from .react import Reaction
from .sound import INSTALL_HINT, SoundCurves


def plot_curves(path: Path, curves: SoundCurves, reactions: Mapping[str, Reaction]) -> None:
    """One panel of the sound's curves (with its beats), then one panel per number that follows a curve."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        raise DeepDreamError(f"--plot needs matplotlib: {INSTALL_HINT}") from None
    seconds = np.arange(curves.frames) / curves.fps
    figure, axes = pyplot.subplots(1 + len(reactions), 1, sharex=True, squeeze=False,
                                   figsize=(10, 2.2 * (1 + len(reactions))))
    sound_axis = axes[0][0]
    for name, values in curves.curves.items():
        sound_axis.plot(seconds, values, label=name, linewidth=1)
    for beat in curves.beat_times:
        sound_axis.axvline(beat, color="0.8", linewidth=0.5, zorder=0)
    sound_axis.set_title(f"the sound's curves (tempo {curves.tempo:.0f} bpm; grey lines: beats)", fontsize=9)
    sound_axis.legend(loc="upper left", fontsize=7, ncol=len(curves.curves))
    sound_axis.set_ylim(0, 1.05)
    for (target, reaction), (axis,) in zip(reactions.items(), axes[1:], strict=True):
        axis.plot(seconds, [reaction.at(frame) for frame in range(curves.frames)], color="C3", linewidth=1)
        axis.set_title(f"{target} follows {reaction}", fontsize=9)
    axes[-1][0].set_xlabel("seconds")
    figure.tight_layout()
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format=path.suffix.lstrip(".") or "png", dpi=100)
    pyplot.close(figure)
