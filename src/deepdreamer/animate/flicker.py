"""Flicker as a number: the warping error of Lai et al., "Learning Blind Video Temporal Consistency", ECCV 2018.

For each pair of frames, the output frame t is pulled back onto frame t-1 along the motion of the *input*
video, and the two are compared where that motion can be trusted:

    E(t) = sum_p M(p) * ||O[t-1](p) - warp(O[t], F[t-1 -> t])(p)||^2 / sum_p M(p),   E = mean over t

with pixels in [0, 1], the squared norm over the colour channels, F the input's optical flow and M its
non-occlusion mask. The input video's own score is the floor (flow and interpolation are not perfect); a dream
of each frame alone scores far above it. M here also leaves out pixels that move out of the frame, and the
flow is OpenCV's (DIS), not FlowNet2 as in the paper, so compare numbers with each other, not with the paper.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..errors import DeepDreamError
from .camera import CameraMove, move
from .flow import DEFAULT_FLOW, optical_flow, trusted, warp


@dataclass(frozen=True)
class Motion:
    """The input's motion from one frame to the next, and where it can be trusted."""

    flow: np.ndarray  # H x W x 2, frame t-1 -> frame t
    mask: np.ndarray  # H x W bool, True where not occluded


def input_motion(frames: Sequence[np.ndarray], method: str = DEFAULT_FLOW) -> list[Motion]:
    """Flow and non-occlusion mask for every consecutive pair of input frames (measure once, score many outputs)."""
    motion = []
    for previous, current in itertools.pairwise(frames):
        forward, backward = optical_flow(previous, current, method), optical_flow(current, previous, method)
        motion.append(Motion(forward, trusted(forward, backward)))
    return motion


def warping_errors(frames: Sequence[np.ndarray], motion: Sequence[Motion]) -> list[float]:
    """E(t) for t = 1 .. T-1: ``frames`` (uint8 RGB, the output) judged along the input's ``motion``."""
    if len(motion) != len(frames) - 1:
        raise DeepDreamError(f"{len(frames)} frames need {len(frames) - 1} motions, not {len(motion)}")
    errors = []
    for previous, current, step in zip(frames, frames[1:], motion, strict=False):
        pulled = warp(current.astype(np.float32) / 255, step.flow)
        squared = np.sum((previous.astype(np.float32) / 255 - pulled) ** 2, axis=-1)
        errors.append(float(squared[step.mask].sum() / max(int(step.mask.sum()), 1)))
    return errors


def warping_error(frames: Sequence[np.ndarray], motion: Sequence[Motion]) -> float:
    """The mean of :func:`warping_errors`: one number for a clip's flicker, lower is steadier."""
    return float(np.mean(warping_errors(frames, motion)))


def camera_residuals(frames: Sequence[Image.Image], motions: Sequence[CameraMove]) -> list[float]:
    """For a zoom: how much frame t differs from frame t-1 moved by the camera's own ``motions[t]`` (mean absolute
    difference, 0..255), for t = 1 .. T-1. What is left is what the dream changed: the part that follows a sound."""
    if len(motions) != len(frames):
        raise DeepDreamError(f"{len(frames)} frames need as many camera moves, not {len(motions)}")
    residuals = []
    for t in range(1, len(frames)):
        expected = np.asarray(move(frames[t - 1], motions[t]), dtype=np.float32)
        residuals.append(float(np.abs(np.asarray(frames[t], dtype=np.float32) - expected).mean()))
    return residuals
