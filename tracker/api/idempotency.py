"""Idempotent writes: a retried request with the same ``Idempotency-Key`` gets the first
answer again and records nothing.

The key is claimed (a row with status 0) and committed before the work, so the unique
(token, key) constraint lets only one of two simultaneous requests do the work: the other
finds the claim and is told to retry (409), or, once the answer is kept, gets it. A status
update is committed with its kept answer, in one transaction; evidence is committed with its
file (add_evidence), then the answer, so a worker killed between the two leaves the claim
pending: it is taken over after CLAIM_TIMEOUT, and that one retry may add the evidence again."""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import ApiToken, IdempotentRequest

KEY_MAX = 200
KEEP_FOR = dt.timedelta(hours=24)
CLAIM_TIMEOUT = dt.timedelta(minutes=2)  # far beyond any request's run (gunicorn's timeout)
PENDING = 0


def kept_for_retry(status: int) -> bool:
    """Answers about the request itself (2xx, 4xx) are kept; not 401 (a fixed token must not
    replay "unknown token"), 429 or 5xx (a later retry may get through)."""
    return 200 <= status < 500 and status not in (401, 429)


@dataclass
class Answer:
    status: int
    body: dict
    replayed: bool = False


class IdempotencyRefused(Exception):
    """The key is malformed, reused for another request, or its first request is still
    being answered."""

    def __init__(self, status: int, message, field: str | None = "Idempotency-Key"):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def check_key(key: str) -> str:
    """The header's value, or IdempotencyRefused: 1 to 200 printable ASCII characters."""
    if not 1 <= len(key) <= KEY_MAX or not all(" " <= ch <= "~" for ch in key):
        raise IdempotencyRefused(400, _l(
            "Idempotency-Key is 1 to %(max)d printable ASCII characters.", max=KEY_MAX))
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What identifies a request: a retry must send the same method, path and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def answer_once(token: ApiToken, key: str | None, print_: str,
                work: Callable[[], Answer]) -> Answer:
    """Run work once per (token, key): its answer is kept and replayed to a retry."""
    if key is None:
        answer = work()
        db.session.commit()  # what the work recorded (a status update is left uncommitted)
        return answer
    claim = _claim(token, check_key(key), print_)
    if isinstance(claim, Answer):
        return claim
    try:
        answer = work()
    except BaseException:
        db.session.rollback()
        _release(claim)
        raise
    if not kept_for_retry(answer.status):
        db.session.rollback()
        _release(claim)
        return answer
    # The answer kept in the same commit as what the work recorded, when it left it to us.
    db.session.execute(sa.update(IdempotentRequest).where(IdempotentRequest.id == claim)
                       .values(status=answer.status, body=json.dumps(answer.body)))
    db.session.commit()
    return answer


def _claim(token: ApiToken, key: str, print_: str) -> int | Answer:
    """The id of our new claim, or the kept answer to replay (IdempotencyRefused otherwise)."""
    kept = _kept(token.id, key)
    if kept is None:
        row = IdempotentRequest(token_id=token.id, key=key, fingerprint=print_, status=PENDING,
                                body="")
        db.session.add(row)
        try:
            db.session.commit()
            return row.id
        except IntegrityError:  # a simultaneous request with the key claimed it first
            db.session.rollback()
            kept = _kept(token.id, key)
            if kept is None:  # and it has failed and released it since: retry
                raise IdempotencyRefused(409, _STILL_RUNNING) from None
    if kept.fingerprint != print_:
        raise IdempotencyRefused(422, _l(
            "This Idempotency-Key was already used for another request. Use a new key for "
            "each new request, and the same key only to retry the very same request."))
    if kept.status != PENDING:
        return Answer(kept.status, json.loads(kept.body), replayed=True)
    if _take_over(kept):
        return kept.id
    raise IdempotencyRefused(409, _STILL_RUNNING)


_STILL_RUNNING = _l("A request with this Idempotency-Key is still being answered. Retry it "
                    "in a few seconds.")


def _kept(token_id: int, key: str) -> IdempotentRequest | None:
    return db.session.scalar(sa.select(IdempotentRequest)
                             .filter_by(token_id=token_id, key=key)
                             .execution_options(populate_existing=True))


def _take_over(claim: IdempotentRequest) -> bool:
    """Claim again a key whose request died before answering (only one taker wins)."""
    now = utcnow()
    taken = db.session.execute(
        sa.update(IdempotentRequest)
        .where(IdempotentRequest.id == claim.id, IdempotentRequest.status == PENDING,
               IdempotentRequest.created_at < now - CLAIM_TIMEOUT)
        .values(created_at=now))
    db.session.commit()
    return bool(getattr(taken, "rowcount", 0))


def _release(claim: int) -> None:
    """Forget a claim whose answer is not kept, so a retry runs the request."""
    db.session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.id == claim))
    db.session.commit()


def forget_old_answers(now: dt.datetime | None = None) -> int:
    """Delete the answers older than KEEP_FOR (for the scheduler); returns how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    gone = db.session.execute(sa.delete(IdempotentRequest)
                              .where(IdempotentRequest.created_at < cutoff))
    db.session.commit()
    return int(getattr(gone, "rowcount", 0))
