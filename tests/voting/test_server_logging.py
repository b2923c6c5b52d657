"""A real gunicorn with voting/gunicorn_conf.py: its access log holds no line for a
vote or a receipt check, and no client address on any line."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from voting.server_logging import is_private_path

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("path", "private"),
    [
        ("/stem", True),
        ("/stem/controle", True),
        ("/stem/bewijs.pdf", True),
        ("/uitslag/centrumplan/bon", True),
        ("/", False),
        ("/stemmen-uitleg", False),
        ("/uitslag/centrumplan", False),
        ("/beheer/", False),
    ],
)
def test_private_paths(path: str, private: bool) -> None:
    assert is_private_path(path) is private


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gunicorn_access_log_keeps_no_trace_of_voting(tmp_path: Path, database_url: str) -> None:
    pytest.importorskip("gunicorn")
    (tmp_path / "wsgi_app.py").write_text(
        "from voting import create_app\n"
        f"app = create_app({{'DATABASE_URL': {database_url!r}, 'SECRET_KEY': 'k', "
        f"'CODE_PEPPER': 'p', 'INSTANCE_PATH': {str(tmp_path / 'instance')!r}}})\n",
        encoding="utf-8",
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:voting.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--chdir",
            str(tmp_path),
            "wsgi_app:app",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        for path, data in (
            ("/stem", b"code=K7QM-3XD9-PA2F-W8RT-6"),
            ("/stem/controle", b"election=1"),
            ("/uitslag/centrumplan/bon", b"receipt=ABCDE-FGHJK"),
            ("/stem/bewijs", None),
            ("/uitslag/", None),
        ):
            # Refused (no CSRF token, unknown election) is still a request to log.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(base + path, data=data, timeout=5).read()
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    log = out + err
    lines = [line for line in out.splitlines() if '"GET ' in line or '"POST ' in line]
    assert any('"GET / HTTP' in line for line in lines), log
    assert any('"GET /uitslag/ HTTP' in line for line in lines), log
    assert not any("/stem" in line or "/bon" in line for line in lines), log
    assert "127.0.0.1 " not in out and "127.0.0.1 -" not in out
    assert "K7QM" not in log and "ABCDE" not in log
