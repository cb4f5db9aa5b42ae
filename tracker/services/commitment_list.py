"""The filtered, searchable, sorted and paginated list of commitments (pages and exports)."""

import datetime as dt
from dataclasses import dataclass, fields, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import (
    Commitment, Country, Meeting, Recommendation, Status, StatusEvent, Theme, WorkingTable,
)
from tracker.services.dashboard import overdue_clause
from tracker.services.search import contains

PER_PAGE = 50
SORTS = {
    "code": (Commitment.code,),
    "country": (Country.iso3, Commitment.code),
    "status": (Commitment.status, Commitment.code),
    "due": (Commitment.due_date.is_(None), Commitment.due_date, Commitment.code),
    "updated": (Commitment.updated_at.desc(), Commitment.code),
}


class BadFilter(ValueError):
    """A filter value that names nothing; the message is for the reader."""


@dataclass(frozen=True)
class Filters:
    """Every filter, as it stands in the URL, so a filtered list can be shared as a link."""

    country: str = ""
    theme: str = ""
    status: str = ""
    meeting: str = ""
    table: str = ""
    overdue: bool = False
    q: str = ""
    sort: str = "code"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Read the URL's arguments; raise BadFilter on a value that cannot be right."""
        values = {f.name: (args.get(f.name) or "").strip() for f in fields(cls)}
        try:
            page = int(values["page"] or 1)
        except ValueError:
            raise BadFilter(_l("The page must be a number.")) from None
        if page < 1:
            raise BadFilter(_l("The page must be a number.")) from None
        if values["status"] and values["status"] not in {s.value for s in Status}:
            raise BadFilter(_l("Unknown status: %(value)s", value=values["status"]))
        if values["sort"] and values["sort"] not in SORTS:
            raise BadFilter(_l("Unknown sort order: %(value)s", value=values["sort"]))
        return cls(country=values["country"].upper(), theme=values["theme"],
                   status=values["status"], meeting=values["meeting"], table=values["table"],
                   overdue=values["overdue"] in ("1", "true", "on", "yes"),
                   q=values["q"][:200], sort=values["sort"] or "code", page=page)

    def args(self, **changes) -> dict:
        """The URL arguments of these filters (defaults left out), with changes applied."""
        current = replace(self, **changes)
        defaults = Filters()
        return {f.name: getattr(current, f.name) for f in fields(self)
                if getattr(current, f.name) != getattr(defaults, f.name)}


@dataclass
class Page:
    items: list[Commitment]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def filtered_query(filters: Filters, today: dt.date | None = None):
    """SELECT of the commitments matching the filters (joins the tables filters need)."""
    query = (sa.select(Commitment)
             .join(Country, Country.id == Commitment.country_id)
             .join(Recommendation, Recommendation.id == Commitment.recommendation_id)
             .join(Theme, Theme.id == Recommendation.theme_id)
             .join(WorkingTable, WorkingTable.id == Recommendation.working_table_id)
             .join(Meeting, Meeting.id == WorkingTable.meeting_id))
    if filters.country:
        query = query.where(Country.iso3 == filters.country)
    if filters.theme:
        query = query.where(Theme.code == filters.theme)
    if filters.status:
        query = query.where(Commitment.status == filters.status)
    if filters.meeting:
        query = query.where(Meeting.code == filters.meeting)
    if filters.table:
        query = query.where(WorkingTable.code == filters.table)
    if filters.overdue:
        query = query.where(overdue_clause(today or dt.date.today()))
    if filters.q:
        notes = sa.select(StatusEvent.id).where(StatusEvent.commitment_id == Commitment.id,
                                                contains(StatusEvent.note, filters.q))
        query = query.where(sa.or_(
            contains(Recommendation.title_es, filters.q), contains(Recommendation.title_en, filters.q),
            contains(Recommendation.text_es, filters.q), contains(Commitment.code, filters.q),
            notes.exists()))
    return query


def list_commitments(filters: Filters, per_page: int = PER_PAGE) -> Page:
    """One page of matching commitments with their country and recommendation (2 queries)."""
    query = filtered_query(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(joinedload(Commitment.country), joinedload(Commitment.recommendation))
        .order_by(*SORTS[filters.sort])
        .limit(per_page).offset((filters.page - 1) * per_page))
    return Page(items=list(items), total=total, page=filters.page, per_page=per_page)


def filter_choices():
    """The values the list's filters offer (countries, themes, meetings, working tables)."""
    return {
        "countries": list(db.session.scalars(sa.select(Country).order_by(Country.iso3))),
        "themes": list(db.session.scalars(sa.select(Theme).order_by(Theme.code))),
        "meetings": list(db.session.scalars(sa.select(Meeting).order_by(Meeting.code))),
        "tables": list(db.session.scalars(sa.select(WorkingTable.code).distinct()
                                          .order_by(WorkingTable.code))),
    }
