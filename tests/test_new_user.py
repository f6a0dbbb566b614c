"""A new user's first hour (issue 17), one test per group: what people pass to the API, numbers that overflow or
explode, and help and names that guide.

Each group's bad inputs run in one fresh process, so its peak memory is theirs. Every input must end in one line
(a ``DeepDreamError`` from the API; exit status 2 and ``deepdreamer: error: ...`` from the command line), with no
traceback, and the group within :data:`SECONDS` and :data:`PEAK_BYTES`: the audio cases would otherwise allocate
terabytes, and ``explore -n 100000`` would start 100,000 dreams.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from .audio.clips import clip
from .conftest import small_photo

#: Wall-clock bound for one group: starting Python and torch and loading Lite0 on a busy 2-core machine.
SECONDS = 180
#: Peak memory bound for one group: the runtime and Lite0 take ~0.6 GB; no case may add gigabytes.
PEAK_BYTES = 2 * 2**30

#: Run in the child: each case is ("api", expression) or ("cli", argv); prints one JSON line of results.
CHILD = r"""
import contextlib, io, json, math, sys, time, traceback
import numpy as np
import deepdreamer as dd
from deepdreamer.audio import dream_audio, read_audio
from deepdreamer.cli import main

folder, cases = sys.argv[1], json.loads(sys.argv[2])
photo, voice = f"{folder}/photo.png", f"{folder}/voice.wav"
clip = read_audio(voice).samples
results = []
for kind, case in cases:
    start, stderr = time.perf_counter(), io.StringIO()
    with contextlib.redirect_stderr(stderr):
        if kind == "cli":
            outcome = main(case)
        else:
            try:
                eval(case)
                outcome = "no error"
            except dd.DeepDreamError as exc:
                outcome = str(exc)
            except Exception:
                outcome = traceback.format_exc()
    results.append([case, outcome, stderr.getvalue(), time.perf_counter() - start])
# this process's own peak (VmHWM): ru_maxrss would also count the pytest process it was forked from
status = open("/proc/self/status").read()
print(json.dumps({"results": results, "peak": int(status.split("VmHWM:")[1].split()[0]) * 1024}))
"""


def run_group(folder, cases: list[tuple[str, object]]) -> list[tuple[object, object, str]]:
    small_photo("chelsea", width=96).save(folder / "photo.png")
    sf.write(folder / "voice.wav", clip(16_000, 1.5), 16_000)
    sf.write(folder / "ultrasound.wav", np.zeros(7_680, np.float32), 768_000)  # 10 ms at 768 kHz
    (folder / "out").mkdir()
    run = subprocess.run([sys.executable, "-c", CHILD, str(folder), json.dumps(cases)], capture_output=True,
                         text=True, cwd=folder, timeout=SECONDS)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["peak"] < PEAK_BYTES, f"peak memory {report['peak'] / 2**30:.2f} GiB"
    for case, outcome, stderr, _seconds in report["results"]:
        if isinstance(case, list):  # the command line: exit 2 and one line
            assert outcome == 2, (case, stderr)
            assert stderr.startswith("deepdreamer: error: ") and stderr.count("\n") == 1, (case, stderr)
        else:
            assert outcome != "no error", case
            assert "Traceback" not in outcome and "\n" not in outcome and len(outcome) < 400, (case, outcome)
    return [(case, outcome, stderr) for case, outcome, stderr, _ in report["results"]]


def message(results, case) -> str:
    return next(outcome if isinstance(outcome, str) else stderr for found, outcome, stderr in results if found == case)


def test_the_api_takes_what_people_pass_and_says_what_is_wrong(tmp_path):
    cases = [
        "dd.dream(3)",
        "dd.dream('missing.jpg')",
        "dd.dream(photo, objective=dd.channel('block10', 500), iterations=1)",
        "dd.channel('block10', -1)",
        "dd.dream(photo, objective=3, iterations=1)",
        "dd.layer('block8') + 1",
        "1 - dd.layer('block8')",
        "dd.layer('block8') * dd.layer('block9')",
        "dd.channels('block12', strongest=0)",
        "dd.dream(photo, objective=dd.channels('block99', strongest=4), iterations=1)",
        "dd.dream(photo, layers=['block8'], iterations=1)",
        "dd.dream(photo, layers={'block8': '1'}, iterations=1)",
        "dd.list_layers('alexnet')",
    ]
    results = run_group(tmp_path, [("api", case) for case in cases])
    assert "channels 0..111; 500 is not one of them" in message(results, cases[2])
    assert "whole numbers from 0, not -1" in message(results, cases[3])
    assert "objective must be an objective" in message(results, cases[4]) and "int" in message(results, cases[4])
    assert message(results, cases[5]).startswith("cannot add an objective and 1")


def test_numbers_that_overflow_or_explode_are_refused_before_any_work(tmp_path):
    api = [
        "dd.dream(photo, seed=2**70)",
        "dd.dream(photo, seed=-1)",
        "dream_audio(clip, 16000, seed=2**70)",
        "dd.explore(photo, 3, seed=2**64)",
        "dd.layer('block8') * 1e308 * 10",
        "dd.dream(photo, objective='1e300*1e300*block8')",
        "dd.dream(photo, objective='block8 / ' + '9' * 400)",
        "dd.dream(photo, num_octaves=10**30)",
        "dd.dream(photo, octave_scale=1e300)",
        "dd.dream(photo, iterations='5')",
        "dream_audio(clip, 16000, num_octaves=40)",
        "dream_audio(clip, 16000, octave_scale=1e4)",
        "dream_audio(np.zeros(7680, np.float32), 768000)",
        "dream_audio(clip, 16000, model='crepe_tiny', num_octaves=20)",
        "dd.explore(photo, 100000, seed=1)",
        "dd.read_image(photo, max_pixels=0)",
        "read_audio(voice, max_seconds=math.nan)",
    ]
    cli = [
        ["dream", "photo.png", "--seed", str(2**70)],
        ["filters", "block8", "--seed", str(2**64)],
        ["layers", "--preview", "photo.png", "--seed", "-1"],
        ["audio", "voice.wav", "--seed", str(2**70)],
        ["dream", "photo.png", "--max-pixels", "0"],
        ["dream", "photo.png", "--max-pixels", "-5"],
        ["audio", "voice.wav", "--max-seconds", "nan"],
        ["audio", "voice.wav", "--max-seconds", "-1"],
        ["explore", "photo.png", "-n", "100000"],
        ["dream", "photo.png", "--objective", "1e308*block8*10"],
        ["audio", "voice.wav", "--octaves", "40"],
        ["audio", "voice.wav", "--octave-scale", "10000"],
        ["audio", "ultrasound.wav"],
    ]
    results = run_group(tmp_path, [("api", case) for case in api] + [("cli", case) for case in cli])
    assert "1e+308*10" in message(results, api[4])  # the product, not the last factor
    assert "'1e+300 * 1e+300' is not a finite number" in message(results, api[5])
    assert "use at most 9 octaves" in message(results, api[10])
    assert "768 kHz" in message(results, api[12])
    assert message(results, cli[0]) == message(results, cli[3])  # one seed rule


def test_help_and_messages_name_what_exists(tmp_path):
    cases = [
        ["dream", "photo.png", "--layer", "block8=1", "--layer", "block8=2"],
        ["dream", "photo.png", "-o", "out/dream.bmp"],
        ["dream", "photo.png", "--max-pixels", "100"],
        ["explore", "photo.png", "--max-pixels", "100"],
        ["layers", "--preview", "photo.png", "--max-pixels", "100"],
        ["layers", "inception_v3", "--model", "googlenet"],
        ["filters", "efficientnet_lite0", "block8", "--model", "vgg16"],
        ["dream", "--example", "chelsea", "photo.png"],
    ]
    api = ["dd.read_image(photo, max_pixels=100)", "dd.dream(photo, iterations=1).save(folder)"]
    results = run_group(tmp_path, [("cli", case) for case in cases] + [("api", case) for case in api])
    assert "given twice (1 and 2)" in message(results, cases[0])
    assert ".png, .jpg, .webp or .tif" in message(results, cases[1])
    for case in cases[2:5]:
        assert "96x64 is 0.00614 megapixels, above the limit of 0.0001 megapixels (raise it with --max-pixels)" in \
            message(results, case)
    assert "(raise it with deepdreamer.read_image(path, max_pixels=N))" in message(results, api[0])
    assert "is a folder; give a file name" in message(results, api[1])


@pytest.mark.parametrize("command", ["dream", "audio"])
def test_the_usage_line_does_not_require_input_that_an_example_replaces(command):
    from click.testing import CliRunner

    from deepdreamer.cli import cli

    usage = CliRunner().invoke(cli, [command, "--help"]).output.splitlines()[0]
    assert usage == f"Usage: cli {command} [OPTIONS] [INPUT]"
