"""Downloading published weights into torch's hub cache, against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import torch

import deepdreamer as dd
from deepdreamer.models.sources import PublishedWeights


def checkpoint_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(10_000, dtype=torch.float32)}, buffer)
    return buffer.getvalue()


PAYLOAD = checkpoint_bytes()
PREFIX = hashlib.sha256(PAYLOAD).hexdigest()[:8]


class Handler(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Handler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        # /cut/...: the connection drops half-way through the file
        self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2] if self.path.startswith("/cut/") else PAYLOAD)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def hub(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    return tmp_path / "hub" / "checkpoints"


def test_download_once_then_cache_hit(server, hub):
    weights = PublishedWeights("model-x.pth", f"{server}/model-x.pth", PREFIX)
    path = weights.obtain()
    assert path == hub / "model-x.pth" and path.read_bytes() == PAYLOAD
    assert weights.obtain() == path
    assert Handler.requests == ["/model-x.pth"]  # the second call did not download


def test_checksum_mismatch_leaves_nothing(server, hub):
    weights = PublishedWeights("model-x.pth", f"{server}/model-x.pth", "00000000")
    with pytest.raises(dd.DeepDreamError, match=r"download of model-x\.pth is corrupt") as error:
        weights.obtain()
    assert "\n" not in str(error.value)
    assert list(hub.iterdir()) == []


def test_interrupted_download_leaves_nothing(server, hub):
    weights = PublishedWeights("model-x.pth", f"{server}/cut/model-x.pth", PREFIX)
    with pytest.raises(dd.DeepDreamError):
        weights.obtain()
    assert list(hub.iterdir()) == []


def test_offline_names_the_file_the_url_and_the_folder(hub):
    with socket.socket() as s:  # a port nobody listens on: connection refused, as offline
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/model-x.pth"
    with pytest.raises(dd.DeepDreamError) as error:
        PublishedWeights("model-x.pth", url, PREFIX).obtain()
    message = str(error.value)
    assert "cannot download model-x.pth" in message and url in message and str(hub) in message
    assert "--weights" in message and "\n" not in message


def test_models_command_says_whether_weights_are_present(capsys, hub):
    from deepdreamer.cli import main

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "efficientnet_lite0" in out and "[present]" in out
    assert "googlenet-1378be20.pth from https://download.pytorch.org/models/googlenet-1378be20.pth [missing]" in out
