"""The README is true: its commands and its Python run as written, and its table of names matches ``dream()``.

The snippets run in a fresh folder holding the files they name (a small ``photo.jpg`` and ``new.jpg``, a
``photos`` folder of two, a three-frame ``clip.mp4`` with sound, a short ``voice.wav``), in order, each in its
own process, so one that fails to run, or exits with an error, fails here.
The install and test commands are the exception: CI runs the test command itself (checked below), and of the
install line only its ``deepdreamer`` part runs, with the ``.venv`` that runs these tests.
"""

from __future__ import annotations

import inspect
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import soundfile as sf

from deepdreamer.api import dream
from deepdreamer.cli import cli

from .animate.clips import pan, write_clip
from .audio.clips import clip
from .conftest import small_photo

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
#: Seconds one snippet may take (a small photo; most of it is starting Python and torch on a busy machine).
SNIPPET_TIMEOUT = 600


def readme_commands() -> list[str]:
    """The indented (shell) lines, in order."""
    return [line.strip() for line in README.splitlines() if line.startswith("    ") and line.strip()]


def readme_python() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_ci_runs_the_readme_test_command():
    install_and_dream, tests = readme_commands()[:2]
    assert "deepdreamer dream --example" in install_and_dream
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def _runnable(command: str) -> str:
    """The part of a README line that runs here: all of it, or an install line's ``deepdreamer`` commands."""
    parts = [part.strip() for part in command.split("&&")]
    if any("pip install" in part or "-m venv" in part for part in parts):
        return " && ".join(part for part in parts if "deepdreamer " in part.split("#")[0])
    return command


def test_every_readme_snippet_runs_as_written(tmp_path):
    small_photo("chelsea", width=96).save(tmp_path / "photo.jpg")
    small_photo("coffee", width=96).save(tmp_path / "new.jpg")
    sf.write(tmp_path / "voice.wav", clip(16_000, 0.5), 16_000)
    (tmp_path / "photos").mkdir()
    for name in ("astronaut", "rocket"):
        small_photo(name, width=64).save(tmp_path / "photos" / f"{name}.jpg")
    write_clip(tmp_path / "clip.mp4", pan(count=3), sound="aac")
    (tmp_path / ".venv").symlink_to(sys.prefix)  # the install line's .venv/bin/deepdreamer
    # one thread each: on a shared, busy machine two spinning threads per process make it several times slower
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                   "OMP_NUM_THREADS": "1"}
    commands = [_runnable(command) for command in readme_commands()[2:]]
    snippets = [["bash", "-c", command] for command in [_runnable(readme_commands()[0]), *commands]]
    snippets += [[sys.executable, "-c", code] for code in readme_python()]
    assert len(snippets) >= 10
    for snippet in snippets:
        run = subprocess.run(snippet, cwd=tmp_path, env=environment, capture_output=True, text=True,
                             timeout=SNIPPET_TIMEOUT)
        assert run.returncode == 0, f"{snippet[-1]}\n{run.stderr[-2000:]}"
    for written in ["final_dream.png", "dream.png", "new_dream.png", "photo_explore.png", "dream.wav", "channels.png",
                    "dreams/astronaut.png", "zoom.gif", "dream.mp4", "music.mp4"]:
        assert (tmp_path / written).is_file(), written


def test_the_readme_names_every_option_that_is_not_an_argument_of_the_same_name():
    table = re.search(r"\| command line \| `dream\(\)` \|\n\|---\|---\|\n(.*?)\n\n", README, re.DOTALL)
    assert table is not None
    rows = [line.split("|")[1:3] for line in table[1].splitlines()]
    options_named, arguments_named = " ".join(row[0] for row in rows), " ".join(row[1] for row in rows)
    command = cli.commands["dream"]
    arguments = inspect.signature(dream).parameters
    for param in command.params:
        if param.name == "help":
            continue
        spelled = param.opts[0].lstrip("-").replace("-", "_")
        if spelled != param.name or param.name not in arguments:  # not simply dream()'s argument of that name
            flag = param.opts[0] if param.opts[0].startswith("-") else param.human_readable_name.strip("[]")
            assert re.search(rf"`{re.escape(flag)}\b", options_named), f"{flag} is missing from the README's table"
    options = {param.name for param in command.params}
    for name in arguments:
        if name not in options:
            assert re.search(rf"`{name}\b", arguments_named), f"dream({name}=) is missing from the README's table"


def test_docs_commands_use_options_that_exist():
    """Renamed options keep their old spellings, but the docs show the current ones."""
    lines = [line.strip() for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
             for line in doc.read_text().splitlines() if line.startswith("    deepdreamer ")]
    assert len(lines) > 10
    for line in lines:
        for command_line in re.split(r"\s+#\s", line)[0].split(";"):
            words = shlex.split(command_line)
            command = cli.commands[words[1]]
            current = {name for param in command.params for name in param.opts
                       if name not in getattr(param, "hidden_aliases", ())}
            for word in words[2:]:
                if word.startswith("-") and not re.fullmatch(r"-?\d+(\.\d+)?", word):
                    assert word.split("=")[0] in current, f"{line}: {word}"
            context = command.make_context(words[1], words[2:], resilient_parsing=True)
            assert context.params.get("old_model") is None and context.params.get("second") is None, line


def test_the_python_snippet_shows_what_a_new_user_needs():
    code = readme_python()[0]
    assert "result.save(" in code and "a path, a PIL image or a NumPy array" in code
    assert all(name in code for name in ("stop=", "progress=", "params_to_options", "list_layers"))
