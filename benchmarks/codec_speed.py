"""H.264 decode, encode, demux and remux rates with PyAV at 540p and 1080p on this machine
(python benchmarks/codec_speed.py [--seconds 10] [--sizes 960x540,1920x1080]).

For each size a synthetic clip (a slow pan and zoom over the bundled ``chelsea`` photo, upscaled, with fresh
sensor-like noise on every frame so that the encoder sees real detail) is made in a temporary folder at 24 fps
and encoded with libx264 and the project's ``H264_OPTIONS`` (crf 18, preset medium), converting rgb24 to
BT.709 limited-range yuv420p as ``video_io._encode`` does. Measured, one process:

* decode: the file to rgb24 ndarrays as ``video_io.read_frames`` does (PyAV's default threads), and again with
  ``thread_type="AUTO"`` (frame threads);
* encode: rgb24 ndarrays to H.264 with PyAV's default threads (``thread_count`` 0 = auto, slice threads, as
  ``_encode`` gets them) and with ``thread_count=1`` (the per-core figure);
* demux: packets read without decoding (MB/s, packets/s); remux: those packets copied into a new .mkv (MB/s).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

import deepdreamer
from deepdreamer.animate.video_io import BT709, H264_OPTIONS, LIMITED_RANGE

FPS = 24


def isa() -> str:
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    if "amx_tile" in flags:
        return "AMX + AVX-512 BF16"
    if "avx512_bf16" in flags:
        return "AVX-512 BF16 (no AMX)"
    if "avx512f" in flags:
        return "AVX-512 (no BF16/AMX)"
    return "AVX2" if "avx2" in flags else "SSE only"


def make_frames(width: int, height: int, count: int) -> list[np.ndarray]:
    """A pan and zoom over the photo at 1.5x the frame, plus per-frame noise (four fields, cycled)."""
    photo = np.asarray(Image.open(deepdreamer.example_path("chelsea")).convert("RGB")
                       .resize((width * 3 // 2, height * 3 // 2), Image.Resampling.LANCZOS), dtype=np.int16)
    rng = np.random.default_rng(1)
    noise = [rng.integers(-5, 6, (height, width, 3), dtype=np.int16) for _ in range(4)]
    frames = []
    for index in range(count):
        t = index / max(count - 1, 1)
        x, y = round(t * width / 2), round((0.5 - abs(t - 0.5)) * height / 2)
        window = photo[y:y + height, x:x + width]
        frames.append(np.clip(window + noise[index % 4], 0, 255).astype(np.uint8))
    return frames


def encode(path: Path, frames: list[np.ndarray], threads: int) -> float:
    """Frames per second of rgb24 -> yuv420p -> libx264 into ``path`` (mp4), as ``video_io._encode`` does."""
    height, width = frames[0].shape[:2]
    start = time.perf_counter()
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("libx264", options=dict(H264_OPTIONS))
        stream.pix_fmt, stream.width, stream.height = "yuv420p", width, height
        stream.codec_context.time_base = stream.time_base = Fraction(1, FPS)
        stream.codec_context.thread_count = threads
        context = stream.codec_context
        context.colorspace = context.color_primaries = context.color_trc = BT709
        context.color_range = LIMITED_RANGE
        for index, pixels in enumerate(frames):
            picture = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(
                format="yuv420p", dst_colorspace="itu709", dst_color_range="MPEG")
            picture.pts, picture.time_base = index, Fraction(1, FPS)
            output.mux(stream.encode(picture))
        output.mux(stream.encode())
    return len(frames) / (time.perf_counter() - start)


def decode(path: Path, thread_type: str | None) -> float:
    """Frames per second of the file decoded to rgb24 ndarrays, as ``video_io.read_frames`` does."""
    start, count = time.perf_counter(), 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if thread_type is not None:
            stream.thread_type = thread_type
        for packet in container.demux(stream):
            for frame in stream.decode(packet):
                frame.to_ndarray(format="rgb24", width=stream.width, height=stream.height)
                count += 1
    return count / (time.perf_counter() - start)


def repeated(work: Callable[..., tuple[int, int]], *args: Path) -> tuple[float, int, int]:
    """Seconds, bytes and packets of ``work(*args)`` run again until at least a second has gone by."""
    start, size, packets = time.perf_counter(), 0, 0
    while time.perf_counter() - start < 1.0 or not packets:
        more_size, more_packets = work(*args)
        size, packets = size + more_size, packets + more_packets
    return time.perf_counter() - start, size, packets


def demux(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        sizes = [packet.size for packet in container.demux(container.streams.video[0]) if packet.size]
    return sum(sizes), len(sizes)


def remux(path: Path, target: Path) -> tuple[int, int]:
    size = packets = 0
    with av.open(str(path)) as container, av.open(str(target), "w", format="matroska") as output:
        source = container.streams.video[0]
        stream = output.add_stream_from_template(source)
        for packet in container.demux(source):
            if packet.dts is None:  # the demuxer's empty flush packet
                continue
            packet.stream = stream
            output.mux(packet)
            size, packets = size + packet.size, packets + 1
    return size, packets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sizes", default="960x540,1920x1080")
    args = parser.parse_args()
    count = round(args.seconds * FPS)
    print(f"H.264 {H264_OPTIONS}, {count} frames at {FPS} fps; {os.cpu_count()} cores, {isa()}; "
          f"PyAV {av.__version__}, default threads: thread_count 0 (auto), thread_type SLICE")
    print(f"{'size':<10} {'decode fps':>10} {'dec fps AUTO':>12} {'encode fps':>10} {'enc fps 1 thr':>13} "
          f"{'demux MB/s':>10} {'demux pkt/s':>11} {'remux MB/s':>10} {'MB/min':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes.split(","):
            width, height = (int(side) for side in size.split("x"))
            frames = make_frames(width, height, count)
            clip, single = Path(folder) / f"{size}.mp4", Path(folder) / f"{size}-1.mp4"
            encode_fps = encode(clip, frames, 0)
            encode_one = encode(single, frames, 1)
            del frames
            decode_fps, decode_auto = decode(clip, None), decode(clip, "AUTO")
            seconds, size_bytes, packets = repeated(demux, clip)
            remux_seconds, remux_bytes, _ = repeated(remux, clip, Path(folder) / "copy.mkv")
            per_minute = clip.stat().st_size / 1e6 / (count / FPS) * 60
            print(f"{size:<10} {decode_fps:>10.1f} {decode_auto:>12.1f} {encode_fps:>10.1f} {encode_one:>13.1f} "
                  f"{size_bytes / 1e6 / seconds:>10.0f} {packets / seconds:>11.0f} "
                  f"{remux_bytes / 1e6 / remux_seconds:>10.0f} {per_minute:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
