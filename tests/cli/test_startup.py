"""Instant answers: help, listings and bad-input errors never import torch (``benchmarks/startup.py`` times them)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

INSTANT = {
    "help": ["--help"],
    "dream help": ["dream", "--help"],
    "audio help": ["audio", "--help"],
    "serve help": ["serve", "--help"],
    "zoom help": ["zoom", "--help"],
    "video help": ["video", "--help"],
    "zoom layer given twice": ["zoom", "photo.jpg", "-o", "z.mp4", "--layer", "block8=1", "--layer", "block8=0:1,9:0"],
    "models": ["models"],
    "layers": ["layers", "--model", "inception_v3"],
    "layers, old spelling": ["layers", "inception_v3"],
    "missing file": ["dream", "no-such-photo.jpg"],
    "unknown option": ["dream", "--bogus"],
    "bad number": ["dream", "photo.jpg", "--step", "abc"],
    "huge seed": ["dream", "photo.jpg", "--seed", str(2**70)],
    "unknown model for layers": ["layers", "--model", "alexnet"],
    "filters help": ["filters", "--help"],
    "zero max pixels": ["dream", "photo.jpg", "--max-pixels", "0"],
    "nan max seconds": ["audio", "sound.wav", "--max-seconds", "nan"],
    "layer given twice": ["dream", "photo.jpg", "--layer", "block8=1", "--layer", "block8=2"],
    "too many explore dreams": ["explore", "photo.jpg", "-n", "100000"],
}


@pytest.mark.parametrize("case", list(INSTANT))
def test_instant_commands_do_not_import_torch_or_gradio(case, tmp_path):
    code = ("import json, sys; from deepdreamer.cli import main; status = main(json.loads(sys.argv[1])); "
            "print(json.dumps([status, 'torch' in sys.modules, 'gradio' in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", code, json.dumps(INSTANT[case])], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    status, imported_torch, imported_gradio = json.loads(run.stdout.splitlines()[-1])
    assert not imported_torch and not imported_gradio
    assert status == (0 if "help" in case or case.startswith(("models", "layers")) else 2), run.stderr
