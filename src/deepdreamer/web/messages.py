"""What the page tells its user: the status line under each Run button, toasts, and how a clip job ended.

Everything here escapes its text (a message can quote a user's input, and Gradio renders toasts and the status
line as HTML). Nothing of the server's own (paths, tracebacks) is ever put in a message.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr


def warn(message: str) -> None:
    """A toast (Gradio renders its text as HTML: escaped, as it may quote a user's input)."""
    gr.Warning(html.escape(message))


def refusal(message: str) -> gr.Error:
    """An error toast that also stops the events chained after this one (the server's log gets no traceback: the
    message is the user's to act on)."""
    return gr.Error(html.escape(message), print_exception=False)


def status(text: str, record: Any = None, *, kind: str = "running") -> str:
    """The status line's HTML: a progress bar while a job runs, then how it ended (``kind``: done, stopped,
    error); the text is escaped (it can quote a user's input)."""
    bar = "" if record is None else f'<progress max="1" value="{record.fraction:.3f}"></progress> '
    return f'<div class="dd-status dd-{kind}">{bar}<span>{html.escape(text)}</span></div>' if text else ""


def clip_ended(what: str, took: str, made: int, total: int, stopped: bool, damaged: int) -> tuple[str, str]:
    """How a zoom or video job ended, and the status line's kind for it."""
    if made == 0:
        return f"{what}: stopped after {took}, before its first frame was done", "stopped"
    done = (f"{what}: stopped after {took}; kept the {made} of {total} frames made so far" if stopped
            else f"{what}: done, {made} frames in {took}")
    if damaged:
        done += f" ({damaged} damaged frames of the source skipped or repaired)"
    return done, "stopped" if stopped else "done"
