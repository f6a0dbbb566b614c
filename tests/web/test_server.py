"""Where the page listens and who may reach it: checked before anything starts."""

from __future__ import annotations

import os

import pytest

from deepdreamer.errors import DeepDreamError
from deepdreamer.web import server


def test_auth_is_user_colon_password():
    assert server.parse_auth("ana:s3cret:with:colons") == ("ana", "s3cret:with:colons")
    for bad in ("ana", "ana:", ":pw", ""):
        with pytest.raises(DeepDreamError, match="USER:PASSWORD"):
            server.parse_auth(bad)


@pytest.mark.parametrize(("host", "share", "auth", "refused"), [
    ("127.0.0.1", False, None, None),
    ("localhost", False, None, None),
    ("::1", False, None, None),
    ("127.0.0.2", False, None, None),
    ("0.0.0.0", False, None, "--host 0.0.0.0 lets other machines reach the page"),
    ("192.168.1.5", False, None, "--auth"),
    ("::", False, None, "--auth"),
    ("0.0.0.0", False, ("u", "p"), None),
    ("127.0.0.1", True, None, "--share puts the page on a public link"),
    ("127.0.0.1", True, ("u", "p"), None),
])
def test_another_host_or_a_share_link_needs_a_password(host, share, auth, refused):
    options = server.ServeOptions(host=host, share=share, auth=auth)
    if refused is None:
        server.check_exposure(options)
    else:
        with pytest.raises(DeepDreamError, match=refused):
            server.check_exposure(options)


def test_the_environment_turns_analytics_and_telemetry_off(monkeypatch):
    for name in (*server.QUIET_ENVIRONMENT, "GRADIO_HEARTBEAT_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")
    server.quiet_environment()
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"
    assert os.environ["GRADIO_HEARTBEAT_INTERVAL"] == str(server.HEARTBEAT_SECONDS)
