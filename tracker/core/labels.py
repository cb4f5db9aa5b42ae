"""Translatable labels for the stable codes stored in the database."""

from flask_babel import lazy_gettext as _l

from tracker.models import Assessment, OrganisationKind, Status

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

# The Open Government Partnership completion scale, as civil society rates a commitment.
ASSESSMENT_LABELS = {
    Assessment.NO_EVIDENCE: _l("No evidence available"),
    Assessment.NOT_STARTED: _l("Not started"),
    Assessment.LIMITED: _l("Limited"),
    Assessment.SUBSTANTIAL: _l("Substantial"),
    Assessment.COMPLETE: _l("Complete"),
}

ORGANISATION_KIND_LABELS = {
    OrganisationKind.CIVIL_SOCIETY: _l("Civil society"),
    OrganisationKind.ACADEMIA: _l("Academia"),
    OrganisationKind.INTERNATIONAL_ORGANISATION: _l("International organisation"),
}
