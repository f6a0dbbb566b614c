"""Optical flow between frames, warping by a flow, and where a flow can be trusted (OpenCV).

A flow here is an ``H x W x 2`` float32 array of displacements (dx, dy) in pixels, read as: the pixel at ``p``
in ``source`` is found at ``p + flow(p)`` in ``target``. So ``warp(target, flow)`` pulls ``target`` back onto
``source``'s grid, which is how both the flicker measure (Lai et al. 2018) and the warm start of each frame
(Ruder et al. 2016) use it. OpenCV is the optional extra ``deepdreamer[video]``, imported only here.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from ..errors import DeepDreamError
from .defaults import VIDEO_INSTALL_HINT

#: OpenCV's methods by name. DIS ("dense inverse search") at its "medium" preset is the default: on camera
#: motion with a known flow at 540x360 it misses by 0.08 px on average and takes 0.05 s a direction (2 busy
#: cores), where Farneback with DeepDreamAnim's parameters misses by 2 px (4.7 px on a fast pan) and takes
#: 0.10 s. The faster DIS presets trade accuracy for time (benchmarks/optical_flow.py, docs/video.md).
FLOW_METHODS = ("dis-medium", "dis-fast", "dis-ultrafast", "farneback")
DEFAULT_FLOW = "dis-medium"
#: Farneback as DeepDreamAnim calls it: pyramid scale, levels, window, iterations, poly_n, poly_sigma, flags.
FARNEBACK_PARAMETERS = (0.5, 3, 15, 3, 5, 1.2, 0)
#: Ruder et al. 2016, eq. 5 and 6: a flow and its reverse disagree (occlusion), or the flow changes fast
#: (a motion boundary), by more than these relative and absolute amounts, in squared pixels.
OCCLUSION_RELATIVE, OCCLUSION_ABSOLUTE = 0.01, 0.5
BOUNDARY_RELATIVE, BOUNDARY_ABSOLUTE = 0.01, 0.002


def _cv2() -> ModuleType:
    try:
        import cv2
    except ImportError:
        raise DeepDreamError(f"video needs PyAV and OpenCV: {VIDEO_INSTALL_HINT}") from None
    return cv2


def optical_flow(source: np.ndarray, target: np.ndarray, method: str = DEFAULT_FLOW) -> np.ndarray:
    """Dense flow from ``source`` to ``target`` (RGB or gray, uint8, same size): see the module docstring."""
    cv2 = _cv2()
    if method not in FLOW_METHODS:
        raise DeepDreamError(f"unknown optical flow method {method!r}; choose from {', '.join(FLOW_METHODS)}")
    if source.shape != target.shape:
        raise DeepDreamError(f"frames of different sizes {source.shape[:2]} and {target.shape[:2]} have no flow")
    a, b = _gray(source), _gray(target)
    if method == "farneback":
        flow = cv2.calcOpticalFlowFarneback(a, b, None, *FARNEBACK_PARAMETERS)
    else:
        preset = {"dis-medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, "dis-fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
                  "dis-ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST}[method]
        flow = cv2.DISOpticalFlow_create(preset).calc(a, b, None)
    return flow.astype(np.float32, copy=False)


def _gray(image: np.ndarray) -> np.ndarray:
    cv2 = _cv2()
    image = np.ascontiguousarray(image, dtype=np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` sampled at ``p + flow(p)`` for every ``p`` (bilinear), as float32; edges repeat outside."""
    cv2 = _cv2()
    height, width = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    source = np.ascontiguousarray(image, dtype=np.float32)
    return cv2.remap(source, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def trusted(flow: np.ndarray, reverse: np.ndarray) -> np.ndarray:
    """Where ``flow`` can be followed: True unless the pixel is occluded, on a motion boundary, or leaves the frame.

    ``reverse`` is the flow the other way (target to source). Following ``flow`` and then ``reverse`` should
    come back to the start; where it does not, the pixel was hidden in one frame (Ruder et al. 2016's
    forward-backward check, eq. 5). Where ``flow`` changes sharply it is unreliable (eq. 6). Pixels whose
    target lies outside the frame have nothing to bring back (a pan's newly revealed edge).
    """
    back = warp(reverse, flow)  # the reverse flow where each pixel lands
    round_trip = np.sum((back + flow) ** 2, axis=-1)
    occluded = round_trip > OCCLUSION_RELATIVE * (np.sum(back**2, axis=-1) + np.sum(flow**2, axis=-1)) \
        + OCCLUSION_ABSOLUTE
    (du_dy, du_dx), (dv_dy, dv_dx) = np.gradient(flow[..., 0]), np.gradient(flow[..., 1])
    boundary = du_dx**2 + du_dy**2 + dv_dx**2 + dv_dy**2 > BOUNDARY_RELATIVE * np.sum(flow**2, axis=-1) \
        + BOUNDARY_ABSOLUTE
    height, width = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(width), np.arange(height))
    x, y = xs + flow[..., 0], ys + flow[..., 1]
    outside = (x < 0) | (x > width - 1) | (y < 0) | (y > height - 1)
    return ~(occluded | boundary | outside)
