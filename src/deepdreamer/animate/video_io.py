"""Video in and out with PyAV: every frame with its own timestamp, the rotation and the sound track kept.

The peers lose what the source had: DeepDreamVideo wrote every video at 25 fps, DeepDreamAnim and the PyTorch
forks drop the sound, and phone videos (stored sideways with a rotation matrix) come out sideways. Here a video
is read as frames with their presentation timestamps (a variable frame rate stays variable) and written back
with the same timestamps and time base, the same display matrix, and the source's sound packets copied byte for
byte (no re-encoding). PyAV is the optional extra ``deepdreamer[video]``, imported only when a video is touched.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .. import records
from ..errors import DeepDreamError
from ..files import atomic_folder, atomic_output, check_readable, first_line
from .defaults import VIDEO_INSTALL_HINT, VIDEO_MAX_PIXELS

#: Output file suffixes and the FFmpeg muxer each one gets; any other path without a suffix is a folder of PNGs.
VIDEO_FORMATS = {".mp4": "mp4", ".mkv": "matroska", ".webm": "webm", ".gif": "gif"}
#: Sound codecs a container can hold, so that a copied track fits (Matroska holds any; a GIF has no sound).
SOUND_CODECS = {
    ".mp4": frozenset({"aac", "mp3", "opus", "flac", "alac", "ac3", "eac3"}),
    ".webm": frozenset({"opus", "vorbis"}),
}
#: Constant quality: visually lossless H.264, and VP9 at its usual "good" level (a dream is full of fine detail).
H264_OPTIONS = {"crf": "18", "preset": "medium"}
MPEG4_OPTIONS = {"qmin": "1", "qmax": "4"}  # when the FFmpeg build lacks libx264: quantiser capped, never blurry
VP9_OPTIONS = {"crf": "30", "b": "0", "row-mt": "1", "cpu-used": "4"}
#: FFmpeg's codes for the colours written (AVCOL_SPC/PRI/TRC_BT709, AVCOL_RANGE_MPEG): HD video's standard.
BT709, LIMITED_RANGE = 1, 1
#: GIF stores delays in hundredths of a second.
GIF_TIME_BASE = Fraction(1, 100)
#: A file whose last frame ends more than this many frame durations before the declared duration was cut short.
TRUNCATION_FRAMES = 2
#: Numbered PNGs in an output folder: frame_000001.png, ... (sort in frame order, even by string).
PNG_NAME = "frame_{:06d}.png"


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe_video` learns about a video: enough to read it, and to write a dream that keeps it."""

    path: Path
    width: int  # as stored; the display matrix may turn it on its side (see ``rotation``)
    height: int
    frame_count: int  # packets in the video stream (a frame that cannot be decoded is skipped when read)
    time_base: Fraction  # unit of every frame's ``pts`` and ``duration``
    end: int  # where the last frame ends, in time_base units
    codec: str
    rotation: int  # counter-clockwise degrees that turn a stored frame upright: 0, 90, 180 or 270
    display_matrix: tuple[int, ...] | None  # the source's 3x3 matrix as FFmpeg stores it, written back as is
    sound: str | None  # codec of the first sound track (copied on write), None when silent


@dataclass(frozen=True)
class Frame:
    """One decoded frame: RGB pixels as stored (not rotated), and its place in time."""

    pixels: np.ndarray  # height x width x 3, uint8
    pts: int  # presentation time, in the video's time base
    duration: int  # until the next frame is shown, in the same unit


def _av() -> ModuleType:
    try:
        import av
    except ImportError:
        raise DeepDreamError(f"video needs PyAV and OpenCV: {VIDEO_INSTALL_HINT}") from None
    return av


def probe_video(path: str | Path, max_pixels: int = VIDEO_MAX_PIXELS) -> VideoInfo:
    """Check a video file completely before any work is done on it, or raise a one-line :class:`DeepDreamError`.

    Every packet is read (not decoded: fast) so that a file cut short is refused up front, not after an hour
    of dreaming; the first frame is decoded to prove the codec works and to find the rotation.
    """
    path = Path(path)
    check_readable(path, "a video")
    av = _av()
    try:
        container = av.open(str(path))
    except av.FFmpegError:
        raise DeepDreamError(f"{path}: not a video FFmpeg can read (another kind of file, damaged, or cut short)") \
            from None
    try:
        with container:
            stream = _video_stream(container, path)
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > max_pixels:
                raise DeepDreamError(f"{path}: frames of {width}x{height} are above the limit of {max_pixels:,} "
                                     f"pixels (raise it with --max-pixels)")
            count, end, first = _scan(container, stream, path)
            matrix = first.side_data.get(av.sidedata.sidedata.Type.DISPLAYMATRIX)
            if matrix is not None:
                rotation = round(first.rotation / 90) % 4 * 90
                matrix = tuple(np.frombuffer(bytes(matrix), dtype=np.int32).tolist())
            else:
                rotation = _rotate_tag(stream.metadata)
            audio = container.streams.audio
            sound = (audio[0].codec_context.name if audio[0].codec_context else "unknown") if audio else None
            return VideoInfo(path, width, height, count, stream.time_base, end, stream.codec_context.name,
                             rotation, matrix, sound)
    except av.FFmpegError as exc:
        raise DeepDreamError(f"{path}: cannot read the video ({first_line(exc)})") from None


def _video_stream(container: Any, path: Path) -> Any:
    """The first real video stream: cover art in a music file (an attached picture) is not a video."""
    av = _av()
    streams = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    if not streams:
        if container.streams.audio:
            raise DeepDreamError(f"{path}: holds only sound, no video stream")
        raise DeepDreamError(f"{path}: no video stream")
    stream = streams[0]
    if stream.codec_context is None:
        raise DeepDreamError(f"{path}: its video codec is not one this FFmpeg build can decode")
    if not stream.codec_context.width or not stream.codec_context.height:
        raise DeepDreamError(f"{path}: the video stream has no frame size")
    return stream


def _scan(container: Any, stream: Any, path: Path) -> tuple[int, int, Any]:
    """One pass over the packets: how many, where the last ends, and the first frame that decodes.

    Refuses a stream without frames or timestamps, one that ends before its header says (an MP4's frame
    count, a Matroska track's DURATION tag), and one whose frames all fail to decode.
    """
    av = _av()
    count, end, last_duration, first = 0, 0, 0, None
    for packet in container.demux(stream):
        if not packet.size:  # the demuxer's end-of-stream marker
            continue
        if packet.pts is None:
            raise DeepDreamError(f"{path}: frames without timestamps (remux it into .mp4 or .mkv first)")
        count += 1
        last_duration = packet.duration or last_duration
        end = max(end, packet.pts + packet.duration)
        if first is None:
            with contextlib.suppress(av.FFmpegError):
                first = next(iter(stream.decode(packet)), None)
    if count == 0:
        raise DeepDreamError(f"{path}: the video stream has no frames")
    if stream.frames and count < stream.frames:
        raise DeepDreamError(f"{path}: ends early ({count} of {stream.frames} frames; the file is cut short)")
    declared = _declared_seconds(stream.metadata)
    missing = None if declared is None else declared - end * stream.time_base
    if missing is not None and missing > TRUNCATION_FRAMES * last_duration * stream.time_base:
        raise DeepDreamError(f"{path}: ends early (at {float(end * stream.time_base):.2f} s of "
                             f"{float(declared):.2f} s; the file is cut short)")
    if first is None:
        with contextlib.suppress(av.FFmpegError):
            first = next(iter(stream.decode(None)), None)  # flush: a decoder may hold back its first frames
    if first is None:
        raise DeepDreamError(f"{path}: no frame of its {stream.codec_context.name} video can be decoded")
    return count, end, first


def _declared_seconds(metadata: dict[str, str]) -> Fraction | None:
    """The track length Matroska and WebM muxers write as a tag (``DURATION=00:01:02.500000000``)."""
    text = metadata.get("DURATION") or metadata.get("duration")
    match = re.fullmatch(r"(\d+):(\d\d):(\d\d(?:\.\d+)?)", text or "")
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return (int(hours) * 60 + int(minutes)) * 60 + Fraction(seconds)


def _rotate_tag(metadata: dict[str, str]) -> int:
    """Older files say ``rotate=90``: clockwise degrees, the opposite sense of the display matrix."""
    text = metadata.get("rotate") or metadata.get("ROTATE") or "0"
    try:
        return round(-float(text) / 90) % 4 * 90
    except ValueError:
        return 0


def upright(pixels: np.ndarray, rotation: int) -> np.ndarray:
    """A stored frame turned the way it is shown (``rotation`` from :class:`VideoInfo`): dream it this way up."""
    return np.ascontiguousarray(np.rot90(pixels, k=rotation // 90))


def stored(pixels: np.ndarray, rotation: int) -> np.ndarray:
    """The inverse of :func:`upright`: a frame dreamed upright turned back the way the source stores it."""
    return np.ascontiguousarray(np.rot90(pixels, k=-(rotation // 90)))


def read_frames(video: VideoInfo, on_damaged: Callable[[str], None] | None = None) -> Iterator[Frame]:
    """Decode every frame in presentation order, as RGB, each with its own timestamp and duration.

    A frame the decoder cannot make at all is skipped (the one before it lasts longer, so the timing stays
    right); a frame it repairs (error concealment) is kept. Both are reported through ``on_damaged`` with a
    one-line message (default: a warning) and decoding goes on.
    """
    report = on_damaged or _warn
    av = _av()
    pending: Frame | None = None  # a frame waits for the next one's pts to know how long it lasts
    try:
        with av.open(str(video.path)) as container:
            stream = _video_stream(container, video.path)
            for packet in container.demux(stream):
                try:
                    decoded = stream.decode(packet)
                except av.FFmpegError:
                    report(f"{video.path}: damaged frame at {_at(packet.pts, video)} skipped")
                    continue
                for frame in decoded:
                    if frame.pts is None or (pending is not None and frame.pts <= pending.pts):
                        report(f"{video.path}: frame out of order at {_at(frame.pts, video)} skipped")
                        continue
                    if frame.is_corrupt:
                        report(f"{video.path}: damaged frame at {_at(frame.pts, video)} repaired by the decoder")
                    if pending is not None:
                        yield Frame(pending.pixels, pending.pts, frame.pts - pending.pts)
                    pixels = frame.to_ndarray(format="rgb24", width=video.width, height=video.height)
                    pending = Frame(pixels, frame.pts, frame.duration)
    except av.FFmpegError as exc:
        raise DeepDreamError(f"{video.path}: cannot read the video ({first_line(exc)})") from None
    if pending is None:
        raise DeepDreamError(f"{video.path}: no frame could be decoded")
    yield Frame(pending.pixels, pending.pts, max(video.end - pending.pts, pending.duration, 1))


def _at(pts: int | None, video: VideoInfo) -> str:
    return "an unknown time" if pts is None else f"{float(pts * video.time_base):.3f} s"


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def check_output(path: str | Path, like: VideoInfo) -> str | None:
    """Refuse an output that cannot be written, before any frame is dreamed; return the muxer (None: PNG folder).

    A suffix in :data:`VIDEO_FORMATS` makes a file; a path with no suffix (or an existing folder) makes a folder
    of numbered PNGs, which must be new or empty. The source's sound must fit the container as it is.
    """
    path = Path(path)
    if path.is_dir() or not path.suffix:
        if path.is_dir() and any(path.iterdir()):
            raise DeepDreamError(f"{path}: the folder already holds files (give a new or empty folder)")
        return None
    suffix = path.suffix.lower()
    if suffix not in VIDEO_FORMATS:
        raise DeepDreamError(f"{path}: unknown video type {path.suffix!r} (use {', '.join(VIDEO_FORMATS)}, "
                             f"or a path without a suffix for a folder of PNG frames)")
    allowed = SOUND_CODECS.get(suffix)
    if like.sound is not None and allowed is not None and like.sound not in allowed:
        raise DeepDreamError(f"{path}: a {suffix} file cannot hold the source's {like.sound} sound, which is "
                             f"copied untouched (write .mkv, which holds any sound)")
    return VIDEO_FORMATS[suffix]


@dataclass(frozen=True)
class Soundtrack:
    """A stretch of a sound file to put under a clip instead of the source's own track (a music video):
    ``seconds`` from ``start``, decoded and encoded again (AAC, or Opus in WebM) so that any sound fits."""

    path: Path
    start: float = 0.0
    seconds: float | None = None


def write_video(path: str | Path, frames: Iterable[Frame], like: VideoInfo,
                record: Mapping[str, Any] | None = None, soundtrack: Soundtrack | None = None) -> None:
    """Encode ``frames`` to ``path`` atomically, keeping ``like``'s time base, rotation and sound track.

    Each frame is written at its own ``pts`` and ``duration`` (in ``like.time_base``), so a variable frame rate
    survives. Video files get the source's display matrix and its sound packets copied untouched; a GIF or a
    folder of PNGs has neither, so their frames are turned upright and the sound is left out. Nothing appears
    at ``path`` unless every frame was written. ``record`` (how the clip was made) goes into the container's
    ``comment`` tag, a GIF's comment, or every PNG's text chunk: :func:`read_record` reads it back.
    A ``soundtrack`` replaces the source's sound, starting with the first frame.
    """
    path = Path(path)
    muxer = check_output(path, like)
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise DeepDreamError(f"{path}: no frames to write")
    everything = itertools.chain([first], frames)
    text = None if record is None else records.dumps(record)
    if muxer is None:
        info = PngInfo()
        if text is not None:
            info.add_text(records.METADATA_KEY, text)
        with atomic_folder(path) as folder:
            for number, frame in enumerate(everything, start=1):
                Image.fromarray(upright(frame.pixels, like.rotation)).save(folder / PNG_NAME.format(number),
                                                                           pnginfo=info)
        return
    av = _av()
    with atomic_output(path, errors=(OSError, av.FFmpegError)) as temporary:
        _encode(temporary, muxer, everything, like, first.pixels.shape, text, soundtrack)
        if muxer == "gif" and text is not None:
            _add_gif_comment(temporary, text)


def read_record(path: str | Path) -> dict[str, Any] | None:
    """The record :func:`write_video` put into a clip or a folder of PNG frames; None if it holds none."""
    from ..images import read_params

    path = Path(path)
    if path.is_dir():
        first = path / PNG_NAME.format(1)
        return read_params(first) if first.is_file() else None
    check_readable(path, "a clip")
    record = read_params(path)  # a GIF, a frame, or a picture (whose record then says it is not a clip's)
    if record is not None or path.suffix.lower() == ".gif":
        return record
    av = _av()
    try:
        with av.open(str(path)) as container:
            tags = {key.lower(): value for key, value in container.metadata.items()}
    except av.FFmpegError:
        raise DeepDreamError(f"{path}: not a clip FFmpeg can read") from None
    return records.loads(tags.get("comment"))


def _add_gif_comment(path: Path, text: str) -> None:
    """Put ``text`` in a comment extension after the GIF's header and global palette (FFmpeg writes none)."""
    data = path.read_bytes()
    packed = data[10]
    start = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)
    payload = text.encode()
    blocks = b"".join(bytes([len(part)]) + part for part in (payload[i:i + 255] for i in range(0, len(payload), 255)))
    path.write_bytes(data[:start] + b"\x21\xfe" + blocks + b"\x00" + data[start:])


def _encode(temporary: Path, muxer: str, frames: Iterable[Frame], like: VideoInfo, shape: tuple[int, ...],
            comment: str | None, soundtrack: Soundtrack | None = None, *, container: str | None = None,
            options: Mapping[str, str] | None = None, threads: int | None = None) -> None:
    """Encode as ``muxer``'s files are (its codec and settings) into FFmpeg's format ``container`` (default:
    ``muxer``), given the muxer ``options``, on ``threads`` (default: the encoder's choice; one thread encodes
    the same frames to the same bytes every time)."""
    av = _av()
    height, width = shape[:2]
    gif = muxer == "gif"
    if gif and like.rotation in (90, 270):
        height, width = width, height
    with av.open(str(temporary), "w", format=container or muxer, options=dict(options or {})) as output, \
            contextlib.ExitStack() as cleanup:
        if comment is not None and not gif:
            output.metadata["comment"] = comment
        stream = _add_video_stream(output, muxer, like, width, height, threads)
        sound = None
        if not gif and soundtrack is not None:
            sound = _encoded_sound(soundtrack, output, "libopus" if muxer == "webm" else "aac")
        elif not gif and like.sound is not None:
            sound = _copied_sound(cleanup.enter_context(av.open(str(like.path))), output)
        palette = None
        for frame in frames:
            pixels = upright(frame.pixels, like.rotation) if gif else frame.pixels
            if pixels.shape != (height, width, 3) or pixels.dtype != np.uint8:
                raise DeepDreamError(f"frame at pts {frame.pts} is {pixels.shape} {pixels.dtype}, not the first "
                                     f"frame's ({height}, {width}, 3) uint8")
            if gif:
                picture, palette = _palettised(pixels, palette)
            else:
                picture = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(
                    format=stream.pix_fmt, dst_colorspace="itu709", dst_color_range="MPEG")
            picture.pts, picture.duration, picture.time_base = frame.pts, frame.duration, like.time_base
            for packet in stream.encode(picture):
                if gif:  # the GIF encoder leaves durations out, and the muxer needs one for the last frame's delay
                    packet.duration = round(frame.duration * like.time_base / GIF_TIME_BASE)
                if sound is not None:
                    sound.mux_until(packet.pts * packet.time_base)
                output.mux(packet)
        output.mux(stream.encode())
        if sound is not None:
            sound.mux_until(None)


def _add_video_stream(output: Any, muxer: str, like: VideoInfo, width: int, height: int,
                      threads: int | None = None) -> Any:
    av = _av()
    if muxer == "gif":
        stream = output.add_stream("gif")
        stream.pix_fmt = "pal8"
        stream.codec_context.time_base = GIF_TIME_BASE
    else:
        if muxer == "webm":
            codec, options = "libvpx-vp9", VP9_OPTIONS
        elif "libx264" in av.codecs_available:
            codec, options = "libx264", H264_OPTIONS
        else:
            codec, options = "mpeg4", MPEG4_OPTIONS
        stream = output.add_stream(codec, options={**options, **({"threads": str(threads)} if threads else {})})
        even = width % 2 == 0 and height % 2 == 0
        stream.pix_fmt = "yuv420p" if even or codec != "libx264" else "yuv444p"  # x264's 4:2:0 needs even sides
        stream.codec_context.time_base = like.time_base
        stream.time_base = like.time_base
        context = stream.codec_context  # tagged as the frames are converted: BT.709, limited range
        context.colorspace = context.color_primaries = context.color_trc = BT709
        context.color_range = LIMITED_RANGE
        if like.display_matrix is not None:
            stream.set_display_matrix(list(like.display_matrix))
        elif like.rotation:
            stream.set_display_rotation(like.rotation)
    stream.width, stream.height = width, height
    return stream


def _palettised(pixels: np.ndarray, palette: Image.Image | None) -> tuple[Any, Image.Image]:
    """A GIF frame on the first frame's palette: one steady palette does not flicker, dithering hides its limits."""
    av = _av()
    image = Image.fromarray(pixels)
    palette = palette or image.quantize(256)
    indices = np.asarray(image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG))
    rgb = np.zeros((256, 3), np.uint8)
    colours = np.asarray(palette.getpalette(), np.uint8).reshape(-1, 3)[:256]
    rgb[: len(colours)] = colours
    argb = np.column_stack([np.full(256, 255, np.uint8), rgb])  # PyAV takes rows of alpha, red, green, blue
    return av.VideoFrame.from_ndarray((indices, argb), format="pal8"), palette


class _SoundPackets:
    """A sound track's packets, muxed between video packets of the same time."""

    def __init__(self, packets: Iterable[Any], stream: Any, output: Any) -> None:
        self._packets = iter(packets)
        self._stream = stream
        self._output = output
        self._pending = next(self._packets, None)

    def mux_until(self, time: Fraction | None) -> None:
        """Mux every sound packet that starts no later than ``time`` (None: all that are left)."""
        while self._pending is not None and (
                time is None or self._pending.pts is None or self._pending.pts * self._pending.time_base <= time):
            self._pending.stream = self._stream
            self._output.mux(self._pending)
            self._pending = next(self._packets, None)


def _copied_sound(source: Any, output: Any) -> _SoundPackets:
    """The source's first sound track, its packets untouched."""
    template = source.streams.audio[0]
    return _SoundPackets((p for p in source.demux(template) if p.size), output.add_stream_from_template(template),
                         output)


#: What a soundtrack is encoded to: 48 kHz stereo.
SOUNDTRACK_RATE = 48_000


def _encoded_sound(soundtrack: Soundtrack, output: Any, codec: str) -> _SoundPackets:
    """A soundtrack's stretch, decoded, resampled to 48 kHz stereo and encoded with ``codec``."""
    from ..audio.io import read_audio

    av = _av()
    sound = read_audio(soundtrack.path)
    first = round(soundtrack.start * sound.rate)
    end = None if soundtrack.seconds is None else first + round(soundtrack.seconds * sound.rate)
    samples = sound.samples[first:end]
    samples = np.repeat(samples, 2, axis=1) if samples.shape[1] == 1 else samples[:, :2]
    stream = output.add_stream(codec, rate=SOUNDTRACK_RATE, layout="stereo")
    resampler = av.AudioResampler(format=stream.format.name, layout="stereo", rate=SOUNDTRACK_RATE)
    whole = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T, dtype=np.float32), format="fltp",
                                       layout="stereo")
    whole.sample_rate, whole.pts, whole.time_base = sound.rate, 0, Fraction(1, sound.rate)
    packets = [packet for frame in [*resampler.resample(whole), *resampler.resample(None)]
               for packet in stream.encode(frame)]
    return _SoundPackets([*packets, *stream.encode(None)], stream, output)
