"""Reminder pages: the one-click unsubscribe, a user's preferences, the secretariat's rules."""

from flask import Blueprint

bp = Blueprint("reminders", __name__)

from tracker.reminders import routes  # noqa: E402,F401
