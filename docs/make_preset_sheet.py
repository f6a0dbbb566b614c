"""Render the comparison sheet the EfficientNet-Lite0 default preset was chosen from.

    python docs/make_preset_sheet.py            # writes docs/lite0-layer-mixes.jpg (~3 minutes on 2 cores)

Rows: the bundled photos. Columns: the photo, then candidate layer mixes and settings.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

import deepdreamer as dd

WIDTH = 320
# Jitter 32 px + 4-level Laplacian normalisation, no max_loss, 3 octaves; columns vary layers and strength.
QUALITY = {"jitter": 32, "laplacian_levels": 4, "max_loss": float("inf"), "step": 0.01, "num_octaves": 3}
B8_10 = {"block8": 1, "block10": 1}
CANDIDATES: list[tuple[str, dict]] = [
    ("seed's ascent, block8+10", {"layers": B8_10, "preset": "seed"}),
    ("block3+4 (stride 8)", {"layers": {"block3": 1, "block4": 1}, **QUALITY}),
    ("block5+7 ('patterns')", {"layers": {"block5": 1, "block7": 1}, **QUALITY}),
    ("block8+10", {"layers": B8_10, **QUALITY}),
    ("block8+10 .015 4 oct (default)", {"layers": B8_10, **QUALITY, "step": 0.015, "num_octaves": 4}),
    ("block8+10, step 0.02", {"layers": B8_10, **QUALITY, "step": 0.02}),
    ("block10+12", {"layers": {"block10": 1, "block12": 1}, **QUALITY}),
    ("block13+15 (stride 32)", {"layers": {"block13": 1, "block15": 1}, **QUALITY}),
    ("head", {"layers": {"head": 1}, **QUALITY}),
]


SHEET = Path(__file__).with_name("lite0-layer-mixes.jpg")


def main(out: Path = SHEET) -> None:
    rows = []
    for name in dd.images.EXAMPLE_PHOTOS:
        photo = dd.read_image(dd.example_path(name)).image
        photo = photo.resize((WIDTH, round(photo.height * WIDTH / photo.width)), Image.Resampling.LANCZOS)
        row = [("photo", photo)]
        for caption, options in CANDIDATES:
            row.append((caption, dd.dream(photo, seed=0, device="cpu", **options).image))
            print(name, caption, flush=True)
        rows.append(row)
    font = ImageFont.load_default(size=16)
    label = 24
    tops = [0]
    for row in rows:
        tops.append(tops[-1] + label + row[0][1].height)
    sheet = Image.new("RGB", (WIDTH * len(rows[0]), tops[-1]), "white")
    draw = ImageDraw.Draw(sheet)
    for top, row in zip(tops, rows, strict=False):
        for c, (caption, image) in enumerate(row):
            sheet.paste(image, (c * WIDTH, top + label))
            draw.text((c * WIDTH + 4, top + 4), caption, fill="black", font=font)
    dd.write_image(out, sheet)


if __name__ == "__main__":
    main()
