"""The page's defaults and limits, owned here once: ``deepdreamer serve``'s options and help read them, and so do
the server, its workspace and its jobs. This module imports nothing (no Gradio, PIL or torch), so
``deepdreamer serve --help`` stays instant without keeping copies."""

from __future__ import annotations

PORT = 7860
#: Largest upload and largest image (or video frame): a phone photo passes, a bomb does not.
MAX_UPLOAD_MB = 20
MAX_PIXELS = 40_000_000
#: Smaller photos are refused at upload: below this on a side, even the smallest octave holds no pattern.
MIN_PHOTO_SIDE = 32
#: The Video tab takes short clips only (a frame takes seconds to dream).
MAX_VIDEO_SECONDS = 10.0
MAX_VIDEO_FRAMES = 300
#: Seconds between live pictures: converting one costs a little of the dream's time (a 512 px picture:
#: ~5 ms to convert, ~5 ms to write as JPEG), so a picture a second keeps that far below 1%.
PREVIEW_EVERY = 1.0
