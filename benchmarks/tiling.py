"""How far tiled gradients are from the whole image's: loss and gradient, by model and tile size.

    python benchmarks/tiling.py                         # InceptionV3 (unpadded) and Lite0 (padded), 1024x768
    python benchmarks/tiling.py --size 2048x1536 --tiles 512,768,1024 --models efficientnet_lite0

For each tile size and three grid offsets: the tiled loss over the whole image's, and the gradient's mean
absolute difference and cosine similarity to the whole image's. "before" is the tiling this replaced: the
border crop at every tile's edge and each tile weighted by its share of pixels. InceptionV3 has no weights
offline here: it gets seeded He-uniform random ones (the values change the figures little, not the method).
Timings are not measured.
"""

from __future__ import annotations

import argparse
import math

import torch

import deepdreamer as dd
from deepdreamer.gradients import _spans, balanced_tile, tiled_loss_and_gradient, whole_loss_and_gradient
from deepdreamer.images import read_image
from deepdreamer.losses import NetworkObjective, objective_function
from deepdreamer.tensors import to_tensor

OFFSETS = [(0, 0), (96, 224), (320, 64)]


def random_inception() -> dd.DreamNet:
    """InceptionV3 with seeded He-uniform weights and near-identity batch norms (as the seed-loop test)."""
    net = dd.model_spec("inception_v3").build()
    generator = torch.Generator().manual_seed(0)
    state = net.state_dict()
    for key, value in state.items():
        if value.is_floating_point():
            uniform = torch.rand(value.shape, generator=generator) * 2 - 1
            if key.endswith("running_var"):
                state[key] = 1 + 0.5 * uniform.square()
            elif value.dim() > 1:
                state[key] = uniform * math.sqrt(6 / value[0].numel())
            else:
                state[key] = (1.0 if key.endswith(".weight") else 0.0) + 0.1 * uniform
    net.load_state_dict(state)
    net.fold_batch_norms()
    return net.eval().requires_grad_(False)


def tiled_before(image: torch.Tensor, loss_fn: NetworkObjective, tile: int, offset: tuple[int, int],
                 margin: int = 64) -> tuple[float, torch.Tensor]:
    """The tiling this replaced: each tile's own objective (cropped at its edges), weighted by pixel share."""
    height, width = image.shape[-2:]
    tile_h, tile_w = balanced_tile(height, tile), balanced_tile(width, tile)
    grad = torch.empty_like(image)
    total = 0.0
    for y0, y1 in _spans(height, tile_h, offset[0] % tile_h):
        for x0, x1 in _spans(width, tile_w, offset[1] % tile_w):
            ey0, ey1, ex0, ex1 = max(y0 - margin, 0), min(y1 + margin, height), max(x0 - margin, 0), min(
                x1 + margin, width)
            piece = image[..., ey0:ey1, ex0:ex1].detach().requires_grad_(True)
            loss = loss_fn(piece)
            (piece_grad,) = torch.autograd.grad(loss * (ey1 - ey0) * (ex1 - ex0) / (height * width), piece)
            grad[..., y0:y1, x0:x1] = piece_grad[..., y0 - ey0:y1 - ey0, x0 - ex0:x1 - ex0]
            total += float(loss.detach()) * (y1 - y0) * (x1 - x0) / (height * width)
    return total, grad


def compare(whole: tuple[float, torch.Tensor], tiled: tuple[float, torch.Tensor]) -> tuple[float, float, float]:
    (whole_loss, whole_grad), (tiled_loss, tiled_grad) = whole, tiled
    error = float((tiled_grad - whole_grad).abs().mean() / whole_grad.abs().mean())
    cosine = float(torch.nn.functional.cosine_similarity(tiled_grad.flatten(), whole_grad.flatten(), dim=0))
    return tiled_loss / whole_loss, error, cosine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1024x768")
    parser.add_argument("--tiles", default="256,384,512,768")
    parser.add_argument("--photo", default="astronaut")
    parser.add_argument("--models", default="inception_v3,efficientnet_lite0")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    photo = read_image(dd.example_path(args.photo)).image.resize((width, height))
    cases = {"inception_v3": lambda: (random_inception(), dd.SEED_LAYER_MIX),
             "efficientnet_lite0": lambda: (dd.load_model("efficientnet_lite0"), {"block8": 1.0, "block10": 1.0})}
    print(f"{args.size} photo '{args.photo}', margins 64 px; mean over grid offsets {OFFSETS}")
    print(f"{'model':<19} {'tile':>5} {'loss now':>9} {'before':>7} {'|dg|/|g| now':>13} {'before':>7} "
          f"{'cos now':>8} {'before':>7}")
    for name in args.models.split(","):
        net, layers = cases[name]()
        loss_fn = objective_function(net, dd.layer_mix(layers))
        x = net.to_input(to_tensor(photo)).contiguous(memory_format=torch.channels_last)
        whole = whole_loss_and_gradient(x, loss_fn)
        for tile in map(int, args.tiles.split(",")):
            now = [compare(whole, tiled_loss_and_gradient(x, loss_fn, tile, offset)) for offset in OFFSETS]
            before = [compare(whole, tiled_before(x, loss_fn, tile, offset)) for offset in OFFSETS]
            mean_now, mean_before = ([sum(column) / len(OFFSETS) for column in zip(*rows, strict=True)]
                                     for rows in (now, before))
            print(f"{name:<19} {tile:>5} {mean_now[0]:>9.4f} {mean_before[0]:>7.4f} {mean_now[1]:>13.3f} "
                  f"{mean_before[1]:>7.3f} {mean_now[2]:>8.4f} {mean_before[2]:>7.4f}")


if __name__ == "__main__":
    main()
