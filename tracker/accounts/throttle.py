"""Progressive delays after failed password checks, counted per key in the database, so
every worker and host shares them.

A key is what the attempts are counted on: an e-mail address at the login form (whether or
not an account has it), a known device (tracker.accounts.tokens.device_token), or an
account's current-password check. The first four failures are free; the fifth and each
further one make the key wait before its next attempt, twice as long each time, at most
MAX_WAIT, and a day without failures forgets them. Nothing is ever
locked for good, and a key's wait touches no other key: an attacker flooding an address
slows down unknown devices only, never the owner's known one.

Each attempt is counted *before* its password is checked, in its own short transaction,
and forgiven once the password proved right: the row is never locked while argon2 works,
and however many requests arrive at once, only one gets through when a wait ends.
"""

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import LoginThrottle

FREE_FAILURES = 5                       # failures before the first wait
FIRST_WAIT = dt.timedelta(minutes=1)    # after the 5th; doubled after each further one
MAX_WAIT = dt.timedelta(minutes=15)
# A count is forgotten once its key has had no failure and no wait for this long.
MEMORY = dt.timedelta(hours=24)


def key(kind: str, value: str) -> str:
    """The row key of ``value`` (an e-mail, a device id, a user id): a SHA-256, so the table
    holds no address."""
    return hashlib.sha256(f"{kind}\x1f{value}".encode("utf-8")).hexdigest()


def claim(throttle_key: str, now: dt.datetime) -> dt.timedelta | None:
    """Count one attempt under the key, unless it must wait: then how long (nothing is
    counted). Commits, so the count stands even if the request dies while checking."""
    row = _locked_row(throttle_key, now)
    if row.locked_until is not None and row.locked_until > now:
        wait = row.locked_until - now
        db.session.commit()
        return wait
    if now - (row.locked_until or row.first_failure_at) > MEMORY:
        row.failures, row.first_failure_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= FREE_FAILURES:
        doublings = min(row.failures - FREE_FAILURES, 10)  # 2**10 minutes is past MAX_WAIT
        row.locked_until = now + min(FIRST_WAIT * 2 ** doublings, MAX_WAIT)
    db.session.commit()
    return None


def forgive(throttle_key: str) -> None:
    """The password was right: the key's count starts over. The caller commits."""
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.email_key == throttle_key))


def _locked_row(throttle_key: str, now: dt.datetime) -> LoginThrottle:
    """The key's row, locked until the next commit (FOR UPDATE on PostgreSQL), created if
    missing; two requests creating it at once both end up with the one row."""
    while True:
        row = db.session.get(LoginThrottle, throttle_key, with_for_update=True,
                             populate_existing=True)
        if row is not None:
            return row
        try:
            with db.session.begin_nested():
                row = LoginThrottle(email_key=throttle_key, failures=0, first_failure_at=now)
                db.session.add(row)
            return row
        except IntegrityError:
            continue  # another request created it a moment ago: lock that one
