"""The filtered, searchable, sorted and paginated list of commitments (pages and exports)."""

import datetime as dt
import re
from dataclasses import dataclass, fields, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from tracker.commitments.overdue import overdue_clause, overdue_count
from tracker.commitments.search import RELEVANCE, TRIGRAM, ranking_tables, search_condition
from tracker.core.data_version import remember
from tracker.core.dates import local_today
from tracker.core.refusals import Refused
from tracker.extensions import db
from tracker.models import (
    Commitment,
    CommitmentTally,
    Country,
    Meeting,
    Recommendation,
    Status,
    Theme,
    WorkingTable,
)

PER_PAGE = 50
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_PAGE = 1_000_000  # beyond any real list; keeps OFFSET inside a 64-bit integer
OVERDUE_VALUES = {"0": False, "false": False, "1": True, "true": True, "on": True}
SORTS = {
    "code": (Commitment.code,),
    # Every code ends in its owner's ISO3 (open_commitment writes it so): sorting on that
    # suffix is sorting by country, off one table's index (ix_commitment_country_order),
    # where ORDER BY country.iso3 across the join sorted every commitment. The 2 is literal
    # so that the expression is the index's.
    "country": (sa.func.substr(Commitment.code,
                               sa.func.length(Commitment.code) - sa.literal_column("2")),
                Commitment.code),
    "status": (Commitment.status, Commitment.code),
    "due": (Commitment.due_date.is_(None), Commitment.due_date, Commitment.code),
    "updated": (Commitment.updated_at.desc(), Commitment.code),
    # The default with a search (see search.RELEVANCE); without one it is the code order.
    "relevance": (*RELEVANCE, Commitment.code),
}


def default_sort(q: str) -> str:
    """Relevance for a search of three letters or more. Shorter ones match nearly every
    commitment, and ranking 100,000 of them took 0.7 s where the code order reads 50."""
    return "relevance" if len(q) >= TRIGRAM else "code"


class BadFilter(Refused):
    """A filter value that names nothing; the message is for the reader."""


def page_argument(args) -> int:
    """The URL's ?page= (1 when absent), as every paged page reads it; BadFilter when it is
    not a number from 1 to MAX_PAGE."""
    page = (args.get("page") or "").strip(" ") if "page" in args else "1"
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= MAX_PAGE:
        raise BadFilter(_l("The page must be a number from 1 to %(max)d.", max=MAX_PAGE))
    return int(page)


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
        values = {f.name: (args.get(f.name) or "") for f in fields(cls)}
        # Control characters match no text (and PostgreSQL refuses NUL): dropped from a
        # search, refused in a code.
        values["q"] = CONTROL.sub("", values["q"])
        if any(CONTROL.search(value) for value in values.values()):
            raise BadFilter(_l("The address contains a character that is not allowed."))
        values = {name: value.strip(" ") for name, value in values.items()}
        # An empty number or flag is a mistake in a hand-made URL; forms never send one.
        page = page_argument(args)
        values["overdue"] = values["overdue"].lower() if "overdue" in args else "false"
        if values["overdue"] not in OVERDUE_VALUES:
            raise BadFilter(_l("overdue must be 1 (overdue commitments only) or 0."))
        if values["status"] and values["status"] not in {s.value for s in Status}:
            raise BadFilter(_l("Unknown status: %(value)s", value=values["status"]))
        if values["sort"] and values["sort"] not in SORTS:
            raise BadFilter(_l("Unknown sort order: %(value)s", value=values["sort"]))
        q = values["q"][:200]
        sort = values["sort"] or default_sort(q)
        if sort == "relevance":  # ranks nothing without a search of three letters or more
            sort = default_sort(q)
        return cls(country=values["country"].upper(), theme=values["theme"],
                   status=values["status"], meeting=values["meeting"], table=values["table"],
                   overdue=OVERDUE_VALUES[values["overdue"]],
                   q=q, sort=sort, page=page)

    def args(self, **changes) -> dict:
        """The URL arguments of these filters (defaults left out), with changes applied."""
        current = replace(self, **changes)
        defaults = Filters(sort=default_sort(current.q))  # an explicit code order stays
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


def recommendation_conditions(filters: Filters) -> list:
    """The theme, meeting and working-table filters (on Theme, Meeting, WorkingTable)."""
    pairs = ((filters.theme, Theme.code), (filters.meeting, Meeting.code),
             (filters.table, WorkingTable.code))
    return [column == value for value, column in pairs if value]


def filtered_query(filters: Filters, today: dt.date | None = None):
    """SELECT of the commitments matching the filters (joins the tables filters need)."""
    query = (sa.select(Commitment)
             .join(Country, Country.id == Commitment.country_id)
             .join(Recommendation, Recommendation.id == Commitment.recommendation_id)
             .join(Theme, Theme.id == Recommendation.theme_id)
             .join(WorkingTable, WorkingTable.id == Recommendation.working_table_id)
             .join(Meeting, Meeting.id == WorkingTable.meeting_id))
    query = query.where(*recommendation_conditions(filters))
    if filters.country:
        # On the commitment's own column (not through the join), so that the planner uses
        # the indexes that lead with country_id.
        query = query.where(Commitment.country_id == sa.select(Country.id).where(
            Country.iso3 == filters.country).scalar_subquery())
    if filters.status:
        query = query.where(Commitment.status == filters.status)
    if filters.overdue:
        query = query.where(overdue_clause(today or local_today()))
    if filters.q:
        query = query.where(search_condition(filters.q))
    if filters.sort == "relevance":  # SORTS["relevance"] reads the search's rank from these
        needle, rank = ranking_tables(filters.q)
        query = query.join(*needle).outerjoin(*rank)
    return query


def check_known(filters: Filters) -> None:
    """Raise BadFilter when a country, theme, meeting or table names nothing (one query)."""
    checks = [(filters.country, Country.iso3, _l("Unknown country: %(value)s")),
              (filters.theme, Theme.code, _l("Unknown theme: %(value)s")),
              (filters.meeting, Meeting.code, _l("Unknown meeting: %(value)s")),
              (filters.table, WorkingTable.code, _l("Unknown working table: %(value)s"))]
    checks = [(value, column, message) for value, column, message in checks if value]
    if not checks:
        return
    found = db.session.execute(sa.select(*(sa.exists().where(column == value)
                                            for value, column, _ in checks))).one()
    for (value, _, message), exists in zip(checks, found, strict=True):
        if not exists:
            raise BadFilter(message % {"value": value})


def _tallied_count(filters: Filters) -> int | None:
    """The count read off the tallies (tracker.models.tally) when every filter is one of
    their dimensions: a few rows summed, not every commitment counted. None otherwise."""
    if filters.q or (filters.theme and (filters.table or filters.meeting)):
        return None
    if filters.overdue:
        if filters.theme or filters.table or filters.meeting:
            return None
        country_id = None
        if filters.country:
            country_id = db.session.scalar(sa.select(Country.id)
                                           .where(Country.iso3 == filters.country))
            if country_id is None:
                return 0
        return overdue_count(local_today(), country_id=country_id, status=filters.status)
    query = sa.select(sa.func.coalesce(sa.func.sum(CommitmentTally.count), 0))
    if filters.theme:
        query = (query.join(Theme, Theme.id == CommitmentTally.scope_id)
                 .where(CommitmentTally.scope == "theme"))
    elif filters.table or filters.meeting:
        query = (query.join(WorkingTable, WorkingTable.id == CommitmentTally.scope_id)
                 .join(Meeting, Meeting.id == WorkingTable.meeting_id)
                 .where(CommitmentTally.scope == "table"))
    else:
        query = query.where(CommitmentTally.scope == "all")
    if filters.country:
        query = (query.join(Country, Country.id == CommitmentTally.country_id)
                 .where(Country.iso3 == filters.country))
    if filters.status:
        query = query.where(CommitmentTally.status == filters.status)
    return db.session.scalar(query.where(*recommendation_conditions(filters)))


def count_commitments(filters: Filters) -> int:
    """How many commitments match; counted once per version of the data, then remembered."""
    def count():
        tallied = _tallied_count(filters)
        if tallied is not None:
            return tallied
        # Without the ranking's joins: the order does not change how many match.
        query = filtered_query(replace(filters, sort="code"))
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    today = local_today() if filters.overdue else ""
    key = sorted(replace(filters, sort="code").args(page=1).items())
    return remember("commitment-count", count, key, today)


def list_commitments(filters: Filters, per_page: int = PER_PAGE) -> Page:
    """One page of matching commitments with their country and recommendation (2 queries)."""
    query = filtered_query(filters)
    total = count_commitments(filters)
    items = db.session.scalars(
        # The query joins both already: eager loading from those joins keeps it at six
        # tables (a second pair of joins pushed it past the planner's join_collapse_limit).
        query.options(contains_eager(Commitment.country), contains_eager(Commitment.recommendation))
        .order_by(*SORTS[filters.sort])
        .limit(per_page).offset((filters.page - 1) * per_page))
    return Page(items=list(items), total=total, page=filters.page, per_page=per_page)


def _compute_choices() -> dict[str, list[tuple[str, str, str]]]:
    def read(*columns):
        return db.session.execute(sa.select(*columns).order_by(columns[0])).all()

    meetings = [(code, Meeting.label_for(code, name, venue))
                for code, name, venue in read(Meeting.code, Meeting.name, Meeting.venue)]
    tables = db.session.scalars(sa.select(WorkingTable.code).distinct().order_by(WorkingTable.code))
    countries = db.session.execute(sa.select(Country.iso3, Country.name_es, Country.name_en)
                                   .order_by(Country.regional, Country.iso3))  # CRM last
    return {
        "countries": [tuple(row) for row in countries],
        "themes": [tuple(row) for row in read(Theme.code, Theme.name_es, Theme.name_en)],
        "meetings": [(code, label, label) for code, label in meetings],
        "tables": [(code, code, code) for code in tables],
    }


def filter_choices(locale: str = "es") -> dict[str, list[tuple[str, str]]]:
    """(value, label) of everything the list's filters offer, read once per data version
    (hundreds of meetings at scale: the page renders plain pairs, no objects)."""
    english = locale == "en"
    return {kind: [(value, en if english else es) for value, es, en in rows]
            for kind, rows in remember("filter-choices", _compute_choices).items()}
