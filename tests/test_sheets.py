"""Contact sheets: every image placed whole, every caption written under its own image."""

from __future__ import annotations

import numpy as np
from PIL import Image

from deepdreamer.sheets import GAP, contact_sheet


def test_a_sheet_has_n_tiles_each_with_its_caption():
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200)]
    tiles = [(Image.new("RGB", (40, 30), c), f"tile {i}: a caption long enough to wrap twice")
             for i, c in enumerate(colours)]
    sheet = np.asarray(contact_sheet(tiles, columns=3))
    rows = 2
    cell_h = (sheet.shape[0] - GAP) // rows - GAP
    assert sheet.shape[1] == GAP + 3 * (40 + GAP)
    for i, colour in enumerate(colours):
        x, y = GAP + (i % 3) * (40 + GAP), GAP + (i // 3) * (cell_h + GAP)
        assert (sheet[y:y + 30, x:x + 40] == colour).all()  # the image, whole, where it belongs
        caption = sheet[y + 30:y + cell_h, x:x + 40]
        assert (caption.min(axis=2) < 100).sum() > 20  # dark text under each image
    empty = sheet[GAP + cell_h + GAP:, GAP + 2 * (40 + GAP):]  # the sixth cell has no tile
    assert (empty == 255).all()


def test_different_captions_draw_differently():
    a = np.asarray(contact_sheet([(Image.new("RGB", (60, 20)), "block8")]))
    b = np.asarray(contact_sheet([(Image.new("RGB", (60, 20)), "block10")]))
    assert a.shape == b.shape and (a != b).any()
