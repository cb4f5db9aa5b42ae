"""A real gunicorn serving the tracker in production configuration, and a small HTTP client
with a cookie jar: what tests/test_database_outage.py and bench/db_outage.py drive from
outside. Standard library only (plus the venv's gunicorn)."""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a production process on ``database_url``."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_DEBUG")}
    env.update(FLASK_APP="tracker", FLASK_CONFIG="production", DATABASE_URL=database_url,
               SECRET_KEY=secrets.token_hex(32), PUBLIC_BASE_URL="https://tracker.example.org",
               TRACKER_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class Gunicorn:
    """``gunicorn tracker:create_app()`` on a free loopback port; its output in ``log``."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2):
        self.port, self.log = free_port(), log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", str(workers), "--bind",
                 f"127.0.0.1:{self.port}", "--timeout", "30", "tracker:create_app()"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if Client(self.port).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not come up:\n{self.log_text()[-3000:]}")
            time.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_lines(self) -> list[str]:
        return self.log_text().splitlines()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    seconds: float


class Client:
    """One browser: a cookie jar, requests to 127.0.0.1:<port>, redirects not followed."""

    def __init__(self, port: int, timeout: float = 60, language: str = "es"):
        self.port, self.timeout, self.language = port, timeout, language
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        sent = {"Accept": "text/html", "Accept-Language": self.language} | (headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value  # Secure cookies too: we are the browser
        return Reply(response.status, dict(response.headers.items()), text,
                     time.monotonic() - started)

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers=headers)

    def login(self, email: str, password: str) -> None:
        page = self.get("/login").text
        token = CSRF_FIELD.search(page)
        assert token, "no CSRF token on /login"
        reply = self.request("POST", "/login", {"email": email, "password": password,
                                                "csrf_token": token.group(1)})
        assert reply.status == 302, f"login answered {reply.status}"
