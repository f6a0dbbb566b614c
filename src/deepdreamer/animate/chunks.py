"""A video cut into chunks for a cluster: the plan, what one chunk is made into, where it is kept, and the join.

A chunk is a run of consecutive frames dreamed as a video of its own, starting ``warmup`` frames early so that
its flow-carried dream is warm where its own frames begin. Its worker gets only the source's packets it needs
(:func:`~.video_pieces.cut`, from the keyframe at or before its first frame) and gives back a
:class:`ChunkPiece`: the warm-up frames and the last frames (the ones the next chunk's warm-up overlaps) as PNGs,
to be crossfaded at the joins, and the frames between them encoded with the output's codec (or as PNGs where the
output cannot be joined by copy: a GIF, a folder of frames). The driver encodes each crossfade as a small piece
of its own as soon as both neighbours are in (:func:`encode_joins`), and puts everything together by packet
copy (:func:`write_chunked`), so nothing waits for it after the last chunk but copying bytes.

The plan is kept in the work folder (:class:`~.frames.Manifest`), so a resumed run cuts the video the same way
whatever the cluster is now; each chunk's piece is a folder of its own inside it, written whole or not at all,
and a rerun dreams only the chunks that are missing. Nothing here needs Ray: :mod:`.cluster` sends the chunks
to the actors, and the same functions dream them on one machine.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import atomic_folder
from .defaults import WARMUP_FRAMES
from .frames import FrameFolder, Manifest

if TYPE_CHECKING:
    from PIL import Image

    from .video_io import Soundtrack, VideoInfo
    from .video_pieces import FrameIndex, Span

#: The chunk plan's manifest in the work folder.
CHUNKS_FILE = "chunks.json"
#: What a chunk's folder holds (the body is ``body.<suffix>`` when encoded, else ``body000000.png``, ...).
HEAD, BODY, TAIL = "head", "body", "tail"


@dataclass(frozen=True)
class ChunkPlan:
    """How a video of ``frame_count`` frames is cut: ``count`` even runs, each starting ``warmup`` frames early."""

    frame_count: int
    count: int
    warmup: int = WARMUP_FRAMES

    def pieces(self) -> list[tuple[int, int]]:
        """``(first, end)`` of each chunk, as even as can be, covering the video; each longer than ``warmup``, so
        that a chunk's warm-up overlaps only the chunk before it."""
        count = max(1, min(self.count, self.frame_count // (self.warmup + 1)))
        bounds = [round(i * self.frame_count / count) for i in range(count + 1)]
        return list(itertools.pairwise(bounds))

    def tasks(self, index: FrameIndex | None = None) -> list[ChunkTask]:
        """What each chunk's worker is given; with the source's ``index``, the span to cut and the timing of the
        frames it encodes (without, its frames come back as PNGs)."""
        pieces = self.pieces()
        early = [min(self.warmup, first) for first, _ in pieces]
        tasks = []
        for number, (first, end) in enumerate(pieces):
            tail = early[number + 1] if number + 1 < len(pieces) else 0
            if index is None:
                tasks.append(ChunkTask(number, first, end, early[number], tail))
            else:
                start = first - early[number]
                tasks.append(ChunkTask(number, first, end, early[number], tail, index.span(start, end),
                                       tuple(index.timing(start, end - tail))))
        return tasks


@dataclass(frozen=True)
class ChunkTask:
    """One chunk: frames ``first - early`` .. ``end - 1`` are dreamed; the ``early`` warm-up frames and the last
    ``tail`` come back as PNGs for the joins; ``span`` says which packets of the source it needs, ``timing``
    the ``(pts, duration)`` of frames ``first - early`` .. ``end - tail - 1`` in the source."""

    number: int
    first: int
    end: int
    early: int
    tail: int
    span: Span | None = None
    timing: tuple[tuple[int, int], ...] = ()

    @property
    def name(self) -> str:
        return f"chunk{self.number:04d}"


@dataclass
class ChunkPiece:
    """What a chunk comes back as: PNGs of its warm-up frames (``head``) and of the frames the next chunk
    overlaps (``tail``), and the frames between (``body``): an encoded piece's bytes, or PNGs."""

    head: list[bytes]
    body: bytes | list[bytes]
    tail: list[bytes]
    lead: int = 0  # frames decoded (and dropped) before the first dreamed one: at most one group of pictures


def settle_plan(work: FrameFolder, frame_count: int, chunks: int | None, warmup: int, encoded: bool,
                workers: Callable[[], int]) -> ChunkPlan:
    """The chunks of the run in ``work``: the earlier run's, or ``chunks`` (None: ``workers()``, one a worker)."""
    kept = Manifest(work.path / CHUNKS_FILE, "chunks").settle(
        {"frames": frame_count, "chunks": chunks, "warmup": warmup, "encoded": encoded}, fill={"chunks": workers})
    return ChunkPlan(frame_count, kept["chunks"], kept["warmup"])


def dream_chunk(cut: Path, task: ChunkTask, *, like: VideoInfo | None, output: Path | None, seed: int,
                max_pixels: int, threads: int = 1, stop: threading.Event | None = None,
                **options: Any) -> ChunkPiece | None:
    """Dream ``task``'s frames from ``cut`` (its packets, :func:`~.video_pieces.cut`; or the whole source) as a
    video of their own: cold ``early`` frames before its first, so by then it is warm as a whole run would be.
    With ``like`` (the source) and ``output``, the body is encoded as a piece of ``output`` on ``threads``, frame
    by frame as they are dreamed (a chunk of a film never waits whole in memory); None if stopped."""
    import queue
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from .video import dream_video
    from .video_io import probe_video
    from .video_pieces import encode_piece

    lead = 0 if task.span is None else task.span.lead
    count = task.end - task.first + task.early
    head: list[Image.Image] = []
    body: list[bytes] = []
    tail: list[Image.Image] = []
    frames: queue.SimpleQueue[Image.Image | None] = queue.SimpleQueue()
    encoded = like is not None and output is not None

    made = [0]

    def keep(picture: Image.Image) -> None:
        index, made[0] = made[0], made[0] + 1
        if index < task.early:
            head.append(picture)
        elif index >= count - task.tail:
            tail.append(picture)
        elif encoded:
            frames.put(picture)
        else:
            body.extend(_pngs([picture]))

    with tempfile.TemporaryDirectory(prefix="deepdreamer-piece-") as folder, ThreadPoolExecutor(1) as encoder:
        piece = Path(folder) / f"{BODY}{output.suffix if output is not None else ''}"
        writing = encoder.submit(encode_piece, piece, _timed(iter(frames.get, None), task.timing[task.early:], like),
                                 like, output, threads) if encoded else None
        result = dream_video(probe_video(cut, max_pixels), first=lead, end=lead + count, seed=seed, stop=stop,
                             progress=lambda r: keep(r.result) if r.result is not None else None, **options)
        frames.put(None)
        if result.stopped:
            return None
        if writing is not None:
            writing.result()
        return ChunkPiece(_pngs(head), piece.read_bytes() if encoded else body, _pngs(tail), lead)


def _timed(pictures: list[Image.Image], timing: Any, like: VideoInfo) -> Any:
    """Dreamed pictures (upright) as frames with the source's timestamps, stored the way the source stores them."""
    import numpy as np

    from .video_io import Frame, stored

    for picture, (pts, duration) in zip(pictures, timing, strict=False):
        yield Frame(stored(np.asarray(picture.convert("RGB")), like.rotation), pts, duration)


def write_piece(work: FrameFolder, task: ChunkTask, piece: ChunkPiece, suffix: str) -> None:
    """Keep a chunk's piece in its folder in ``work``, which appears whole or not at all."""
    with atomic_folder(work.path / task.name) as folder:
        for part, pngs in ((HEAD, piece.head), (TAIL, piece.tail)):
            for number, png in enumerate(pngs):
                (folder / f"{part}{number:06d}.png").write_bytes(png)
        if isinstance(piece.body, bytes):
            (folder / f"{BODY}{suffix}").write_bytes(piece.body)
        else:
            for number, png in enumerate(piece.body):
                (folder / f"{BODY}{number:06d}.png").write_bytes(png)


def is_done(work: FrameFolder, task: ChunkTask) -> bool:
    return (work.path / task.name).is_dir()


def _frames(folder: Path, part: str) -> list[Image.Image]:
    from ..images import read_image

    return [read_image(path).image.convert("RGB") for path in sorted(folder.glob(f"{part}*.png"))]


def _crossfade(before: list[Image.Image], after: list[Image.Image]) -> list[Image.Image]:
    """The earlier chunk's last frames dissolving into the later one's warm-up frames over the overlap."""
    from PIL import Image

    return [Image.blend(a, b, (offset + 1) / (len(after) + 1))
            for offset, (a, b) in enumerate(zip(before, after, strict=True))]


def _join_path(work: FrameFolder, task: ChunkTask, output: Path) -> Path:
    """The crossfade into ``task`` from the chunk before, encoded."""
    return work.path / f"join{task.number:04d}{output.suffix}"


def encode_joins(work: FrameFolder, tasks: list[ChunkTask], like: VideoInfo, output: Path,
                 around: ChunkTask | None = None) -> None:
    """Encode each crossfade whose two chunks are in ``work`` and that is not there yet (a small piece each, on
    one thread: the same bytes every time); only the two next to ``around`` (a chunk that just came in), if given."""
    from .video_pieces import encode_piece

    for before, after in itertools.pairwise(tasks):
        if around is not None and around.number not in (before.number, after.number):
            continue
        path = _join_path(work, after, output)
        if path.exists() or not (is_done(work, before) and is_done(work, after)):
            continue
        frames = _crossfade(_frames(work.path / before.name, TAIL), _frames(work.path / after.name, HEAD))
        encode_piece(path, _timed(frames, after.timing[:after.early], like), like, output)


def join_encoded(work: FrameFolder, tasks: list[ChunkTask], like: VideoInfo, output: Path,
                 record: Mapping[str, Any], soundtrack: Soundtrack | None = None) -> None:
    """The clip from the encoded chunks in ``work`` and their crossfades, joined by packet copy, with the
    source's sound copied once (or ``soundtrack`` under it)."""
    from .video_pieces import join

    encode_joins(work, tasks, like, output)
    pieces = [work.path / tasks[0].name / f"{BODY}{output.suffix}"]
    for task in tasks[1:]:
        pieces += [_join_path(work, task, output), work.path / task.name / f"{BODY}{output.suffix}"]
    join(pieces, output, like, record, soundtrack)


def joined_frames(work: FrameFolder, tasks: list[ChunkTask]) -> list[Image.Image]:
    """The frames of the chunks in ``work`` that came back as PNGs, in one sequence, overlaps crossfaded."""
    frames: list[Image.Image] = []
    for task in tasks:
        folder = work.path / task.name
        if task.early:
            frames[len(frames) - task.early:] = _crossfade(frames[len(frames) - task.early:], _frames(folder, HEAD))
        frames += _frames(folder, BODY) + _frames(folder, TAIL)
    return frames


def _pngs(pictures: list[Image.Image]) -> list[bytes]:
    import io

    from ..images import QUICK_PNG

    out = []
    for picture in pictures:
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG", compress_level=QUICK_PNG)
        out.append(buffer.getvalue())
    return out
