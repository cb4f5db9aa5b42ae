"""The <option>s of the pages' pickers, rendered once per data version, language and
selected value: at 100,000 commitments there are hundreds of meetings, and looping over
them in the template cost more than the rest of a list page."""

import sqlalchemy as sa
from flask_babel import get_locale
from markupsafe import Markup, escape

from tracker.commitments.listing import filter_choices
from tracker.commitments.matrix import latest_meeting_first
from tracker.core.data_version import remember
from tracker.extensions import db
from tracker.models import Meeting


def _meetings_latest_first() -> list[tuple[str, str]]:
    """(code, label) of every meeting, the latest first (the matrix's picker)."""
    return [(code, Meeting.label_for(code, name, venue)) for code, name, venue in
            db.session.execute(sa.select(Meeting.code, Meeting.name, Meeting.venue)
                               .order_by(*latest_meeting_first()))]


def _choices(kind: str, locale: str) -> list[tuple[str, str]]:
    if kind == "matrix-meetings":
        return remember("matrix-meetings", _meetings_latest_first)
    return filter_choices(locale)[kind]


def option_tags(kind: str, selected: str | None) -> Markup:
    """The <option> tags of one picker (countries, themes, meetings, tables, or
    matrix-meetings), with ``selected`` marked: the list is rendered once per data version
    and language, the mark added to it (one cache entry per picker, not per choice)."""
    locale = str(get_locale())

    def render() -> str:
        return "".join(f'<option value="{escape(value)}">{escape(label)}</option>'
                       for value, label in _choices(kind, locale))

    tags = remember("option-tags", render, kind, locale)
    if selected:
        chosen = f'<option value="{escape(selected)}">'
        tags = tags.replace(chosen, f'<option value="{escape(selected)}" selected>', 1)
    return Markup(tags)
