"""Writes by national systems with a bearer token: the token's checks, then the services the
web forms use (record_status, add_evidence), answered as (status, JSON body).

Every refusal is an Answer (kept for an idempotent retry) except a bad token (401), raised
as TokenRejected before anything else runs."""

import sqlalchemy as sa
from flask import Request
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.http import HTTP_STATUS_CODES

from tracker.accounts.api_tokens import TokenInvalid, note_use, token_for
from tracker.api.idempotency import Answer
from tracker.api.write_bodies import BodyRefused, evidence_body, update_body
from tracker.commitments.status_updates import Conflict, UpdateRefused, record_status
from tracker.core.time import isoformat_utc
from tracker.core.urls import public_url
from tracker.evidence.storage import EvidenceNotStored, EvidenceRefused, add_evidence
from tracker.extensions import db
from tracker.models import ApiToken, Commitment, Country, Evidence, StatusEvent
from tracker.permissions import PermissionDenied, token_covers, token_grants

STATUS_WRITE, EVIDENCE_WRITE = "status:write", "evidence:write"


class TokenRejected(Exception):
    """No live token in the request: 401, never kept for a retry."""


def error(status: int, message, field: str | None = None, **extra) -> Answer:
    """The API's error body, with the field it is about."""
    return Answer(status, {"error": {"status": status, "title": HTTP_STATUS_CODES[status],
                                     "detail": str(message), "field": field}, **extra})


def refused(status: int, message, field: str | None = None, **extra) -> Answer:
    """A service's refusal: what it left in the session (a refused Evidence hangs on its
    commitment's collection) is dropped, so the answer's own commit writes none of it."""
    db.session.rollback()
    return error(status, message, field, **extra)


def authenticate(authorization: str | None) -> ApiToken:
    """The request's live token, its use noted (to the minute); TokenRejected with the
    reason otherwise."""
    try:
        token = token_for(authorization)
    except TokenInvalid as exc:
        raise TokenRejected(str(exc)) from None
    note_use(token)
    return token


def _target(token: ApiToken, code: str, scope: str) -> Commitment | Answer:
    """The commitment this token may write for, or the refusal (403, 404)."""
    if not token_grants(token, scope):
        return error(403, _l("This token may not do this: it lacks the %(scope)s scope.",
                             scope=scope))
    commitment = db.session.scalar(sa.select(Commitment).filter_by(code=code))
    if commitment is None:
        return error(404, _l("Nothing is known by the code %(code)s.", code=code))
    if not token_covers(token, commitment):
        return error(403, _l("This token cannot write for %(code)s: it is another country's "
                             "commitment, or the token's account may not update it.",
                             code=code))
    return commitment


def state(commitment: Commitment) -> dict:
    """What a client needs to write again: the status, progress and version now."""
    return {"code": commitment.code, "status": commitment.status.value,
            "progress": commitment.progress, "version": commitment.version,
            "updated_at": isoformat_utc(commitment.updated_at)}


def post_update(token: ApiToken, code: str, request: Request) -> Answer:
    """Record a status update sent as JSON; 201 with the new state and its event."""
    target = _target(token, code, STATUS_WRITE)
    if isinstance(target, Answer):
        return target
    try:
        values = update_body(request)
    except BodyRefused as exc:
        return error(exc.status, exc.message, exc.field)
    try:
        # Recorded, not committed: answer_once commits the event with the answer kept for
        # retries, so a worker dying in between leaves neither.
        event = record_status(token.user, target, **values)
        db.session.flush()  # the version check of a concurrent write happens here
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(target)
        return refused(409, _l("The commitment changed since version %(version)s was read. "
                               "Read its current state, then send the update again with "
                               "its version.", version=values["seen_version"]),
                       "version", current=state(target))
    except UpdateRefused as exc:
        return refused(422, exc.args[0], exc.field)
    except PermissionDenied:
        return refused(403, _("The token's account may not update this commitment."))
    except Conflict as exc:
        return refused(409, _l("The commitment changed since version %(version)s was read. "
                             "Read its current state, then send the update again with "
                             "its version.", version=values["seen_version"]),
                     "version", current=state(exc.commitment))
    return Answer(201, {**state(target), "event": _event_record(event)})


def _event_record(event: StatusEvent) -> dict:
    """The event as the history in GET /commitments/{code} shows it."""
    actor_country = db.session.get(Country, event.actor_country_id) \
        if event.actor_country_id else None
    return {"commitment": event.commitment.code, "country": event.commitment.country.iso3,
            "at": isoformat_utc(event.at), "from_status": event.from_status.value
            if event.from_status else None, "to_status": event.to_status.value,
            "progress": event.progress, "note": event.note, "actor_role": event.actor_role,
            "actor_country": actor_country.iso3 if actor_country else None}


def post_evidence(token: ApiToken, code: str, request: Request) -> Answer:
    """Attach a file or a link sent as a multipart form; 201 with the evidence record."""
    target = _target(token, code, EVIDENCE_WRITE)
    if isinstance(target, Answer):
        return target
    try:
        evidence = add_evidence(token.user, target, **evidence_body(request))
    except BodyRefused as exc:
        return error(exc.status, exc.message, exc.field)
    except EvidenceNotStored as exc:
        return refused(503, exc.args[0], exc.field)
    except EvidenceRefused as exc:
        return refused(422, exc.args[0], exc.field)
    except PermissionDenied:
        return refused(403, _("The token's account may not add evidence to this commitment."))
    return Answer(201, evidence_record(evidence))


def evidence_record(e: Evidence) -> dict:
    """The evidence as GET /commitments/{code} shows public evidence, with its id and
    visibility (a restricted file is downloaded by a logged-in reader only)."""
    return {"id": e.id, "commitment": e.commitment.code, "title": e.title,
            "dated": e.dated.isoformat(), "added_at": isoformat_utc(e.created_at),
            "kind": "file" if e.is_file else "link", "visibility": e.visibility.value,
            "url": (public_url("manage.download_evidence", evidence_id=e.id) if e.is_file
                    else e.url),
            "content_type": e.content_type, "size": e.size, "sha256": e.sha256}
