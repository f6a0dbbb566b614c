"""The moving dreams' defaults and limits, owned here once.

The API's signatures (:mod:`.zoom`, :mod:`.video`, :mod:`.render`), the commands' options and help text
(``cli/animate.py``) and the page's fields (``web/animation.py``) all read these names. This module imports
nothing (no torch, PIL, PyAV or OpenCV), so ``deepdreamer zoom --help`` stays instant without keeping copies.
"""

from __future__ import annotations

#: The extra that zoom and video need: PyAV (video files) and OpenCV (optical flow).
VIDEO_INSTALL_HINT = 'pip install "deepdreamer[video]"'

# --- zoom ------------------------------------------------------------------------------------------------------
#: A warm frame needs fewer steps than a still: it starts from the last dream.
ZOOM_OCTAVES, ZOOM_ITERATIONS = 2, 5
#: Frames of a zoom, at the frame rate below (5 seconds).
ZOOM_FRAMES, ZOOM_FPS = 120, 24.0
#: Google's 5% a frame.
ZOOM_FACTOR = 1.05
#: The longest side a zoom's frames are dreamed at.
ZOOM_SIZE = 540
#: Largest change of scale per frame either way (beyond it a frame is mostly resampling blur).
MAX_ZOOM_PER_FRAME = 2.0
#: Most frames in one zoom (about 14 minutes at 24 fps).
MAX_FRAMES = 20_000
#: Full strength of the colour guard: every frame's colour statistics held to the photo's.
GUARD = 1.0

# --- video -----------------------------------------------------------------------------------------------------
#: Steps of a video's first frame; octaves of every frame (video frames are dreamed at a few hundred pixels).
VIDEO_ITERATIONS, VIDEO_OCTAVES = 10, 3
#: How each frame starts: flow carries the last dream along the motion; blend mixes it in; none starts plain.
TEMPORAL_MODES = ("flow", "blend", "none")
DEFAULT_TEMPORAL = "flow"
#: A frame that starts from the carried dream needs this share of a still's iterations (3 of 10) to stay as
#: strong as a still: more makes the dream grow, fewer lets it fade (docs/video.md).
WARM_SHARE = 0.3
#: Video frames above this many pixels are refused unless told otherwise: DCI 4K (4096x2160) still passes.
VIDEO_MAX_PIXELS = 4096 * 2160
#: Frames a video chunk on Ray starts early, so its flow-carried dream is warm when its own frames begin.
WARMUP_FRAMES = 3
