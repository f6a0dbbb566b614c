"""Folders on Ray against the local run: images per minute with 1 and 2 workers, Ray's overhead per image, and
what that projects to for big jobs (python benchmarks/ray_folder.py).

Every run dreams the same folder (copies of the bundled photos at ``--side`` px) with the default model and
preset. The local runs use 1 and all threads; each Ray worker is a 1-CPU actor with 1 thread, on a local Ray
instance with ``--workers`` CPUs (loopback only). Overhead per image = (wall time x workers / images) minus the
local 1-thread time per image: what Ray adds (scheduling, object store, the model load per actor spread over
the photos).

``--api actors,data`` also runs the folder through Ray Data (needs pyarrow): ``map_batches`` over one photo per
row on a fixed pool of 1-CPU actors, each loading the model once, the driver writing the PNGs as rows stream
back. Same photos, seed and settings; its wall time includes Ray Data's own planning and actor start.
"""

from __future__ import annotations

import argparse
import logging
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


def dream_folder_on_ray_data(source: Path, output: Path, workers: int, **options: object) -> int:
    """The folder through Ray Data's ``map_batches`` on ``workers`` 1-CPU actors; returns the photos written."""
    import numpy as np
    import ray

    from deepdreamer.animate.folders import plan_folder, settle_settings

    tasks = plan_folder(source, output)
    settings = settle_settings(output, options)

    class DataDreamer:  # what Dreamer.dream does, one row (one photo) per call
        def __init__(self) -> None:
            import torch

            torch.set_num_threads(1)

        def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            from deepdreamer import dream
            from deepdreamer.images import read_image

            pngs = []
            for name, photo in zip(batch["name"], batch["photo"], strict=True):
                with tempfile.TemporaryDirectory() as folder:
                    (Path(folder) / name).write_bytes(photo)
                    dream(read_image(Path(folder) / name), **settings).save(Path(folder) / "dream.png")
                    pngs.append((Path(folder) / "dream.png").read_bytes())
            return {"name": batch["name"], "png": np.array(pngs, dtype=object)}

    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    rows = [{"name": task.source.name, "photo": task.source.read_bytes()} for task in tasks]
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
        DataDreamer, batch_size=1, num_cpus=1, compute=ray.data.ActorPoolStrategy(size=workers),
        runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}})
    written = 0
    for row in dataset.iter_rows():  # streams: each dream as soon as an actor finishes it
        (output / row["name"]).with_suffix(".png").write_bytes(row["png"])
        written += 1
    return written


def main() -> None:
    import torch

    from deepdreamer.animate.cluster import connect, dream_folder_on_ray
    from deepdreamer.animate.folders import dream_folder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--side", type=int, default=256)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--api", default="actors", help="actors, data (Ray Data), or both: actors,data")
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
        for api in args.api.split(","):
            ray = connect(None, workers)
            start = time.perf_counter()
            if api == "data":
                dream_folder_on_ray_data(work / "photos", work / f"data{workers}", workers, seed=1)
            else:
                dream_folder_on_ray(work / "photos", work / f"ray{workers}", seed=1)
            wall = time.perf_counter() - start
            overhead = wall * workers / args.images - per_image_1_thread
            label = f"ray{' data' if api == 'data' else ''}, {workers} worker(s)"
            print(f"{label:<22} {wall:>8.1f} {60 * args.images / wall:>11.1f} "
                  f"{wall / args.images:>8.2f} {overhead:>17.2f}", flush=True)
            ray.shutdown()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
