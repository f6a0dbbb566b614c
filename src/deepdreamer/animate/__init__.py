"""Dreams that move: video frames in and out, optical flow, flicker measured, and where each frame's dream starts.

Reading and writing video and computing flow need the extra ``deepdreamer[video]`` (PyAV, OpenCV headless),
imported only when used, so importing this package stays as light as ``import deepdreamer``.
"""

from .flicker import Motion, input_motion, warping_error, warping_errors
from .flow import DEFAULT_FLOW, FLOW_METHODS, optical_flow, trusted, warp
from .temporal import DEFAULT_TEMPORAL, TEMPORAL_MODES, blend, carry_residual, start_image, warm_iterations
from .video_io import Frame, VideoInfo, check_output, probe_video, read_frames, stored, upright, write_video

__all__ = [
    "DEFAULT_FLOW", "DEFAULT_TEMPORAL", "FLOW_METHODS", "TEMPORAL_MODES", "Frame", "Motion", "VideoInfo", "blend",
    "carry_residual", "check_output", "input_motion", "optical_flow", "probe_video", "read_frames", "start_image",
    "stored", "trusted", "upright", "warm_iterations", "warp", "warping_error", "warping_errors", "write_video",
]
