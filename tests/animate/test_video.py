"""The video frame loop on a real (tiny) dreamed pan: flow flickers least, and the loop resumes exactly."""

from __future__ import annotations

import numpy as np
import pytest

from deepdreamer.animate.flicker import input_motion, warping_error
from deepdreamer.animate.video import dream_video, frame_size, upright_frames
from deepdreamer.animate.video_io import probe_video

from .clips import pan, write_clip

STEP = 3


pytestmark = pytest.mark.usefixtures("one_thread")


def _dreams(video, **options) -> list[np.ndarray]:
    frames: list[np.ndarray] = []
    result = dream_video(video, seed=0, num_octaves=2, progress=lambda r: frames.append(np.asarray(r.result))
                         if r.result is not None else None, **options)
    assert result.made == len(frames) and not result.stopped
    return frames


def test_on_a_dreamed_pan_flow_flickers_least(tmp_path):
    """Few steps on tiny frames, but the real loop and model: flow < half of none, and < blend."""
    video = probe_video(write_clip(tmp_path / "pan.mp4", pan(6, size=(128, 96), step=STEP)))
    motion = input_motion([pixels for _, pixels in upright_frames(video, None)])
    none = warping_error(_dreams(video, temporal="none", iterations=4), motion)
    flow = warping_error(_dreams(video, temporal="flow", iterations=6), motion)  # 6 first, 2 warm
    blended = warping_error(_dreams(video, temporal="blend", iterations=4), motion)
    assert flow < none / 2
    assert flow < blended


def test_a_loop_started_from_a_middle_frame_continues_exactly(tmp_path):
    video = probe_video(write_clip(tmp_path / "pan.mp4", pan(5, size=(96, 64))))
    whole = _dreams(video, iterations=3)
    tail: list[np.ndarray] = []
    dream_video(video, seed=0, num_octaves=2, iterations=3, first=2, previous_dream=whole[1],
                progress=lambda r: tail.append(np.asarray(r.result)) if r.result is not None else None)
    assert len(tail) == 3 and all(np.array_equal(a, b) for a, b in zip(whole[2:], tail, strict=True))


def test_frames_shrink_to_an_even_size_on_their_long_side(tmp_path):
    video = probe_video(write_clip(tmp_path / "pan.mp4", pan(2, size=(96, 64)), rotation=90))
    assert frame_size(video, None) == (64, 96)  # upright
    assert frame_size(video, 50) == (34, 50)
