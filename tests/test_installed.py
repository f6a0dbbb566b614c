"""The product as installed: every command, run by the ``deepdreamer`` script of the environment running these
tests, exits 0 without a traceback and writes outputs that open.

CI installs the package the way users do (a wheel built from the checkout, not editable), so there this runs the
shipped files; a checkout installed with ``-e`` for development runs the same commands on the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

import deepdreamer

from .animate.clips import pan, write_clip
from .audio.clips import clip
from .conftest import small_photo

SCRIPT = Path(sys.executable).parent / "deepdreamer"
FAST = ["--iterations", "2", "--octaves", "1", "--seed", "1", "-q"]


def run(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """One command of the installed script; it must exit 0 and print no traceback."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}  # a busy 2-core machine: one thread a process
    done = subprocess.run([str(SCRIPT), *map(str, args)], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=timeout)
    command = " ".join(map(str, args))
    assert done.returncode == 0, f"deepdreamer {command}: exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("installed")
    small_photo("chelsea", width=256).save(folder / "photo.jpg")
    (folder / "photos").mkdir()
    for name in ("astronaut", "rocket"):
        small_photo(name, width=240).save(folder / "photos" / f"{name}.jpg")
    sf.write(folder / "voice.wav", clip(16_000, 0.5), 16_000)
    write_clip(folder / "clip.mp4", pan(count=3, size=(256, 160)), sound="aac")
    return folder


def test_ci_runs_the_installed_wheel_not_the_source_tree():
    package = Path(deepdreamer.__file__).resolve().parent
    assert SCRIPT.is_file(), f"no console script at {SCRIPT}"
    if os.environ.get("CI"):
        assert package.parent.name == "site-packages", f"CI imported deepdreamer from {package}, not from a wheel"


def test_the_instant_commands(inputs):
    assert run("--help", cwd=inputs).stdout.startswith("Usage: deepdreamer")
    assert run("--version", cwd=inputs).stdout.strip() == f"deepdreamer, version {deepdreamer.__version__}"
    assert "efficientnet_lite0:" in run("models", cwd=inputs).stdout
    assert "block10" in run("layers", cwd=inputs).stdout
    assert "Mixed_5b" in run("layers", "--model", "inception_v3", cwd=inputs).stdout
    assert "--max-video-frames" in run("serve", "--help", cwd=inputs).stdout
    assert "extras:" in run("doctor", cwd=inputs).stdout
    assert json.loads(run("doctor", "--json", cwd=inputs).stdout)["deepdreamer"]["version"] == deepdreamer.__version__


def test_the_still_commands(inputs):
    run("dream", "--example", "chelsea", "-o", "cat.png", *FAST, cwd=inputs)
    with Image.open(inputs / "cat.png") as picture:
        assert json.loads(picture.text["deepdreamer"])["deepdreamer"] == deepdreamer.__version__
        assert np.asarray(picture).std() > 10
    run("explore", "photo.jpg", "-n", "2", "--size", "256", "--iterations", "2", "--seed", "1", "-q", "-o", "sheet.png",
        cwd=inputs)
    run("filters", "efficientnet_lite0", "block5", "--channels", "0-1", "--size", "64", "--iterations", "4", "-q",
        "-o", "filters.png", cwd=inputs)
    for written in ("sheet.png", "filters.png"):
        with Image.open(inputs / written) as picture:
            picture.load()


def test_the_sound_command(inputs):
    run("audio", "voice.wav", "-o", "dream.wav", "--iterations", "1", "--octaves", "1", "--seed", "1", "-q", cwd=inputs)
    sound, rate = sf.read(inputs / "dream.wav")
    assert rate == 16_000 and len(sound) == 8_000


def test_the_moving_commands(inputs):
    run("zoom", "photo.jpg", "-o", "zoom.gif", "--frames", "3", "--size", "256", *FAST, cwd=inputs)
    run("video", "clip.mp4", "-o", "dream.mp4", "--size", "256", *FAST, cwd=inputs)
    with Image.open(inputs / "zoom.gif") as gif:
        assert gif.n_frames == 3
    with av.open(str(inputs / "dream.mp4")) as container:
        assert container.streams.video[0].frames == 3 and container.streams.audio


def test_a_folder_on_a_local_ray_instance(inputs):
    run("dream", "photos", "-o", "dreams", "--ray", "--ray-cpus", "1", *FAST, cwd=inputs, timeout=600)
    assert sorted(path.name for path in (inputs / "dreams").glob("*.png")) == ["astronaut.png", "rocket.png"]
