"""Tiny clips for the video tests, made with PyAV from the bundled photos: pans, zooms, sound, VFR, rotation."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

import deepdreamer as dd
from deepdreamer.images import read_image

#: width, height of the test clips: small enough that a dreamed clip takes seconds.
SIZE = (96, 64)
TONE_HZ = 440.0


def photo(name: str = "chelsea", width: int = 240) -> np.ndarray:
    """A bundled photo scaled to ``width``: the scene the virtual camera films."""
    image = read_image(dd.example_path(name)).image
    return np.asarray(image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS))


def pan(count: int = 8, size: tuple[int, int] = SIZE, step: int = 3, name: str = "chelsea") -> list[np.ndarray]:
    """A camera moving right by ``step`` pixels a frame: every pixel moves left by ``step``."""
    scene = photo(name)
    width, height = size
    top = (scene.shape[0] - height) // 2
    return [scene[top:top + height, 8 + i * step:8 + i * step + width].copy() for i in range(count)]


def zoom(count: int = 8, size: tuple[int, int] = SIZE, factor: float = 1.04, name: str = "chelsea") -> list[np.ndarray]:
    """A camera zooming into the centre by ``factor`` a frame."""
    scene = Image.fromarray(photo(name))
    width, height = size
    frames = []
    for i in range(count):
        w, h = width * 2 / factor**i, height * 2 / factor**i
        x, y = (scene.width - w) / 2, (scene.height - h) / 2
        frames.append(np.asarray(scene.resize(size, Image.Resampling.BILINEAR, box=(x, y, x + w, y + h))))
    return frames


def write_clip(path: Path, frames: Sequence[np.ndarray], *, time_base: Fraction = Fraction(1, 12),
               pts: Sequence[int] | None = None, rotation: int | None = None, sound: str | None = None,
               codec: str = "libx264", damage: tuple[int, int] | None = None, faststart: bool = False,
               keyframes_every: int | None = None) -> Path:
    """Encode ``frames`` at ``pts`` (default one per ``time_base``), with a display rotation and a tone if asked.

    ``sound`` is the encoder of a one-second 440 Hz tone ("aac", "libopus"). With no frames the file has a
    video stream without packets. ``damage=(k, keep)`` overwrites packet ``k`` after its first ``keep`` bytes
    with noise (no zero bytes, so an H.264 packet keeps its NAL structure), as a bad disk sector would.
    ``faststart`` puts an MP4's index before the frames (as streaming sites do), so a cut file still opens.
    ``keyframes_every`` frames start a new group of pictures (H.264; default: the encoder's choice).
    """
    pts = list(range(len(frames))) if pts is None else list(pts)
    height, width = frames[0].shape[:2] if frames else SIZE[::-1]
    with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as container:
        gop = {} if keyframes_every is None else {"g": str(keyframes_every), "keyint_min": str(keyframes_every),
                                                  "sc_threshold": "0"}
        video = container.add_stream(codec, options=gop)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.time_base = video.codec_context.time_base = time_base
        if rotation is not None:
            video.set_display_rotation(rotation)
        audio = _add_tone(container, sound) if sound else None
        packets = []
        for pixels, t in zip(frames, pts, strict=True):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = t, time_base
            packets += video.encode(frame)
        if frames:
            packets += video.encode()
        if damage is not None:
            packets[damage[0]] = _damaged(packets[damage[0]], damage[1])
        container.mux(packets)
        if audio is not None:
            _mux_tone(container, audio)
    return path


def write_tone(path: Path, codec: str = "aac") -> Path:
    """A sound file with no video stream."""
    with av.open(str(path), "w") as container:
        _mux_tone(container, _add_tone(container, codec))
    return path


def _damaged(packet: av.Packet, keep: int) -> av.Packet:
    data = bytes(packet)
    noise = np.random.default_rng(0).integers(1, 256, len(data) - keep, dtype=np.uint8).tobytes()
    damaged = av.Packet(data[:keep] + noise)
    damaged.stream, damaged.time_base = packet.stream, packet.time_base
    damaged.pts, damaged.dts, damaged.duration = packet.pts, packet.dts, packet.duration
    return damaged


def _add_tone(container: av.container.OutputContainer, codec: str) -> av.AudioStream:
    audio = container.add_stream(codec, rate=48_000)
    audio.layout = "mono"
    return audio


def _mux_tone(container: av.container.OutputContainer, audio: av.AudioStream, seconds: float = 1.0) -> None:
    rate = audio.codec_context.sample_rate
    t = np.arange(round(rate * seconds)) / rate
    samples = (0.3 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)[None]
    chunk = audio.codec_context.frame_size or 1024
    for start in range(0, samples.shape[1], chunk):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + chunk]), format="fltp",
                                           layout="mono")
        frame.sample_rate, frame.pts = rate, start
        container.mux(audio.encode(frame))
    container.mux(audio.encode())


def sound_packets(path: Path) -> list[bytes]:
    """The payload of every packet of a file's first sound track, to compare byte for byte."""
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.audio[0]) if p.size]


def video_times(path: Path) -> list[Fraction]:
    """Presentation times of every video packet, in seconds, exactly, in order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(p.pts * stream.time_base for p in container.demux(stream) if p.size)
