"""A city on two app servers: two gunicorns with voting/gunicorn_conf.py behind a
round-robin load balancer (Debian's nginx when installed, else a small Python proxy),
sharing one database and one Redis. A resident's visit, a clerk's login (sessions
and CSRF tokens made on one server, checked on the other) and the per-client code
limit all hold across both servers."""

from __future__ import annotations

import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.conftest import STAFF_PASSWORD
from tests.voting.test_faults import private_redis  # noqa: F401 (the fixture)
from tools import loadtest
from voting import codes
from voting.models import StaffUser

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


NGINX_CONF = """
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # This test's log names the server that answered each request; a real site
    # keeps access_log off for /stem (see the README).
    log_format upstream '$request_uri $upstream_addr';
    upstream buurtstem {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://buurtstem;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            access_log {folder}/upstreams.log upstream;
        }}
    }}
}}
"""


@contextmanager
def nginx(folder: Path, first: int, second: int) -> Iterator[tuple[int, Path]]:
    """Debian's nginx balancing round robin over the two servers; yields its port and
    the log of which server answered what."""
    assert NGINX is not None
    port = _free_port()
    conf = folder / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        NGINX_CONF.format(user=user, folder=folder, first=first, second=second, port=port)
    )
    server = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        yield port, folder / "upstreams.log"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def python_proxy(folder: Path, first: int, second: int) -> Iterator[tuple[int, Path]]:
    """The fallback without nginx: a tiny threaded round-robin proxy that adds
    X-Forwarded-For like nginx does and logs which server answered."""
    backends = [first, second]
    turn = iter(range(1 << 30))
    lock = threading.Lock()
    log = folder / "upstreams.log"

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            with lock:
                backend = backends[next(turn) % 2]
                with log.open("a") as out:
                    out.write(f"{self.path} 127.0.0.1:{backend}\n")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            forwarded = self.headers.get("X-Forwarded-For")
            client = self.client_address[0]
            headers["X-Forwarded-For"] = f"{forwarded}, {client}" if forwarded else client
            conn = http.client.HTTPConnection("127.0.0.1", backend, timeout=30)
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = _forward

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], log
    finally:
        server.shutdown()
        server.server_close()


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def _servers_of(log: Path, path_part: str) -> set[str]:
    time.sleep(0.2)  # nginx writes its log lines as requests end
    return {
        line.split()[-1] for line in log.read_text().splitlines() if path_part in line.split()[0]
    }


@pytest.mark.parametrize("balancer", ["nginx", "python"])
def test_two_servers_behind_a_load_balancer(
    balancer: str,
    private_redis: tuple[int, list[subprocess.Popen[bytes]]],  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    pytest.importorskip("gunicorn")
    if balancer == "nginx" and NGINX is None:
        pytest.skip("Debian's nginx is not installed (apt-get install nginx)")
    redis_port, _running = private_redis
    letters = loadtest.prepare(database_url, tmp_path, 4)
    engine = create_engine(database_url)
    with Session(engine) as session:
        clerk = StaffUser(username="griffie2", display_name="Griffie", role="clerk")
        clerk.set_password(STAFF_PASSWORD)
        session.add(clerk)
        session.commit()
    engine.dispose()
    config = {
        **loadtest.settings(database_url, tmp_path),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TRUSTED_PROXIES": 1,
        "CODE_LIMIT_PER_CLIENT": "4 per minute",
    }
    line = loadtest._app_line("create_app", config)
    balance = nginx if balancer == "nginx" else python_proxy
    with (
        loadtest.gunicorn(line, tmp_path, 1, 2) as first,
        loadtest.gunicorn(line, tmp_path, 1, 2) as second,
        balance(tmp_path, first, second) as (port, log),
    ):
        both = {f"127.0.0.1:{first}", f"127.0.0.1:{second}"}
        # A resident votes: seven requests, round robin over both servers.
        times, page = loadtest.visit(port, letters[0], random.Random(1))
        assert len(times) == 7
        assert re.search(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", page), page[:500]
        assert _servers_of(log, "/stem") == both
        # Others vote at the same time, through both.
        with ThreadPoolExecutor(2) as pool:
            done = list(pool.map(lambda c: loadtest.visit(port, c, random.Random(2)), letters[1:3]))
        assert all(re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}", page) for _times, page in done)

        # A clerk logs in: the form (and its CSRF token) from one server, the login
        # on the other, the dashboard from the first again.
        clerk_browser = loadtest.Browser(port)
        status, _location, form_page = clerk_browser.request("GET", "/beheer/inloggen")
        assert status == 200
        token = loadtest.hidden_fields(form_page, "")  # the login form posts to itself
        assert token.get("csrf_token")
        sent = {**token, "username": "griffie2", "password": STAFF_PASSWORD}
        status, location, answer = clerk_browser.request("POST", "/beheer/inloggen", sent)
        assert status == 302 and "inloggen" not in location, (location, answer[:2000])
        for _ in range(2):
            status, _location, dashboard = clerk_browser.request("GET", "/beheer/")
            assert status == 200 and "Griffie" in dashboard
        assert _servers_of(log, "/beheer") == both
        # Without the token the login is refused on either server.
        bare = loadtest.Browser(port)
        refused = bare.request("POST", "/beheer/inloggen", {"username": "x", "password": "y"})
        assert refused[0] == 400

        # Wrong codes from one address: the limit counts on both servers together.
        guesser = loadtest.Browser(port)
        page = guesser.request("GET", "/stem")[2]
        answers = []
        for _ in range(5):
            form = {**loadtest.hidden_fields(page, "/stem"), "code": codes.generate()}
            status, _location, page = guesser.request("POST", "/stem", form)
            answers.append(status)
        assert answers == [422, 422, 422, 422, 429]
        assert _servers_of(log, "/stem") == both
        for browser in (clerk_browser, bare, guesser):
            browser.conn.close()
