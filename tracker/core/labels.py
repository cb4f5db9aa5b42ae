"""Translatable labels for the stable codes stored in the database."""

from collections.abc import Iterator, Mapping

from flask_babel import get_locale, lazy_gettext as _l

from tracker.models import (
    Assessment,
    DigestFrequency,
    DraftDecision,
    DraftKind,
    Frequency,
    MessageKind,
    OrganisationKind,
    OutboxStatus,
    RecommendationKind,
    Status,
    Unit,
)

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

RECOMMENDATION_KIND_LABELS = {
    RecommendationKind.RECOMMENDATION: _l("Recommendation"),
    RecommendationKind.EARLIER_AGREEMENT: _l("Earlier agreement (recalled)"),
}

# What an item of uploaded minutes is proposed to be (the review of drafts).
DRAFT_KIND_LABELS = {
    DraftKind.RECOMMENDATION: _l("Recommendation"),
    DraftKind.EARLIER_AGREEMENT: _l("Earlier agreement (recalled)"),
    DraftKind.GOOD_PRACTICE: _l("Good practice"),
    DraftKind.EXPERIENCE: _l("Experience"),
    DraftKind.APPROACH: _l("Approach"),
    DraftKind.OBSTACLE: _l("Obstacle"),
    DraftKind.COMMON_ELEMENT: _l("Common element"),
    DraftKind.OTHER: _l("Other (not published)"),
}

DRAFT_DECISION_LABELS = {
    DraftDecision.PENDING: _l("To review"),
    DraftDecision.ACCEPTED: _l("Accepted"),
    DraftDecision.MERGED: _l("Merged"),
    DraftDecision.REJECTED: _l("Rejected"),
}

# How often a focal point's digest comes.
FREQUENCY_LABELS = {
    DigestFrequency.WEEKLY: _l("Weekly"),
    DigestFrequency.MONTHLY: _l("Monthly"),
    DigestFrequency.NONE: _l("No digests (overdue notices from the secretariat still come)"),
}

# Whether an auditor's digest of what they follow comes.
FOLLOW_DIGEST_LABELS = {
    DigestFrequency.WEEKLY: _l("Weekly"),
    DigestFrequency.NONE: _l("No digest"),
}

# Each language named in itself, as in the language switcher.
LANGUAGE_LABELS = {"es": "Español", "en": "English"}

MESSAGE_KIND_LABELS = {
    MessageKind.DIGEST: _l("Digest"),
    MessageKind.OVERDUE_NOTICE: _l("Overdue notice"),
    MessageKind.WEEKLY_SUMMARY: _l("Weekly summary"),
    MessageKind.INVITATION: _l("Invitation"),
    MessageKind.PASSWORD_RESET: _l("Password reset"),
}

# Lower case: they are read inside a sentence of the outbox table.
OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("pending"),
    OutboxStatus.SENDING: _l("sending"),
    OutboxStatus.FAILED: _l("failed"),
}


# An indicator's unit and frequency, as its pages name them (the forms' choices say more).
INDICATOR_UNIT_LABELS = {Unit.COUNT: _l("Count"), Unit.PERCENT: _l("Percentage"),
                         Unit.CURRENCY: _l("Amount of money"), Unit.DAYS: _l("Days")}
INDICATOR_FREQUENCY_LABELS = {Frequency.YEAR: _l("Yearly"), Frequency.HALF: _l("Half-yearly"),
                              Frequency.QUARTER: _l("Quarterly")}

class InLanguage(Mapping):
    """A table of labels for templates, each translated once per language rather than at
    every use (a dashboard names the same five statuses a hundred times)."""

    def __init__(self, labels: Mapping) -> None:
        self._labels = labels
        self._translated: dict[tuple[str, object], str] = {}

    def __getitem__(self, key) -> str:
        locale = str(get_locale())
        try:
            return self._translated[locale, key]
        except KeyError:
            label = self._translated[locale, key] = str(self._labels[key])
            return label

    def __iter__(self) -> Iterator:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)
