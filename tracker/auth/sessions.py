"""Flask-Login wiring: a session is valid only while its user's session_version matches."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from tracker.extensions import db, login_manager
from tracker.models import User


def init_app(app: Flask) -> None:
    """Bind Flask-Login to the app with the tracker's login page and session check."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.init_app(app)


def load_user(session_id: str) -> User | None:
    """Find the user of a session id ``"<id>:<session_version>"``; stale ids log out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user
