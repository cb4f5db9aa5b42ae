"""Secretariat administration: meetings, recommendations and their owner countries, and
the dates and institutions of commitments. Every change is logged in the same commit."""

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker.accounts import admin_log
from tracker.commitments.edits import AdminRefused, apply_changes, checked, checked_code, commit_new
from tracker.commitments.opening import open_commitment
from tracker.commitments.status_updates import Conflict, commit_or_conflict
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    Meeting,
    Recommendation,
    RecommendationKind,
    Theme,
    WorkingTable,
)
from tracker.permissions import Actor, can_administer, ensure

__all__ = ["AdminRefused", "Conflict", "add_owner", "create_meeting", "create_recommendation",
           "record_commitment_details", "update_commitment", "update_meeting",
           "update_recommendation"]

TEXT_MAX = 20_000  # for Text columns: generous, but not unbounded
MEETING_LIMITS = {"code": 80, "name": 300, "city": 120, "venue": 200, "notes": TEXT_MAX}
RECOMMENDATION_LIMITS = {"code": 40, "section": 400, "text_es": TEXT_MAX, "title_es": 300,
                         "title_en": 300}
RECOMMENDATION_REQUIRED = ("section", "text_es", "title_es", "title_en")
INSTITUTION_MAX = 300
YEARS = range(1900, 2101)


# -- meetings ------------------------------------------------------------------------

def create_meeting(actor: Actor, *, code: str, name: str | None = None,
                   held_on: dt.date | None = None, city: str | None = None,
                   venue: str | None = None, notes: str | None = None) -> Meeting:
    """Create a meeting; what the minutes do not state stays empty (NULL)."""
    ensure(can_administer(actor))
    code = checked_code(code, MEETING_LIMITS["code"])
    values = checked(dict(name=name, city=city, venue=venue, notes=notes), MEETING_LIMITS)
    values["held_on"] = held_on
    if db.session.scalar(sa.select(Meeting.id).filter_by(code=code)) is not None:
        raise AdminRefused(_l("A meeting with this code already exists."), "code")
    meeting = Meeting(code=code, **values)
    db.session.add(meeting)
    admin_log.record(actor, "meeting.create", f"meeting {code}", code=code, **values)
    commit_new(_l("A meeting with this code already exists."))
    return meeting


def update_meeting(actor: Actor, meeting: Meeting, *, name: str | None, held_on: dt.date | None,
                   city: str | None, venue: str | None, notes: str | None) -> dict:
    """Change a meeting's facts (not its code); returns the changes, logged as [old, new]."""
    ensure(can_administer(actor))
    values = checked(dict(name=name, city=city, venue=venue, notes=notes), MEETING_LIMITS)
    values["held_on"] = held_on
    changes = apply_changes(meeting, values)
    if changes:
        admin_log.record(actor, "meeting.update", f"meeting {meeting.code}", **changes)
        db.session.commit()
    return changes


# -- recommendations and their owners --------------------------------------------------

def create_recommendation(actor: Actor, *, code: str, working_table_id: int, theme_id: int,
                          kind: str, year: int | None, section: str, text_es: str, title_es: str,
                          title_en: str, owners: Iterable[str] = ()) -> Recommendation:
    """Create a recommendation and one commitment (with its creation event) per owner."""
    ensure(can_administer(actor))
    code = checked_code(code, RECOMMENDATION_LIMITS["code"])
    values = _recommendation_values(working_table_id, theme_id, kind, year, dict(
        section=section, text_es=text_es, title_es=title_es, title_en=title_en))
    countries = _countries(owners)
    if db.session.scalar(sa.select(Recommendation.id).filter_by(code=code)) is not None:
        raise AdminRefused(_l("A recommendation with this code already exists."), "code")
    details = _logged(values)  # before adding: reading the meeting's code may autoflush
    rec = Recommendation(code=code, position=_next_position(values["working_table"]), **values)
    db.session.add(rec)
    for country in countries:
        open_commitment(actor, rec, country)
    admin_log.record(actor, "recommendation.create", f"recommendation {code}", code=code,
                     **details, owners=[c.iso3 for c in countries])
    commit_new(_l("A recommendation with this code already exists."))
    return rec


def update_recommendation(actor: Actor, rec: Recommendation, *, working_table_id: int,
                          theme_id: int, kind: str, year: int | None, section: str, text_es: str,
                          title_es: str, title_en: str) -> dict:
    """Change a recommendation (not its code nor its owners); returns the logged changes."""
    ensure(can_administer(actor))
    values = _recommendation_values(working_table_id, theme_id, kind, year, dict(
        section=section, text_es=text_es, title_es=title_es, title_en=title_en))
    if values["working_table"] is not rec.working_table:
        rec.position = _next_position(values["working_table"])
    changes = _logged(apply_changes(rec, values))
    if changes:
        admin_log.record(actor, "recommendation.update", f"recommendation {rec.code}", **changes)
        db.session.commit()
    return changes


def add_owner(actor: Actor, rec: Recommendation, iso3: str) -> Commitment:
    """Add an owner country: its commitment starts not reported, with a creation event."""
    ensure(can_administer(actor))
    (country,) = _countries([iso3], field="country")
    existing = db.session.scalar(sa.select(Commitment).filter_by(recommendation_id=rec.id,
                                                                 country_id=country.id))
    if existing is not None or _commitment_code_taken(f"{rec.code}-{country.iso3}"):
        raise AdminRefused(_l("%(country)s already owns this recommendation (commitment "
                              "%(code)s); history is kept, so it cannot be added twice.",
                              country=country.iso3, code=f"{rec.code}-{country.iso3}"),
                           "country")
    commitment = open_commitment(actor, rec, country)
    admin_log.record(actor, "recommendation.add_owner", f"recommendation {rec.code}",
                     country=country.iso3, commitment=commitment.code)
    commit_new(_l("This country already owns this recommendation."), field="country")
    return commitment


# -- commitments -----------------------------------------------------------------------

def update_commitment(actor: Actor, commitment: Commitment, *, due_date: dt.date | None,
                      responsible_institution: str | None, seen_version: int) -> dict:
    """Set the due date and responsible institution; refuse a form opened before a change."""
    changes = record_commitment_details(actor, commitment, due_date=due_date,
                                        responsible_institution=responsible_institution,
                                        seen_version=seen_version)
    if changes:
        commit_or_conflict(commitment)
    return changes


def record_commitment_details(actor: Actor, commitment: Commitment, *,
                              due_date: dt.date | None, responsible_institution: str | None,
                              seen_version: int) -> dict:
    """update_commitment without the commit, for a spreadsheet's rows applied together."""
    ensure(can_administer(actor))
    values = checked(dict(responsible_institution=responsible_institution),
                      {"responsible_institution": INSTITUTION_MAX})
    values["due_date"] = due_date
    if seen_version != commitment.version:
        raise Conflict(commitment)
    changes = apply_changes(commitment, values)
    if changes:
        admin_log.record(actor, "commitment.update", f"commitment {commitment.code}", **changes)
    return changes



# -- helpers ---------------------------------------------------------------------------

def _recommendation_values(working_table_id, theme_id, kind, year, texts: dict) -> dict:
    values = checked(texts, RECOMMENDATION_LIMITS)
    for name in RECOMMENDATION_REQUIRED:
        if not values[name]:
            raise AdminRefused(_l("This field is required."), name)
    table = db.session.get(WorkingTable, working_table_id) if working_table_id else None
    if table is None:
        raise AdminRefused(_l("Unknown working table."), "working_table")
    theme = db.session.get(Theme, theme_id) if theme_id else None
    if theme is None:
        raise AdminRefused(_l("Unknown theme."), "theme")
    try:
        kind = RecommendationKind(kind)
    except ValueError:
        raise AdminRefused(_l("Unknown kind of recommendation."), "kind") from None
    if year is not None and year not in YEARS:
        raise AdminRefused(_l("Enter a year between 1900 and 2100, or leave it empty."), "year")
    return dict(working_table=table, theme=theme, kind=kind, year=year, **values)


def _countries(iso3s: Iterable[str], field: str = "owners") -> list[Country]:
    wanted = sorted({(code or "").strip().upper() for code in iso3s})
    found = {c.iso3: c for c in db.session.scalars(sa.select(Country).where(
        Country.iso3.in_(wanted)))}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise AdminRefused(_l("Not a member state: %(codes)s.", codes=", ".join(unknown)), field)
    return [found[code] for code in wanted]


def _next_position(table: WorkingTable) -> int:
    last = db.session.scalar(sa.select(sa.func.max(Recommendation.position))
                             .filter_by(working_table_id=table.id))
    return 0 if last is None else last + 1


def _commitment_code_taken(code: str) -> bool:
    return db.session.scalar(sa.select(Commitment.id).filter_by(code=code)) is not None


def _logged(values: dict) -> dict:
    """Rows become their readable codes in the log."""
    def plain(value):
        if isinstance(value, WorkingTable):
            return f"{value.meeting.code}/{value.code}"
        if isinstance(value, Theme):
            return value.code
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {name: plain(value) for name, value in values.items()}


