"""A long video in pieces without re-encoding: cut at keyframes, joined by stream copy.

A cluster dreams a film in runs of frames. Sending every worker the whole file, and decoding it from the start to
each run's first frame, costs what the film's length costs; so each run gets only the packets it needs, copied
from the keyframe at or before its first frame (:func:`cut`: a few MB, at most one group of pictures decoded
and dropped). Workers encode what they dream with the final codec, and :func:`join` puts the encoded pieces one
after the other by packet copy, with the source's sound copied once, so nothing is encoded twice and the driver's
work after the last piece is the time it takes to copy the bytes.

Frames are numbered in presentation order, as :func:`~.video_io.read_frames` yields them; :func:`index_video`
reads the packets (not decoding them) to learn each frame's timestamp and which frames are keyframes.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import records
from ..errors import DeepDreamError
from ..files import atomic_output, first_line
from .video_io import (
    Frame,
    Soundtrack,
    VideoInfo,
    _av,
    _copied_sound,
    _encode,
    _encoded_sound,
    _video_stream,
    check_output,
)

#: Output containers whose pieces :func:`join` can put together by packet copy (a GIF's palette and a folder of
#: PNGs are made whole on the driver instead).
JOINABLE = frozenset({"mp4", "matroska", "webm"})
#: The container of a cut: Matroska holds any codec.
CUT_FORMAT = "matroska"


def _piece_container(muxer: str, like: VideoInfo) -> tuple[str, dict[str, str]]:
    """The container of an encoded piece of a ``muxer`` file, and its muxer options.

    MP4 keeps the time base and the decoding timestamps (Matroska keeps neither), given a movie time scale that
    is the video's own (by default the edit list that says where a piece starts is in milliseconds). VP9 goes
    into WebM as it is (it has no reordered frames).
    """
    if muxer == "webm":
        return "webm", {}
    return "mp4", {"movie_timescale": str(like.time_base.denominator)}


@dataclass(frozen=True)
class FrameIndex:
    """Every frame's presentation timestamp, in order, the numbers of the frames that are keyframes, and where
    the last frame ends."""

    pts: tuple[int, ...]
    keyframes: tuple[int, ...]
    end: int

    def keyframe_before(self, frame: int) -> int:
        """The number of the last keyframe at or before ``frame`` (the first frame, if none is)."""
        at = bisect.bisect_right(self.keyframes, frame) - 1
        return self.keyframes[at] if at >= 0 else 0

    def span(self, first: int, end: int) -> Span:
        """What to copy so that frames ``first`` .. ``end - 1`` decode: from the keyframe at or before ``first``."""
        key = self.keyframe_before(first)
        return Span(self.pts[key], self.pts[end] if end < len(self.pts) else None, end - key, first - key)

    def timing(self, first: int, end: int) -> list[tuple[int, int]]:
        """``(pts, duration)`` of frames ``first`` .. ``end - 1``, each lasting until the next is shown."""
        bounds = [*self.pts[first:end + 1]] if end < len(self.pts) else [*self.pts[first:end], self.end]
        return [(pts, max(1, after - pts)) for pts, after in itertools.pairwise(bounds)]


@dataclass(frozen=True)
class Span:
    """The packets a cut copies: from the keyframe at ``start`` (a pts) up to the last of the ``frames`` frames
    shown before ``stop`` (None: the end), the first ``lead`` of which come before the frames asked for."""

    start: int
    stop: int | None
    frames: int
    lead: int


def index_video(info: VideoInfo) -> FrameIndex:
    """The frames' timestamps and keyframes, from the packets (nothing is decoded)."""
    av = _av()
    stamps: list[tuple[int, bool]] = []
    try:
        with av.open(str(info.path)) as container:
            stream = _video_stream(container, info.path)
            stamps = [(packet.pts, packet.is_keyframe) for packet in container.demux(stream)
                      if packet.size and packet.pts is not None]
    except av.FFmpegError as exc:
        raise DeepDreamError(f"{info.path}: cannot read the video ({first_line(exc)})") from None
    stamps.sort()
    keyframes = tuple(number for number, (_, key) in enumerate(stamps) if key)
    return FrameIndex(tuple(pts for pts, _ in stamps), keyframes or (0,), info.end)


def cut(source: Path, span: Span, path: Path) -> None:
    """Copy the packets of ``span`` from the video ``source`` into ``path`` (Matroska, video only), untouched.

    Packets in decoding order from the span's keyframe on, until every frame shown before ``span.stop`` is in;
    frames shown before the keyframe (an open group of pictures' leading frames) are left out, so the cut
    decodes to exactly ``span.frames`` frames from its first, and perhaps a few after them (references).
    """
    av = _av()
    try:
        with atomic_output(path, errors=(OSError, av.FFmpegError)) as temporary, \
                av.open(str(source)) as container, av.open(str(temporary), "w", format=CUT_FORMAT) as output:
            stream = _video_stream(container, source)
            copy = output.add_stream_from_template(stream)
            packets = _packets_from(container, stream, span.start)
            wanted = span.frames
            for packet in packets:
                if packet.pts < span.start:
                    continue
                if span.stop is None or packet.pts < span.stop:
                    wanted -= 1
                packet.stream = copy
                output.mux(packet)
                if wanted == 0:
                    break
            if wanted:
                raise DeepDreamError(f"{source}: {wanted} frames of the cut from {span.start} were not found")
    except av.FFmpegError as exc:
        raise DeepDreamError(f"{source}: cannot cut the video ({first_line(exc)})") from None


def _reorder_delay(piece: Path) -> Fraction:
    """How far a piece's first decoding timestamp runs ahead of its first frame's presentation, in seconds."""
    av = _av()
    with av.open(str(piece)) as container:
        first = next(packet for packet in container.demux(container.streams.video[0]) if packet.size)
        return (first.pts - first.dts) * first.time_base if first.dts is not None else Fraction(0)


def _packets_from(container: Any, stream: Any, key: int) -> Any:
    """The stream's packets in decoding order from the keyframe at pts ``key``: a seek, or a read from the start
    where the file cannot seek there."""
    container.seek(key, stream=stream, backward=True, any_frame=False)
    packets = (packet for packet in container.demux(stream) if packet.size and packet.pts is not None)
    first = next(packets, None)
    if first is None or first.pts > key:  # the seek went past the keyframe: read from the start
        container.seek(0, stream=stream, backward=True, any_frame=False)
        packets = (packet for packet in container.demux(stream) if packet.size and packet.pts is not None)
        first = next(packets, None)
    while first is not None and not (first.pts == key and first.is_keyframe):
        first = next(packets, None)
    if first is None:
        raise DeepDreamError(f"{container.name}: no keyframe at {key}")
    yield first
    yield from packets


def encode_piece(path: Path, frames: Iterable[Frame], like: VideoInfo, output: Path, threads: int = 1) -> None:
    """Encode ``frames`` (with ``like``'s timestamps) into ``path`` as a piece of ``output``: its codec and
    settings, ``like``'s time base and rotation, no sound (:func:`join` adds it once), atomically, on
    ``threads`` (a worker's share of the machine; one thread makes the same bytes every time)."""
    av = _av()
    muxer = check_output(output, like)
    if muxer not in JOINABLE:
        raise DeepDreamError(f"{output}: pieces join by copy only into {', '.join(sorted(JOINABLE))}")
    frames = iter(frames)
    first = next(frames)
    container, options = _piece_container(muxer, like)
    with atomic_output(path, errors=(OSError, av.FFmpegError)) as temporary:
        _encode(temporary, muxer, itertools.chain([first], frames), replace(like, sound=None), first.pixels.shape,
                None, container=container, options=options, threads=threads)


def join(pieces: list[Path], output: Path, like: VideoInfo, record: Mapping[str, Any] | None = None,
         soundtrack: Soundtrack | None = None) -> None:
    """Put the encoded ``pieces`` of a video one after the other into ``output`` by packet copy (they carry
    ``like``'s timestamps), with ``like``'s sound track copied once (or ``soundtrack`` encoded), atomically.

    Pieces must come from the same encoder with the same settings (their codec headers are compared). Each
    piece's decoding timestamps run ahead of its presentation by its encoder's reordering delay, which depends on
    how many frames it has (a one-frame piece has none): all are put on the longest delay, so that decoding
    timestamps keep rising from one piece to the next.
    """
    av = _av()
    muxer = check_output(output, like)
    if muxer not in JOINABLE:
        raise DeepDreamError(f"{output}: pieces join by copy only into {', '.join(sorted(JOINABLE))}")
    with atomic_output(output, errors=(OSError, av.FFmpegError)) as temporary, \
            av.open(str(temporary), "w", format=muxer) as result, contextlib.ExitStack() as cleanup:
        if record is not None:
            result.metadata["comment"] = records.dumps(record)
        with av.open(str(pieces[0])) as first:
            template = first.streams.video[0]
            stream = result.add_stream_from_template(template)
            stream.codec_context.framerate = template.average_rate  # Matroska writes frame durations from it
            header = template.codec_context.extradata
        sound = None
        if soundtrack is not None:
            sound = _encoded_sound(soundtrack, result, "libopus" if muxer == "webm" else "aac")
        elif like.sound is not None:
            sound = _copied_sound(cleanup.enter_context(av.open(str(like.path))), result)
        delays = [_reorder_delay(piece) for piece in pieces]
        for piece, delay in zip(pieces, delays, strict=True):
            with av.open(str(piece)) as container:
                video = container.streams.video[0]
                if video.codec_context.extradata != header:
                    raise DeepDreamError(f"{piece}: encoded with other codec settings than {pieces[0].name} "
                                         "(different FFmpeg builds on the nodes?); it cannot be joined by copy")
                for packet in container.demux(video):
                    if not packet.size:
                        continue
                    if sound is not None:
                        sound.mux_until(packet.pts * packet.time_base)
                    packet.dts -= round((max(delays) - delay) / packet.time_base)
                    packet.stream = stream
                    result.mux(packet)
        if sound is not None:
            sound.mux_until(None)
