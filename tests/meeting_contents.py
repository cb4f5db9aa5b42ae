"""What meetings are made of, by natural keys, to compare two databases (an export loaded
into an empty one), and the CLI run against a given app."""

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    Commitment,
    ContextItem,
    Country,
    Meeting,
    Recommendation,
    SourceDocument,
    SourceQuote,
    Theme,
)


def cli(app, *args: str):
    """A command on this app (the CLI uses whichever app context is current)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def contents() -> dict:
    """What the meeting is made of, by natural keys (no ids), in the current app context."""
    all_of = lambda model: db.session.scalars(sa.select(model)).all()  # noqa: E731
    recommendations = sorted(
        (r.code, r.kind.value, r.year, r.section, r.position, r.text_es, r.title_es,
         r.title_en, r.theme.code, r.editorial_note, r.editorial_note_es, r.working_table.code,
         r.working_table.position, r.working_table.name_es, r.working_table.name_en,
         r.working_table.facilitators, r.working_table.meeting.code)
        for r in all_of(Recommendation))
    context = sorted((c.code, c.kind.value, c.section, c.position, c.text_es,
                      c.working_table.code) for c in all_of(ContextItem))
    quotes = sorted(((q.recommendation or q.context_item).code, q.document.code, q.position,
                     q.quote) for q in all_of(SourceQuote))
    return {
        "meetings": sorted((m.code, m.name, m.held_on, m.city, m.venue, m.notes)
                           for m in all_of(Meeting)),
        "documents": sorted((d.code, d.title, d.language, d.text, d.meeting.code)
                            for d in all_of(SourceDocument)),
        "recommendations": recommendations, "context": context, "quotes": quotes,
        "commitments": sorted(c.code for c in all_of(Commitment)),
        "countries": sorted((c.iso3, c.name_es, c.name_en, c.regional) for c in all_of(Country)),
        "themes": sorted((t.code, t.name_es, t.name_en) for t in all_of(Theme)),
    }


def only_meeting(rows: dict, meeting: Meeting) -> dict:
    """contents() of one meeting (an export holds one meeting; the seeded one is not in it)."""
    db.session.refresh(meeting)
    tables = {t.code for t in meeting.working_tables}
    documents = {d.code for d in meeting.documents}
    keep = {"meetings": lambda m: m[0] == meeting.code,
            "documents": lambda d: d[0] in documents,
            "recommendations": lambda r: r[11] in tables,
            "context": lambda c: c[5] in tables,
            "quotes": lambda q: q[1] in documents,
            "commitments": lambda code: code.split("-")[0] in tables}
    return {key: [row for row in values if keep[key](row)] if key in keep else values
            for key, values in rows.items()}
