"""What the page tells its user: the status line escapes what it quotes, and a clip job's end says what was kept."""

from __future__ import annotations

import pytest

pytest.importorskip("gradio", reason="the web extra is not installed")

from deepdreamer.progress import Progress
from deepdreamer.web.messages import clip_ended, status


def test_the_status_line_escapes_what_it_quotes_and_shows_the_progress():
    line = status("unknown model '<b>x</b>'", kind="error")
    assert line == '<div class="dd-status dd-error"><span>unknown model &#x27;&lt;b&gt;x&lt;/b&gt;&#x27;</span></div>'
    running = status("step 3/10", Progress("dream", 0, 1, 3, 10, 1.0, 0.5, 0.25))
    assert '<progress max="1" value="0.250"></progress>' in running and status("") == ""


def test_a_clip_jobs_end_says_what_was_kept():
    assert clip_ended("zoom seed 3", "4 s", 3, 3, False, 0) == ("zoom seed 3: done, 3 frames in 4 s", "done")
    assert clip_ended("zoom seed 3", "4 s", 2, 120, True, 0) == (
        "zoom seed 3: stopped after 4 s; kept the 2 of 120 frames made so far", "stopped")
    assert clip_ended("video seed 1", "1 s", 0, 8, True, 0) == (
        "video seed 1: stopped after 1 s, before its first frame was done", "stopped")
    assert clip_ended("video seed 1", "9 s", 8, 8, False, 2)[0].endswith("(2 damaged frames of the source skipped or "
                                                                      "repaired)")
