"""Folders on Ray against the local run: images per minute with 1 and 2 workers, Ray's overhead per image, and
what that projects to for big jobs (python benchmarks/ray_folder.py).

Every run dreams the same folder (copies of the bundled photos at ``--side`` px) with the default model and
preset. The local runs use 1 and all threads; each Ray worker is a 1-CPU actor with 1 thread, on a local Ray
instance with ``--workers`` CPUs (loopback only). Overhead per image = (wall time x workers / images) minus the
local 1-thread time per image: what Ray adds (scheduling, object store, the model load per actor spread over
the photos).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def make_folder(folder: Path, count: int, side: int) -> None:
    import deepdreamer as dd
    from deepdreamer.examples import EXAMPLE_PHOTOS
    from deepdreamer.images import shrink

    folder.mkdir(parents=True)
    for index in range(count):
        photo = dd.read_image(dd.example_path(EXAMPLE_PHOTOS[index % len(EXAMPLE_PHOTOS)])).image
        shrink(photo, side).save(folder / f"photo{index:03d}.png")


def main() -> None:
    import torch

    from deepdreamer.animate.cluster import connect, dream_folder_on_ray
    from deepdreamer.animate.folders import dream_folder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--side", type=int, default=256)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    cpu = Path("/proc/cpuinfo").read_text()
    isa = "AVX-512" if "avx512f" in cpu else "AVX2"
    work = Path(tempfile.mkdtemp())
    make_folder(work / "photos", args.images, args.side)
    print(f"{args.images} photos of {args.side} px, default preset, seed 1; {os.cpu_count()} cores, {isa}")
    print(f"{'run':<22} {'wall s':>8} {'images/min':>11} {'s/image':>8} {'overhead s/image':>17}")
    per_image_1_thread = None
    threads = torch.get_num_threads()
    for count in (1, threads):
        torch.set_num_threads(count)
        start = time.perf_counter()
        dream_folder(work / "photos", work / f"local{count}", seed=1)
        wall = time.perf_counter() - start
        if count == 1:
            per_image_1_thread = wall / args.images
        print(f"{f'local, {count} thread(s)':<22} {wall:>8.1f} {60 * args.images / wall:>11.1f} "
              f"{wall / args.images:>8.2f} {'-':>17}")
    torch.set_num_threads(threads)
    for workers in (int(w) for w in args.workers.split(",")):
        ray = connect(None, workers)
        start = time.perf_counter()
        dream_folder_on_ray(work / "photos", work / f"ray{workers}", seed=1)
        wall = time.perf_counter() - start
        overhead = wall * workers / args.images - per_image_1_thread
        print(f"{f'ray, {workers} worker(s)':<22} {wall:>8.1f} {60 * args.images / wall:>11.1f} "
              f"{wall / args.images:>8.2f} {overhead:>17.2f}")
        ray.shutdown()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
