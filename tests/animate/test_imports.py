"""The video extra stays out of the way: nothing heavy is imported until a video or a flow is touched."""

from __future__ import annotations

import subprocess
import sys


def test_importing_animate_loads_neither_pyav_nor_opencv():
    code = "import sys, deepdreamer.animate; print(sorted({'av', 'cv2'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
