"""The colour guard: a frame whose colours drifted is pulled back to the photo's statistics."""

from __future__ import annotations

import numpy as np
from PIL import Image

from deepdreamer.animate.guard import ColorStats, hold_stats

from ..conftest import small_photo


def test_the_guard_brings_drifted_colours_back():
    photo = small_photo(width=96)
    reference = ColorStats.of(photo)
    washed = Image.fromarray((np.asarray(photo, float) * 0.3 + 140).astype(np.uint8))  # grey and pale
    held = ColorStats.of(hold_stats(washed, reference))
    assert np.allclose(held.mean, reference.mean, atol=1.5) and np.allclose(held.std, reference.std, rtol=0.05)
    assert hold_stats(washed, reference, 0.0) is washed
