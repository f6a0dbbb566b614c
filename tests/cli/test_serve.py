"""``deepdreamer serve``: refuses unsafe addresses before importing Gradio; starts, answers, and cleans up on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

REFUSED = {
    "another host": (["serve", "--host", "0.0.0.0"], "--host 0.0.0.0 lets other machines reach the page"),
    "share link": (["serve", "--share"], "--share puts the page on a public link"),
    "bad auth": (["serve", "--auth", "nobody"], "--auth must be USER:PASSWORD"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_unsafe_or_bad_options_exit_2_without_importing_gradio(case, tmp_path):
    argv, message = REFUSED[case]
    code = ("import json, sys; from deepdreamer.cli import main; status = main(json.loads(sys.argv[1])); "
            "print(json.dumps([status, 'gradio' in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", code, json.dumps(argv)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    status, imported_gradio = json.loads(run.stdout.splitlines()[-1])
    assert (status, imported_gradio) == (2, False)
    assert message in run.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_asks_for_the_password_and_removes_its_files_on_ctrl_c(tmp_path):
    pytest.importorskip("gradio", reason="the web extra is not installed: pip install -e '.[web]'")
    port = free_port()
    environment = {**os.environ, "TMPDIR": str(tmp_path), "DEEPDREAMER_AUTH": "ana:s3cret"}
    process = subprocess.Popen([sys.executable, "-m", "deepdreamer", "serve", "--port", str(port)],
                               stderr=subprocess.PIPE, text=True, env=environment)
    try:
        lines = [process.stderr.readline() for _ in range(2)]
        assert lines[0].startswith(f"deepdreamer: the page is at http://127.0.0.1:{port}/"), lines
        assert "password given with --auth is required" in lines[1]
        assert [path.name[:16] for path in tmp_path.iterdir()] == ["deepdreamer-web-"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=30)
        assert refused.value.code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert "stopped; the server's temporary files are removed" in process.stderr.read()
        assert list(tmp_path.iterdir()) == []
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

