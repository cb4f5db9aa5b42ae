"""`flask users create --password-stdin` reads bytes: a password that is not UTF-8 is a
one-line error (exit 1, no account), never a traceback."""

import os
import subprocess
import sys

import sqlalchemy as sa
from conftest import REPO

from tracker.extensions import db
from tracker.models import User

NOT_UTF8 = "contraseña-larga-2026".encode("latin-1") + b"\n"  # ñ as the single byte 0xF1
ERROR = "Error: The password on standard input is not valid UTF-8; nothing was created."


def create(runner, email: str, stdin: bytes):
    return runner.invoke(args=["users", "create", email, "--role", "secretariat",
                               "--password-stdin"], input=stdin)


def accounts() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_a_password_that_is_not_utf8_is_one_line_and_creates_nothing(runner, app):
    result = create(runner, "ana@example.org", NOT_UTF8)
    assert result.exit_code == 1
    assert result.output.strip() == ERROR
    assert accounts() == 0


def test_a_utf8_password_given_as_bytes_still_creates_the_account(runner, app):
    result = create(runner, "ana@example.org", "contraseña-larga-2026-ñandú\r\n".encode())
    assert result.exit_code == 0, result.output
    assert accounts() == 1


def test_an_endless_line_is_refused_without_reading_it_all(runner, app):
    result = create(runner, "ana@example.org", b"x" * 10_000_000)
    assert result.exit_code == 1
    assert "too long; nothing was created" in result.output
    assert accounts() == 0


def test_the_real_command_on_a_real_stdin(tmp_path):
    # A separate process with its own standard input, as an operator's shell gives it.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_CONFIG")}
    env.update(TRACKER_INSTANCE_PATH=str(tmp_path / "instance"), LC_ALL="C.UTF-8")
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "users", "create",
                           "ana@example.org", "--role", "secretariat", "--password-stdin"],
                          cwd=REPO, env=env, input=NOT_UTF8, capture_output=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert proc.stderr.decode().strip() == ERROR
