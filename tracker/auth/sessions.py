"""Flask-Login wiring: a session is valid only while its user's session_version matches."""

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.core.errors import DATABASE_UNAVAILABLE, answer_as_anonymous
from tracker.extensions import db, login_manager
from tracker.models import User

# What answers without the database, so also while it is down, for a logged-in reader too.
NEEDS_NO_DATABASE = frozenset({"static", "health.healthz"})


def init_app(app: Flask) -> None:
    """Bind Flask-Login to the app with the tracker's login page and session check."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.init_app(app)
    app.before_request(_load_session_user)


def _load_session_user() -> None:
    """Look the session's user up before the view, as every logged-in answer does anyway
    (its Cache-Control depends on it): a database that does not answer then fails here,
    where its error handler answers 503, not in an after-request hook, where Flask can only
    log a traceback and answer 500. A stylesheet or a liveness probe needs no user."""
    try:
        current_user._get_current_object()
    except DATABASE_UNAVAILABLE:
        if request.endpoint not in NEEDS_NO_DATABASE:
            raise
        answer_as_anonymous()


def load_user(session_id: str) -> User | None:
    """Find the user of a session id ``"<id>:<session_version>"``; stale ids log out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user
