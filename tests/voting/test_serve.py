"""``voting serve``: gunicorn with voting/gunicorn_conf.py, workers and threads from
the settings; the command answers real requests."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VOTING = Path(sys.executable).with_name("voting")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gunicorn_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import voting.gunicorn_conf as conf

    monkeypatch.setenv("WEB_WORKERS", "3")
    monkeypatch.setenv("WEB_THREADS", "1")
    monkeypatch.setenv("WEB_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("WEB_TIMEOUT", "45")
    loaded = importlib.reload(conf)
    assert (loaded.workers, loaded.threads, loaded.worker_class) == (3, 1, "sync")
    assert (loaded.bind, loaded.timeout) == (["0.0.0.0:9000"], 45)
    monkeypatch.setenv("WEB_THREADS", "many")
    with pytest.raises(SystemExit, match="WEB_THREADS must be a whole number"):
        importlib.reload(conf)
    monkeypatch.delenv("WEB_THREADS")
    assert importlib.reload(conf).worker_class == "gthread"


def test_voting_serve_answers(tmp_path: Path, database_url: str) -> None:
    pytest.importorskip("gunicorn")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "serve-test-secret",
        "CODE_PEPPER": "serve-test-pepper",
        "SIGNING_KEY_PATH": str(tmp_path / "signing" / "private.pem"),
        "PYTHONPATH": str(REPO),
    }
    server = subprocess.Popen(
        [str(VOTING), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        body = b""
        for _attempt in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/uitslag/", timeout=2) as r:
                    body = r.read()
                    assert r.status == 200
                break
            except OSError:
                time.sleep(0.1)
        assert b"<html" in body
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "Using worker: gthread" in err, err
    assert err.count("Booting worker") == 2, err
    assert "with gunicorn" in err
