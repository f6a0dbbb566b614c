"""A video in pieces without re-encoding (:mod:`deepdreamer.animate.video_pieces`) and what a chunk comes back as
(:mod:`deepdreamer.animate.chunks`), on real H.264 clips with B-frames, no Ray needed."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from deepdreamer.animate.chunks import ChunkPiece, ChunkPlan, joined_frames, write_piece
from deepdreamer.animate.frames import FrameFolder
from deepdreamer.animate.video_io import Frame, probe_video, read_frames, write_video
from deepdreamer.animate.video_pieces import cut, encode_piece, index_video, join
from deepdreamer.errors import DeepDreamError

from .clips import pan, sound_packets, write_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """30 frames, a keyframe every 8 (B-frames between), turned 90 degrees, with a sound track."""
    return write_clip(tmp_path_factory.mktemp("clip") / "pan.mp4", pan(30, step=2), keyframes_every=8, rotation=90,
                      sound="aac")


def _pixels(path: Path) -> list[np.ndarray]:
    return [frame.pixels for frame in read_frames(probe_video(path))]


def test_the_index_knows_every_frame_and_keyframe(clip):
    index = index_video(probe_video(clip))
    assert len(index.pts) == 30 and list(index.pts) == sorted(index.pts)
    assert index.keyframes == (0, 8, 16, 24)
    assert index.keyframe_before(7) == 0 and index.keyframe_before(8) == 8 and index.keyframe_before(29) == 24
    timing = index.timing(0, 30)
    assert [pts for pts, _ in timing] == [frame.pts for frame in read_frames(probe_video(clip))]
    assert sum(duration for _, duration in timing) == index.end


@pytest.mark.parametrize(("first", "end"), [(0, 5), (11, 20), (16, 24), (27, 30)])
def test_a_cut_decodes_to_the_same_frames_from_its_keyframe_on(clip, tmp_path, first, end):
    index = index_video(probe_video(clip))
    span = index.span(first, end)
    cut(clip, span, tmp_path / "cut.mkv")
    everything, part = _pixels(clip), _pixels(tmp_path / "cut.mkv")
    assert span.lead == first - index.keyframe_before(first) < 8  # at most one group of pictures before
    assert len(part) >= span.frames and all(
        np.array_equal(a, b) for a, b in zip(part[:span.frames], everything[first - span.lead:end], strict=True))
    assert (tmp_path / "cut.mkv").stat().st_size < clip.stat().st_size


def _encode(path: Path, clip: Path, first: int, end: int, output: Path) -> Path:
    info = probe_video(clip)
    frames = list(read_frames(info))[first:end]
    encode_piece(path, (Frame(f.pixels, pts, duration) for f, (pts, duration)
                        in zip(frames, index_video(info).timing(first, end), strict=True)), info, output)
    return path


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".webm"])
def test_pieces_join_by_copy_with_the_sources_times_turn_and_sound(clip, tmp_path, suffix):
    info = probe_video(clip)
    if suffix == ".webm":  # WebM holds Opus, not AAC
        clip = write_clip(tmp_path / "opus.mp4", pan(30, step=2), keyframes_every=8, rotation=90, sound="libopus")
        info = probe_video(clip)
    output = tmp_path / f"joined{suffix}"
    pieces = [_encode(tmp_path / f"piece{first}{suffix}", clip, first, end, output)
              for first, end in [(0, 1), (1, 4), (4, 12), (12, 30)]]  # a one-frame piece has no B-frames
    join(pieces, output, info, {"kind": "test"})
    joined = probe_video(output)
    assert joined.frame_count == 30 and joined.rotation == 90
    whole = tmp_path / f"whole{suffix}"  # the same frames encoded in one piece, as a local run writes them
    write_video(whole, read_frames(info), info)
    assert [f.pts for f in read_frames(joined)] == [f.pts for f in read_frames(probe_video(whole))]
    assert sound_packets(output) == sound_packets(clip)
    source = _pixels(clip)
    assert all(np.abs(a.astype(int) - b).mean() < 6 for a, b in zip(_pixels(output), source, strict=True))
    with av.open(str(output)) as container:
        assert '"kind": "test"' in {key.lower(): value for key, value in container.metadata.items()}["comment"]


def test_pieces_from_another_encoder_are_refused_and_nothing_is_written(clip, tmp_path):
    info = probe_video(clip)
    output = tmp_path / "joined.mp4"
    one = _encode(tmp_path / "one.mp4", clip, 0, 9, output)
    small = replace(info, width=info.width // 2)
    other = tmp_path / "other.mp4"
    encode_piece(other, (Frame(f.pixels[::2, ::2].copy(), f.pts, f.duration) for f in read_frames(info)), small,
                 output)
    with pytest.raises(DeepDreamError, match="other codec settings"):
        join([one, other], output, info)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.mp4", "other.mp4"]


def test_a_gif_is_not_joined_by_copy(clip, tmp_path):
    with pytest.raises(DeepDreamError, match="join by copy only"):
        join([clip], tmp_path / "out.gif", probe_video(clip))


def _png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (shade, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_chunks_overlap_by_the_warm_up_and_crossfade_into_one_sequence(tmp_path):
    plan = ChunkPlan(12, 3, warmup=3)
    tasks = plan.tasks()
    assert [(t.first, t.end, t.early, t.tail) for t in tasks] == [(0, 4, 0, 3), (4, 8, 3, 3), (8, 12, 3, 0)]
    assert len(ChunkPlan(12, 5, warmup=3).pieces()) == 3  # every chunk longer than the warm-up
    work = FrameFolder(tmp_path / "work")
    for task in tasks:  # frame k of chunk n is shade 100 n + k; warm-up frames are the chunk's own
        made = [_png(100 * task.number + k) for k in range(task.first - task.early, task.end)]
        body_end = len(made) - task.tail
        write_piece(work, task, ChunkPiece(made[:task.early], made[task.early:body_end], made[body_end:]), ".png")
    with pytest.raises(DeepDreamError, match="already holds files"):
        write_piece(work, tasks[0], ChunkPiece([], [_png(0)], []), ".png")
    shades = [frame.getpixel((0, 0))[0] for frame in joined_frames(work, tasks)]
    # frame 1: a quarter of chunk 1's first warm-up frame over chunk 0's frame 1, then a half, three quarters
    assert shades[0] == 0 and shades[4] == 104 and shades[8] == 208 and len(shades) == 12
    assert shades[1:4] == [round(1 * 0.75 + 101 * 0.25), round(2 * 0.5 + 102 * 0.5), round(3 * 0.25 + 103 * 0.75)]
