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

# Who acted, as the public sees it: a role, never a person.
ACTOR_LABELS = {
    "system": _l("Secretariat (set-up)"),
    "secretariat": _l("Secretariat"),
    "focal_point": _l("Government focal point"),
    "auditor": _l("Auditor"),
}
