"""The one way the tracker sends e-mail: SMTP when MAIL_SERVER is set, otherwise an .eml
file in MAIL_OUTBOX_DIR so mail can be read on a machine with no mail server."""

import smtplib
import socket
import ssl
import threading
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app


def build_message(to: str, subject: str, body: str, *, message_id: str | None = None,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    """A plain-text UTF-8 message from the configured sender."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain=sender_domain())
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send(message: EmailMessage) -> None:
    """Deliver now, within MAIL_TIMEOUT seconds from connecting to the last answer; raises
    smtplib/OSError errors (TimeoutError past the time) for the caller to handle or retry."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_eml(message, Path(config["MAIL_OUTBOX_DIR"]))
        return
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    budget = float(config["MAIL_TIMEOUT"])
    deadline = _Deadline(budget)
    # The deadline ends the conversation; the sockets' own timeout is only a backstop, longer,
    # so that a stalled server is always reported as what it is, a TimeoutError.
    backstop = 2 * budget
    try:
        smtp: _Conversation
        if config.get("MAIL_USE_SSL"):
            smtp = _ConversationSSL(host, port, deadline=deadline, timeout=backstop,
                                    context=ssl.create_default_context())
        else:
            smtp = _Conversation(host, port, deadline=deadline, timeout=backstop)
        try:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
        except BaseException:
            smtp.close()
            raise
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the message was accepted: a failed goodbye must not send it again
    except (smtplib.SMTPException, OSError) as exc:
        if deadline.expired:
            raise TimeoutError(f"the mail server did not finish within {budget:g} s") from exc
        raise
    finally:
        deadline.end()


class _Deadline:
    """Ends an SMTP conversation at a fixed time, however the server answers: a timer shuts
    its connection down, so a read that waits, or gets one byte at a time (which a socket
    timeout, counted per read, never ends), returns at once. It shuts down a duplicate of the
    connection's socket: the same connection whatever TLS wraps it, and a descriptor of its
    own, which no other connection can have reused."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._handle: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._handle = sock.dup()
            if self.expired:
                self._cut()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._cut()

    def _cut(self) -> None:
        if self._handle is not None:
            try:
                self._handle.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the server

    def end(self) -> None:
        self._timer.cancel()
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


class _Conversation(smtplib.SMTP):
    """smtplib.SMTP whose connection is watched by a _Deadline from the moment it opens."""

    def __init__(self, host: str, port: int, *, deadline: _Deadline, **kwargs):
        self._deadline = deadline
        super().__init__(host, port, **kwargs)  # connects

    def _get_socket(self, host, port, timeout):
        # Connecting is bounded by the deadline's own time (nothing to cut before there is
        # a connection), each later read by the longer backstop.
        sock = super()._get_socket(host, port, min(timeout, self._deadline.seconds))
        sock.settimeout(timeout)
        self._deadline.watch(sock)
        return sock


class _ConversationSSL(_Conversation, smtplib.SMTP_SSL):
    """Implicit TLS (port 465): the TCP socket is watched before the TLS handshake (an
    SSLSocket cannot be duplicated), which the deadline then bounds too."""

    def _get_socket(self, host, port, timeout):
        sock = smtplib.SMTP._get_socket(self, host, port, min(timeout, self._deadline.seconds))
        sock.settimeout(timeout)  # plain TCP, as in _Conversation
        self._deadline.watch(sock)
        return self.context.wrap_socket(sock, server_hostname=host)


def _write_eml(message: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = formatdate(usegmt=True)[5:25].replace(" ", "-").replace(":", "")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    return path


def sender_domain() -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
