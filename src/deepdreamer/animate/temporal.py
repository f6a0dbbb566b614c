"""Where each video frame's dream starts: from the frame alone, blended with the last dream, or with the last
dream carried along the motion. Small pure functions on uint8 RGB arrays; the frame loop lives elsewhere.

Dreaming each frame alone flickers: the hallucinated eyes and fur appear in different places every frame.
DeepDreamVideo blends the last dream into the new frame, which steadies it but smears moving things (ghosts).
Ruder et al. 2016 start each frame from the last result warped by optical flow; here what is warped is the
dream's *residual* (dream minus its input frame, as DeepDreamAnim does), added to the new frame, so the photo
underneath is always the current frame, and only where the flow is trusted: newly revealed pixels start plain.
At full weight the residual is dreamed again on top of itself every frame and grows without end (DeepDreamAnim's
"brighter and brighter"); a weight below one makes it settle where the new steps add what the weight takes away.
The weight and the warm frames' share of steps were chosen by measurement: docs/video.md has the table
(``benchmarks/video_flicker.py``).
"""

from __future__ import annotations

import numpy as np

from ..errors import DeepDreamError
from .defaults import DEFAULT_TEMPORAL, TEMPORAL_MODES, WARM_SHARE
from .flow import DEFAULT_FLOW, optical_flow, trusted, warp

#: DeepDreamVideo's ``--blend 0.5``: half the last dream, half the new frame.
BLEND_WEIGHT = 0.5
#: Share of the last dream's residual carried into the next frame (benchmarks/video_flicker.py, docs/video.md).
RESIDUAL_WEIGHT = 0.8


def start_image(
    frame: np.ndarray,
    previous_frame: np.ndarray | None,
    previous_dream: np.ndarray | None,
    mode: str = DEFAULT_TEMPORAL,
    *,
    residual_weight: float = RESIDUAL_WEIGHT,
    flow_method: str = DEFAULT_FLOW,
) -> np.ndarray:
    """The image to dream for ``frame``, given the previous input frame and its dream (both None at the start)."""
    if mode not in TEMPORAL_MODES:
        raise DeepDreamError(f"unknown temporal mode {mode!r}; choose from {', '.join(TEMPORAL_MODES)}")
    if mode == "none" or previous_frame is None or previous_dream is None:
        return frame
    if previous_frame.shape != frame.shape or previous_dream.shape != frame.shape:
        raise DeepDreamError(f"the previous frame and dream must be {frame.shape}, not {previous_frame.shape} and "
                             f"{previous_dream.shape}")
    if mode == "blend":
        return blend(frame, previous_dream)
    return carry_residual(frame, previous_frame, previous_dream, residual_weight, flow_method)


def warm_iterations(iterations: int, mode: str = DEFAULT_TEMPORAL) -> int:
    """Iterations for every frame after the first: ``flow`` starts warm and needs fewer; the others start cold."""
    return max(1, round(iterations * WARM_SHARE)) if mode == "flow" and iterations > 0 else iterations


def blend(frame: np.ndarray, previous_dream: np.ndarray, weight: float = BLEND_WEIGHT) -> np.ndarray:
    """``weight`` of the last dream over the new frame, wherever things moved (DeepDreamVideo)."""
    mixed = weight * previous_dream.astype(np.float32) + (1 - weight) * frame.astype(np.float32)
    return _to_uint8(mixed)


def carry_residual(frame: np.ndarray, previous_frame: np.ndarray, previous_dream: np.ndarray,
                   weight: float = RESIDUAL_WEIGHT, flow_method: str = DEFAULT_FLOW) -> np.ndarray:
    """The new frame plus ``weight`` times the last dream's residual, moved along the flow where it is trusted."""
    if not 0 <= weight <= 1:
        raise DeepDreamError(f"residual weight must be between 0 and 1, not {weight}")
    to_previous = optical_flow(frame, previous_frame, flow_method)  # where each new pixel was
    back = optical_flow(previous_frame, frame, flow_method)
    residual = previous_dream.astype(np.float32) - previous_frame.astype(np.float32)
    carried = warp(residual, to_previous) * trusted(to_previous, back)[..., None]
    return _to_uint8(frame.astype(np.float32) + weight * carried)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)
