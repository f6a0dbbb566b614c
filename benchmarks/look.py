"""Does a dream look like DeepDream when seen whole? A score judged by a model that did not dream it, by photo size.

    python benchmarks/look.py                                   # the table: bundled photos at 512..6000 px
    python benchmarks/look.py --sizes 512,1024 --photos astronaut --sheet docs/look-sizes.jpg
    python benchmarks/look.py --controls                        # noise, a colour cast, sharpening: about 0
    python benchmarks/look.py --scale 0 --label before          # every octave below full size (0.2.0's dreams)

The DeepDream score (issue 24): cut the picture into a 3x3 grid of overlapping half-size crops (steps of a
quarter), resize each to the judge's input size, and average over the crops the probability the judge gives to
ImageNet's animal classes (indices 0-397, where the dog faces, eyes and fur of a dream are read); the score is
the dream's value minus the original's. The judge is EfficientNet-Lite2, which did not dream (the default model
is Lite0). Photos are the bundled ones resized (Lanczos) so that their long side is each size. Each dream is the
default model's default preset, seeded; ``--iterations`` lowers the steps per octave to measure big photos in the
time (say so beside the numbers). Prints a row per photo and size: seconds, the score, and the octaves run.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFilter

import deepdreamer as dd
from deepdreamer.examples import example_path
from deepdreamer.sheets import contact_sheet
from deepdreamer.tensors import to_tensor

JUDGE = "efficientnet_lite2"
JUDGE_INPUT = 260  # EfficientNet-Lite2's training resolution
ANIMAL_CLASSES = slice(0, 398)  # ImageNet indices 0-397: fish, birds, reptiles, dogs, cats, insects, ...
GRID = 3  # crops per side, each half the picture's side, overlapping by half
SHEET_CELL = 300  # each result seen whole on the contact sheet, this many pixels on its long side


def crops(picture: Image.Image) -> list[Image.Image]:
    """The 3x3 grid of half-size crops (steps of a quarter side), each resized to the judge's input."""
    width, height = picture.size
    crop_w, crop_h = width // 2, height // 2
    return [
        picture.crop((x, y, x + crop_w, y + crop_h)).resize((JUDGE_INPUT, JUDGE_INPUT), Image.Resampling.BILINEAR)
        for y in np.linspace(0, height - crop_h, GRID).astype(int)
        for x in np.linspace(0, width - crop_w, GRID).astype(int)
    ]


def animal_probability(picture: Image.Image, judge: dd.DreamNet) -> float:
    """Mean over the crops of the judge's probability for the animal classes."""
    batch = torch.cat([judge.to_input(to_tensor(crop.convert("RGB"))) for crop in crops(picture)])
    with torch.no_grad():
        probabilities = judge.classify(batch).softmax(dim=1)
    return float(probabilities[:, ANIMAL_CLASSES].sum(dim=1).mean())


def look_score(dreamed: Image.Image, original: Image.Image, judge: dd.DreamNet) -> float:
    """The DeepDream score: the dream's animal probability minus the original's."""
    return animal_probability(dreamed, judge) - animal_probability(original, judge)


def resized(photo: str, long_side: int) -> Image.Image:
    image = Image.open(example_path(photo)).convert("RGB")
    ratio = long_side / max(image.size)
    return image.resize((round(image.width * ratio), round(image.height * ratio)), Image.Resampling.LANCZOS)


def controls(original: Image.Image) -> dict[str, Image.Image]:
    """Changes that are not DeepDream: each should score about 0."""
    pixels = np.asarray(original, dtype=np.float32)
    noise = np.random.default_rng(0).normal(0, 20, pixels.shape)
    cast = pixels * np.array([1.15, 0.95, 0.85])
    return {
        "noise (sigma 20)": Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)),
        "colour cast (warm)": Image.fromarray(np.clip(cast, 0, 255).astype(np.uint8)),
        "sharpened": original.filter(ImageFilter.UnsharpMask(radius=4, percent=200, threshold=0)),
    }


def whole(picture: Image.Image) -> Image.Image:
    thumb = picture.copy()
    thumb.thumbnail((SHEET_CELL, SHEET_CELL), Image.Resampling.LANCZOS)
    return thumb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default="astronaut,coffee")
    parser.add_argument("--sizes", default="512,1024,2048,4032,6000", help="long sides, pixels")
    parser.add_argument("--model", default=dd.DEFAULT_MODEL)
    parser.add_argument("--preset")
    parser.add_argument("--iterations", type=int, help="steps per octave [default: the preset's]")
    parser.add_argument("--scale", help="feature scale: large, medium, fine or a working size [default: preset's]")
    parser.add_argument("--label", default="", help="a word for the table and the sheet (before, after)")
    parser.add_argument("--controls", action="store_true", help="score the controls instead of dreams")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet of each result seen whole here")
    args = parser.parse_args()
    judge = dd.load_model(JUDGE, device="cpu")
    load = os.getloadavg()[0]
    print(f"judge {JUDGE}; {torch.get_num_threads()} threads; load average {load:.1f} at start")
    print(f"{'photo':<10} {'size':>10} {'what':<22} {'octaves':>7} {'seconds':>8} {'score':>7}")
    tiles = []
    for photo in args.photos.split(","):
        for long_side in map(int, args.sizes.split(",")):
            original = resized(photo, long_side)
            size = f"{original.width}x{original.height}"
            if args.controls:
                for name, changed in controls(original).items():
                    score = look_score(changed, original, judge)
                    print(f"{photo:<10} {size:>10} {name:<22} {'':>7} {'':>8} {score:>+7.2f}")
                continue
            started = time.perf_counter()
            result = dd.dream(original, model=args.model, preset=args.preset, iterations=args.iterations,
                              scale=args.scale, seed=0, device="cpu")
            seconds = time.perf_counter() - started
            score = look_score(result.image, original, judge)
            what = f"{args.model.removeprefix('efficientnet_')} {args.label}".strip()
            print(f"{photo:<10} {size:>10} {what:<22} {len(result.octave_sizes):>7} {seconds:>8.1f} {score:>+7.2f}",
                  flush=True)
            tiles.append((whole(result.image), f"{photo} {long_side} px {args.label}: {score:+.2f}"))
    if args.sheet is not None and tiles:
        contact_sheet(tiles, columns=len(args.sizes.split(","))).save(args.sheet, quality=88)
        print(f"wrote {args.sheet}")


if __name__ == "__main__":
    main()
