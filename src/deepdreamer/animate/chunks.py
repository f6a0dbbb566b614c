"""A video cut into chunks for a cluster: the plan, its manifest, where the chunks' frames go, and the join.

A chunk is a run of consecutive frames dreamed as a video of its own, starting ``warmup`` frames early so that
its flow-carried dream is warm where its own frames begin (:func:`dream_chunk`); the warm-up frames are
crossfaded with the end of the chunk before when the chunks are joined (:func:`join_chunks`). The plan is kept
in the work folder (:class:`~.frames.Manifest`), so a resumed run cuts the video the same way whatever the
cluster is now, and each chunk's frames are a :class:`~.frames.FrameFolder` of their own inside it, written whole
or not at all. Nothing here needs Ray: :mod:`.cluster` sends the chunks to the actors.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .defaults import WARMUP_FRAMES
from .frames import FrameFolder, Manifest

if TYPE_CHECKING:
    from PIL import Image

    from .video_io import VideoInfo

#: The chunk plan's manifest in the work folder.
CHUNKS_FILE = "chunks.json"


@dataclass(frozen=True)
class ChunkPlan:
    """How a video of ``frame_count`` frames is cut: ``count`` even runs, each starting ``warmup`` frames early."""

    frame_count: int
    count: int
    warmup: int = WARMUP_FRAMES

    def pieces(self) -> list[tuple[int, int]]:
        """``(first, end)`` of each chunk, as even as can be, covering the video."""
        count = max(1, min(self.count, self.frame_count))
        bounds = [round(i * self.frame_count / count) for i in range(count + 1)]
        return list(itertools.pairwise(bounds))


def settle_plan(work: FrameFolder, frame_count: int, chunks: int | None, warmup: int,
                workers: Callable[[], int]) -> ChunkPlan:
    """The chunks of the run in ``work``: the earlier run's, or ``chunks`` (None: ``workers()``, one a worker)."""
    kept = Manifest(work.path / CHUNKS_FILE, "chunks").settle(
        {"frames": frame_count, "chunks": chunks, "warmup": warmup}, fill={"chunks": workers})
    return ChunkPlan(frame_count, kept["chunks"], kept["warmup"])


def dream_chunk(video: VideoInfo, first: int, end: int, warmup: int, *, seed: int, stop: threading.Event | None = None,
                **options: Any) -> tuple[list[Image.Image], bool]:
    """Frames ``first - warmup`` .. ``end - 1`` dreamed as a video of their own (the loop starts cold
    ``warmup`` frames early, so by ``first`` it is warm as a whole run would be); and whether it was stopped.

    The warm-up frames come back too: :func:`join_chunks` crossfades them with the chunk before.
    """
    from .video import dream_video

    made: list[Image.Image] = []
    result = dream_video(video, first=max(0, first - warmup), end=end, seed=seed, stop=stop,
                         progress=lambda r: made.append(r.result) if r.result is not None else None, **options)
    return made, result.stopped


def join_chunks(pieces: list[tuple[int, list[Image.Image]]], warmup: int) -> list[Image.Image]:
    """One sequence of frames from chunks given as ``(first, frames from first - warmup)``, in order.

    Where a chunk's warm-up frames overlap the end of the chunk before, the two are crossfaded, from the
    earlier chunk's frame to the later one's, so a join shows as a short dissolve rather than a cut.
    """
    from PIL import Image

    frames: list[Image.Image] = []
    for first, made in pieces:
        early = first - max(0, first - warmup)  # the warm-up frames this chunk made, already in ``frames``
        for offset, picture in enumerate(made[:early]):
            index = first - early + offset
            share = (offset + 1) / (early + 1)
            frames[index] = Image.blend(frames[index], picture, share)
        frames.extend(made[early:])
    return frames


def joined_frames(work: FrameFolder, plan: ChunkPlan) -> list[Image.Image]:
    """The chunks in ``work`` joined into one sequence of frames, overlaps crossfaded."""
    pieces = [(first, [image.convert("RGB") for image in work.chunk(number).frames()])
              for number, (first, _) in enumerate(plan.pieces())]
    return join_chunks(pieces, plan.warmup)
