"""The one way the tracker sends e-mail: SMTP when MAIL_SERVER is set, otherwise an .eml
file in MAIL_OUTBOX_DIR so mail can be read on a machine with no mail server."""

import smtplib
import ssl
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
    """Deliver now; raises smtplib/OSError errors for the caller to handle or retry."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_eml(message, Path(config["MAIL_OUTBOX_DIR"]))
        return
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    timeout = config.get("MAIL_TIMEOUT", 30)
    smtp: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _write_eml(message: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = formatdate(usegmt=True)[5:25].replace(" ", "-").replace(":", "")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    return path


def sender_domain() -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
