"""Contact sheets: a grid of images, each captioned underneath (exploration results, filters, layer previews)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from .errors import DeepDreamError

CAPTION_FONT_SIZE = 13
CAPTION_LINE_HEIGHT = 17
GAP = 6
BACKGROUND = (255, 255, 255)
TEXT_COLOR = (20, 20, 20)


def contact_sheet(tiles: Sequence[tuple[Image.Image, str]], columns: int | None = None) -> Image.Image:
    """The images in a grid (``columns``, default about square), each with its caption wrapped beneath it."""
    if not tiles:
        raise DeepDreamError("a contact sheet needs at least one image")
    columns = columns or math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    cell_w = max(image.width for image, _ in tiles)
    cell_h = max(image.height for image, _ in tiles)
    font = ImageFont.load_default(size=CAPTION_FONT_SIZE)
    captions = [_wrap(caption, font, cell_w) for _, caption in tiles]
    caption_h = CAPTION_LINE_HEIGHT * max(len(lines) for lines in captions) + GAP
    sheet = Image.new("RGB", (GAP + columns * (cell_w + GAP), GAP + rows * (cell_h + caption_h + GAP)), BACKGROUND)
    for i, ((image, _), lines) in enumerate(zip(tiles, captions, strict=True)):
        x = GAP + (i % columns) * (cell_w + GAP)
        y = GAP + (i // columns) * (cell_h + caption_h + GAP)
        sheet.paste(image.convert("RGB"), (x + (cell_w - image.width) // 2, y))
        caption = Image.new("RGB", (cell_w, caption_h - GAP // 2), BACKGROUND)  # clips words wider than the cell
        draw = ImageDraw.Draw(caption)
        for j, line in enumerate(lines):
            draw.text((0, j * CAPTION_LINE_HEIGHT), line, fill=TEXT_COLOR, font=font)
        sheet.paste(caption, (x, y + cell_h + GAP // 2))
    return sheet


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels (a word longer than the width gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]
