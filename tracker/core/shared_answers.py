"""Answers the same for every reader do not vary on the session cookie.

Flask adds ``Vary: Cookie`` to every answer for which the session was read, and Flask-Login
reads it on every request: a stylesheet or a CSV then claimed to differ per visitor, and a
shared cache kept one copy per cookie. Here an answer that says it is shared (public and
not varying on Cookie, a static file, a pre-flight answer) leaves the session alone: no
Vary, no refreshed cookie. An answer that depends on the reader adds ``Vary: Cookie``
itself (http_cache)."""

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


def same_for_every_session(response: Response) -> bool:
    """The answer does not depend on who asks."""
    if request.endpoint == "static" or request.method == "OPTIONS":
        return True
    return bool(response.cache_control.public) and "Cookie" not in response.vary


class SessionOnlyWhereItMatters(SecureCookieSessionInterface):
    """Flask's signed-cookie session, saved (and declared in Vary) only on answers that
    depend on it."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session.modified and same_for_every_session(response):
            return
        super().save_session(app, session, response)
