"""What the production smoke test (smoke_test.py) is built from: timed steps, logged
processes, the env file and unit files of deploy/, a browser-like HTTPS client and an SMTP
server that keeps what it receives. Standard library, plus aiosmtpd from the dev venv."""

import email
import http.client
import os
import re
import shlex
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

STARTED = time.monotonic()


class SmokeFailure(Exception):
    """A check failed; the message says which and what was seen."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Print a step with its start time and duration."""
    began = time.monotonic()
    print(f"[{began - STARTED:6.1f}s] {name} ...", flush=True)
    try:
        yield
    except BaseException:
        print(f"[{time.monotonic() - STARTED:6.1f}s]   FAILED after "
              f"{time.monotonic() - began:.1f}s", flush=True)
        raise
    print(f"[{time.monotonic() - STARTED:6.1f}s]   ok ({time.monotonic() - began:.1f}s)",
          flush=True)


def free_port() -> int:
    """A loopback port nothing listens on now (the OS's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, probe, timeout: float = 30.0, every: float = 0.2):
    """Call probe until it returns something true; fail after timeout seconds."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except OSError as exc:  # not listening yet
            last = exc
        time.sleep(every)
    raise SmokeFailure(f"timed out after {timeout:.0f}s waiting for {what} ({last or 'no answer'})")


# -- processes --------------------------------------------------------------------------

class Processes:
    """Every process the smoke test runs, each with its own log file."""

    def __init__(self, log_dir: Path, cwd: Path, env: dict[str, str]):
        self.log_dir, self.cwd, self.env = log_dir, cwd, env
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: list[Path] = []

    def _log(self, name: str) -> Path:
        path = self.log_dir / f"{name}.log"
        self.logs.append(path)
        return path

    def run(self, name: str, argv: list[str], stdin: str | None = None, **kw) -> str:
        """Run a command to completion; its output is returned and logged."""
        with self._log(name).open("w") as log:
            done = subprocess.run(argv, cwd=kw.pop("cwd", self.cwd), env=kw.pop("env", self.env),
                                  input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, **kw)
            log.write(done.stdout)
        check(done.returncode == 0, f"{name} exited {done.returncode}: {shlex.join(argv)}")
        return done.stdout

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Start a long-running process, output to its log."""
        log = self._log(name).open("w")
        self.running[name] = subprocess.Popen(argv, cwd=self.cwd, env=self.env, stdout=log,
                                              stderr=subprocess.STDOUT)
        log.close()  # the child keeps its own descriptor
        return self.running[name]

    def stop(self, name: str, timeout: float = 30.0) -> int:
        """SIGTERM, then wait: the exit status (a clean stop is 0)."""
        process = self.running.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise SmokeFailure(f"{name} did not stop within {timeout:.0f}s of SIGTERM") from None

    def kill_all(self) -> None:
        for name in list(self.running):
            try:
                self.stop(name, timeout=10)
            except SmokeFailure as exc:
                print(f"  {exc}")

    def dump_logs(self, lines: int = 25) -> None:
        for path in self.logs:
            tail = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            print(f"---- last {len(tail)} lines of {path.name} ----")
            print("\n".join(tail))


# -- deploy/ files ----------------------------------------------------------------------

ENV_LINE = re.compile(r"([A-Z_][A-Z0-9_]*)=([^\s'\"$`\\]*)")


def read_env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """The assignments of an EnvironmentFile that a shell can also source (no quotes,
    spaces or $), and the names of the optional settings left commented out."""
    values, commented = {}, set()
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if line.startswith("#"):
            optional = ENV_LINE.match(line.lstrip("# "))
            if optional:
                commented.add(optional.group(1))
            continue
        if not line:
            continue
        match = ENV_LINE.fullmatch(line)
        if match is None:
            raise SmokeFailure(f"{path.name}:{number}: not a plain KEY=value line: {line!r}")
        values[match.group(1)] = match.group(2)
    return values, commented


def unit_setting(unit: Path, key: str) -> str:
    """One setting of the [Service] section of a systemd unit file."""
    found = [line.split("=", 1)[1].strip() for line in unit.read_text().splitlines()
             if line.startswith(f"{key}=")]
    check(len(found) == 1, f"{unit.name}: expected one {key}= line, found {len(found)}")
    return found[0]


def substitute_once(text: str, old: str, new: str, where: str) -> str:
    """Replace a line of a deploy/ template that must be there exactly once."""
    check(text.count(old) == 1, f"{where}: expected {old!r} exactly once")
    return text.replace(old, new)


# -- HTTP -------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Site:
    """Where requests go: nginx over TLS, or gunicorn directly posing as the proxy."""

    port: int
    server_name: str
    tls: ssl.SSLContext | None = None  # trusting the test certificate
    proxy_headers: bool = False  # no nginx: send what nginx would add

    @property
    def origin(self) -> str:
        return f"https://{self.server_name}"


@dataclass
class Browser:
    """One client (one source address, one cookie jar), like a browser's tab."""

    site: Site
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookie_headers: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, referer: str | None = None) -> Reply:
        site = self.site
        conn: http.client.HTTPConnection
        if site.tls is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", site.port, timeout=30,
                                               context=site.tls, source_address=(self.source, 0))
        else:
            conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30,
                                              source_address=(self.source, 0))
        sent = {"Host": site.server_name, "Accept-Language": "en", **(headers or {})}
        if referer is not None:
            sent["Referer"] = site.origin + referer
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if site.proxy_headers:
            sent |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.source}
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            conn.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str], referer: str) -> Reply:
        from urllib.parse import urlencode

        return self.request("POST", path, urlencode(fields).encode(), referer=referer,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path: str, fields: dict[str, str],
                       files: dict[str, tuple[str, str, bytes]], referer: str) -> Reply:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                 .encode() for k, v in fields.items()]
        for name, (filename, content_type, data) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
                         .encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, referer=referer,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


class FormFinder(HTMLParser):
    """The forms of a page: action -> hidden and text inputs' values."""

    def __init__(self, page: str):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = self.forms.setdefault(attrs.get("action") or "", {})
        elif tag == "input" and self._current is not None and attrs.get("name"):
            self._current.setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def form_fields(reply: Reply, action: str) -> dict[str, str]:
    """The inputs of the page's form posting to action ('' for the page itself)."""
    check(reply.status == 200, f"expected the page with a form, got {reply.status}")
    forms = FormFinder(reply.text).forms
    check(action in forms, f"no form posting to {action!r} on the page (forms: {list(forms)})")
    check(bool(forms[action].get("csrf_token")), f"the form posting to {action!r} has no "
          "csrf_token")
    return forms[action]


# -- mail -------------------------------------------------------------------------------

class MailCatcher:
    """An SMTP server on loopback (aiosmtpd) keeping every message it accepted."""

    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def minimal_path() -> str:
    """A service manager's PATH, not the caller's (no dev venv on it)."""
    return os.pathsep.join(p for p in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                       "/usr/bin", "/sbin", "/bin") if Path(p).is_dir())
