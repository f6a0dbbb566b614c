"""A long video on Ray against one process: bytes sent, decoding before each chunk, the driver's tail, wall time.

    python benchmarks/ray_video.py                                  # 2 minutes of 540p, 60 groups of pictures
    python benchmarks/ray_video.py --minutes 10 --chunks 40         # the issue's 10 minutes
    python benchmarks/ray_video.py --iterations 2 --minutes 0.2     # with real (small) dreams

The benchmark makes its own clip: a camera panning over a bundled photo at ``--size``, 24 fps, a keyframe every
``--gop`` frames, with a sound track (AAC). It is dreamed by one process (all threads), by a local Ray instance
(one 1-CPU worker per core), and by a 3-node ``ray.cluster_utils.Cluster`` of 1-CPU nodes on 127.0.0.1.
By default the dream itself is off (0 steps, no flow, the seed's preset): what is measured is what cutting,
sending, decoding, encoding and joining cost, which a real dream only hides. Columns: bytes the driver sent
(the chunks' cuts) over the source's size; the most frames a chunk decoded before its first dreamed one; the
driver's time from the last chunk's arrival to the finished file; wall time, and against the one process;
with real dreams, the flicker (mean warping error, docs/video.md) of each decoded clip.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # every Ray process on 127.0.0.1


def isa() -> str:
    flags = set(Path("/proc/cpuinfo").read_text().split())
    if "amx_bf16" in flags:
        return "AVX-512 with BF16 and AMX"
    if "avx512_bf16" in flags:
        return "AVX-512 with BF16, no AMX"
    return "AVX-512 (no BF16, no AMX)" if "avx512f" in flags else "AVX2"


def make_clip(path: Path, seconds: float, size: tuple[int, int], gop: int) -> None:
    """A pan over a bundled photo at 24 fps with a 440 Hz tone, H.264 (x264 veryfast: it is only the source)."""
    import av
    import numpy as np

    import deepdreamer as dd

    width, height = size
    scene = dd.read_image(dd.example_path("astronaut")).image
    scene = np.asarray(scene.resize((3 * width, round(3 * width * scene.height / scene.width))))
    frames, rate = round(seconds * 24), 48_000
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=24, options={
            "preset": "veryfast", "crf": "20", "g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = container.add_stream("aac", rate=rate)
        audio.layout = "mono"
        top = (scene.shape[0] - height) // 2
        for index in range(frames):
            x = round((2 * width) * (0.5 - 0.5 * np.cos(2 * np.pi * index / 480)))  # back and forth, 20 s
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(scene[top:top + height, x:x + width]),
                                               format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 24)
            container.mux(video.encode(frame))
        container.mux(video.encode())
        step = 1024
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(round(seconds * rate)) / rate)).astype(np.float32)
        for start in range(0, len(tone), step):
            sound = av.AudioFrame.from_ndarray(tone[None, start:start + step].copy(), format="fltp", layout="mono")
            sound.sample_rate, sound.pts = rate, start
            container.mux(audio.encode(sound))
        container.mux(audio.encode())


def flicker(path: Path, motion: list | None = None) -> Any:
    """The input's motion (``motion`` None), or the mean warping error of the decoded clip ``path`` along it."""
    import numpy as np

    from deepdreamer.animate.flicker import input_motion, warping_errors
    from deepdreamer.animate.video import upright_frames
    from deepdreamer.animate.video_io import probe_video

    frames = [pixels for _, pixels in upright_frames(probe_video(path), None)]
    return input_motion(frames) if motion is None else f"{np.mean(warping_errors(frames, motion)):.4f}"


def one_process(source: Path, output: Path, options: dict) -> float:
    from deepdreamer.animate.render import VideoSettings, render_video

    start = time.perf_counter()
    render_video(source, VideoSettings(**options), output)
    return time.perf_counter() - start


def on_ray(source: Path, output: Path, options: dict, chunks: int, address: str | None) -> dict:
    """Dream ``source`` on Ray as the video command does, timing the driver after the last chunk."""
    from deepdreamer.animate.chunks import join_encoded
    from deepdreamer.animate.cluster import dream_video_on_ray
    from deepdreamer.animate.frames import FrameFolder
    from deepdreamer.animate.render import VideoSettings, video_record
    from deepdreamer.animate.video_io import probe_video

    settings = VideoSettings(**options)
    info = probe_video(source)
    work = FrameFolder(output.parent / f".{output.name}.frames")
    arrivals: list[float] = []
    start = time.perf_counter()
    run = dream_video_on_ray(info, work, output, chunks=chunks, address=address, seed=settings.seed,
                             max_pixels=info.width * info.height,
                             progress=lambda _: arrivals.append(time.perf_counter()),
                             **settings.dream_options(), temporal=settings.temporal, size=settings.size,
                             iterations=settings.iterations)
    join_encoded(work, run.tasks, info, output, video_record(settings))
    end = time.perf_counter()
    work.remove()
    return {"sent": run.sent, "lead": max(run.leads), "tail": end - arrivals[-1], "wall": end - start,
            "chunks": len(run.tasks)}


def main() -> None:
    import ray
    from ray.cluster_utils import Cluster

    from deepdreamer.animate.cluster import connect

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--gop", type=int, default=48, help="frames between keyframes (48: 2 s)")
    parser.add_argument("--chunks", type=int, default=12)
    parser.add_argument("--iterations", type=int, default=0, help="0: no dream, the infrastructure alone")
    args = parser.parse_args()
    width, height = (int(side) for side in args.size.split("x"))
    folder = Path(tempfile.mkdtemp(prefix="ray-video-"))
    source = folder / "source.mp4"
    made = time.perf_counter()
    make_clip(source, args.minutes * 60, (width, height), args.gop)
    size = source.stat().st_size
    # no steps: the seed's preset, which has no detail octaves above a working size
    options = {"iterations": args.iterations, "seed": 1, "temporal": "flow" if args.iterations else "none"}
    if not args.iterations:
        options.update(num_octaves=1, preset="seed")
    print(f"{args.minutes:g} min of {width}x{height} at 24 fps, a keyframe every {args.gop} frames, with sound: "
          f"{size / 1e6:.1f} MB (made in {time.perf_counter() - made:.0f} s); {args.chunks} chunks; "
          f"{args.iterations} steps a frame; {os.cpu_count()} cores, {isa()}")
    local = one_process(source, folder / "one.mp4", options)
    print(f"{'run':<34} {'sent/source':>11} {'decoded before':>14} {'driver tail s':>13} {'wall s':>7} "
          f"{'x one':>6} {'flicker':>8}")
    motion = flicker(source) if args.iterations else None
    print(f"{'one process':<34} {'-':>11} {'-':>14} {'-':>13} {local:>7.1f} {1:>6.2f} "
          f"{flicker(folder / 'one.mp4', motion) if motion else '-':>8}")
    rows = []
    connect(None, os.cpu_count())
    rows.append(("local Ray instance, 1-CPU workers", on_ray(source, folder / "local.mp4", options, args.chunks,
                                                            None)))
    ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    rows.append(("3-node cluster, 1 CPU each", on_ray(source, folder / "cluster.mp4", options, args.chunks,
                                                     cluster.address)))
    ray.shutdown()
    cluster.shutdown()
    for (label, row), name in zip(rows, ("local.mp4", "cluster.mp4"), strict=True):
        print(f"{label:<34} {row['sent'] / size:>11.2f} {row['lead']:>14} {row['tail']:>13.1f} {row['wall']:>7.1f} "
              f"{row['wall'] / local:>6.2f} {flicker(folder / name, motion) if motion else '-':>8}")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
