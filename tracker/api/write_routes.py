"""API: writes by national systems, with a bearer token only (never the session cookie, so
no CSRF token: these two views, and no other, are exempt), rate-limited per token and
idempotent with an ``Idempotency-Key`` header."""

from collections.abc import Callable

from flask import Request, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from tracker.api import bp
from tracker.api.idempotency import Answer, IdempotencyRefused, answer_once, fingerprint
from tracker.api.remote_writes import TokenRejected, authenticate, error, post_evidence, post_update
from tracker.api.write_bodies import retry_identity
from tracker.core.request_checks import takes_json
from tracker.core.urls import public_url
from tracker.extensions import csrf, limiter
from tracker.models import ApiToken

CHALLENGE = 'Bearer realm="crm-tracker", error="invalid_token"'
ENVIRON_KEY = "tracker.api_token"


def _lookup() -> tuple[ApiToken | None, str | None]:
    """The request's live token or why there is none, looked up once (the rate limit's key
    needs it first). Kept on the request itself, not ``g``: an app context may outlive one
    request (tests, the CLI), and a token must never carry over to the next."""
    if ENVIRON_KEY not in request.environ:
        try:
            request.environ[ENVIRON_KEY] = (authenticate(request.headers.get("Authorization")),
                                            None)
        except TokenRejected as exc:
            request.environ[ENVIRON_KEY] = (None, str(exc))
    return request.environ[ENVIRON_KEY]


def _token() -> ApiToken | None:
    return _lookup()[0]


def _rate_key() -> str:
    """Count per token: one ministry's servers may share an address, and two ministries an
    outgoing proxy. A request without a live token counts against its address."""
    token = _token()
    return f"api-token:{token.id}" if token else f"api-address:{get_remote_address()}"


per_token = limiter.limit(lambda: current_app.config["API_WRITE_RATE_LIMIT"],
                          key_func=_rate_key, error_message=lambda: _(
                              "Too many writes with this token. Wait the seconds given in "
                              "Retry-After, then send the request again."))


def answer_write(code: str, handle: Callable[[ApiToken, str, Request], Answer]) -> Response:
    """Authenticate, then answer once per Idempotency-Key: the first answer or its replay."""
    token, problem = _lookup()
    if token is None:
        answer = error(401, _("Send a valid API token: Authorization: Bearer <token> "
                              "(%(problem)s).", problem=problem))
    else:
        print_ = fingerprint(request.method, request.path, retry_identity(request))
        try:
            answer = answer_once(token, request.headers.get("Idempotency-Key"), print_,
                                 lambda: handle(token, code, request))
        except IdempotencyRefused as exc:
            answer = error(exc.status, exc.message, exc.field)
    response = jsonify(answer.body)
    response.status_code = answer.status
    response.headers["Cache-Control"] = "no-store"
    if answer.status == 401:
        response.headers["WWW-Authenticate"] = CHALLENGE
    if answer.status == 201:
        response.headers["Location"] = public_url("api.commitment", code=code)
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/commitments/<code>/updates")
@takes_json
@csrf.exempt
@per_token
def commitment_update(code: str):
    """Record a status update (JSON) with a token holding status:write."""
    return answer_write(code, post_update)


@bp.post("/commitments/<code>/evidence")
@csrf.exempt
@per_token
def commitment_evidence(code: str):
    """Attach a file or a link (multipart) with a token holding evidence:write."""
    return answer_write(code, post_evidence)
