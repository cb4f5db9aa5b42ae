"""The words exports share, in the reader's language: status, progress, actor, filters."""

from flask_babel import gettext as _

from tracker.commitments.listing import Filters
from tracker.core.labels import ACTOR_LABELS, STATUS_LABELS
from tracker.models import Status


def status_label(value: str | None) -> str:
    """A status code's label in the reader's language ('—' for none)."""
    return str(STATUS_LABELS[Status(value)]) if value else "—"


def progress_text(progress: int | None) -> str | None:
    """'Progress: 40 %', or None when no progress was reported."""
    return None if progress is None else _("Progress: %(progress)d %%", progress=progress)


def actor_text(role: str, country: str | None) -> str:
    """Who acted, as the public sees it: a role and a country, never a person."""
    label = str(ACTOR_LABELS.get(role, role))
    return _("Reported by: %(actor)s", actor=f"{label} ({country})" if country else label)


def filters_text(filters: Filters) -> str:
    """The filters in words ('Country: MEX, Status: In progress'), '' when there are none."""
    labels = {"country": _("Country"), "theme": _("Theme"), "status": _("Status"),
              "meeting": _("Meeting"), "table": _("Working table"), "q": _("Search")}
    parts = [f"{label}: {status_label(value) if name == 'status' else value}"
             for name, label in labels.items() if (value := getattr(filters, name))]
    if filters.overdue:
        parts.append(_("Overdue only"))
    return ", ".join(parts)


def with_filters(title: str, filters: Filters) -> str:
    """A title followed by the filters it is limited to."""
    described = filters_text(filters)
    return f"{title} ({described})" if described else title
