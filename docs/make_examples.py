"""Render the example sheets shown in the README, with the same commands a user would type.

    python docs/make_examples.py        # writes docs/explore.jpg, filters.jpg, layers.jpg, objectives.jpg

About 5 minutes on 2 CPU cores.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

import deepdreamer as dd
from deepdreamer.cli import main as deepdreamer
from deepdreamer.images import shrink
from deepdreamer.sheets import contact_sheet

DOCS = Path(__file__).parent
SIDE = 320


def as_jpeg(png: Path, name: str) -> None:
    Image.open(png).convert("RGB").save(DOCS / name, quality=85, optimize=True)
    print(f"wrote docs/{name}")


def objectives_sheet(out: Path) -> None:
    """One photo, several ways of choosing what to dream: each tile captioned with its options."""
    cat = shrink(dd.read_image(dd.example_path("chelsea")).image, SIDE)
    guide = shrink(dd.read_image(dd.example_path("coffee")).image, SIDE)
    mask = Image.linear_gradient("L").rotate(90).resize(cat.size)  # black left -> white right
    variants = [
        ("the photo", None),
        ("default", {}),
        ("--objective block10:97", {"objective": "block10:97"}),
        ("--objective \"channels('block12', strongest=4)\"", {"objective": "channels('block12', strongest=4)"}),
        ("--class 'golden retriever' --smoothing 1", {"objective": "logit('golden retriever')", "smoothing": 1.0}),
        ("--guide coffee.jpg", {"guide": guide}),
        ("--keep-colors", {"keep_colors": True}),
        ("--mask (black left, white right)", {"mask": mask}),
        ("--preset patterns --smoothing 2", {"preset": "patterns", "smoothing": 2.0}),
    ]
    tiles = [(cat if options is None else dd.dream(cat, seed=1, **options).image, caption)
             for caption, options in variants]
    contact_sheet(tiles, columns=3).save(out)


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        cat, coffee = dd.example_path("chelsea"), dd.example_path("coffee")
        assert deepdreamer(["explore", str(cat), "-n", "9", "--seed", "7", "--size", "256", "-o",
                            str(tmp / "explore.png"), "-q"]) == 0
        as_jpeg(tmp / "explore.png", "explore.jpg")
        assert deepdreamer(["filters", "efficientnet_lite0", "block10", "--channels", "0-15", "--size", "112",
                            "-o", str(tmp / "filters.png"), "-q"]) == 0
        as_jpeg(tmp / "filters.png", "filters.jpg")
        assert deepdreamer(["layers", "--preview", str(coffee), "--size", "192", "-o", str(tmp / "layers.png"),
                            "-q"]) == 0
        as_jpeg(tmp / "layers.png", "layers.jpg")
        objectives_sheet(tmp / "objectives.png")
        as_jpeg(tmp / "objectives.png", "objectives.jpg")


if __name__ == "__main__":
    run()
