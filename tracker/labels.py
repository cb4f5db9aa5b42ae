"""Translatable labels for the stable codes stored in the database."""

from flask_babel import lazy_gettext as _l

from tracker.models import Status

STATUS_LABELS = {
    Status.NOT_REPORTED: _l("Not reported"),
    Status.NOT_STARTED: _l("Not started"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.COMPLETED: _l("Completed"),
    Status.STALLED: _l("Stalled"),
}
