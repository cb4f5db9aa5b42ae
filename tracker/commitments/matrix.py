"""The regional matrix: a meeting's recommendations by the member states, one cell each,
then a column for the CRM as a regional body when the meeting gives it commitments."""

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from tracker.commitments.listing import CONTROL
from tracker.extensions import db
from tracker.models import Commitment, Country, Meeting, Recommendation, Status, WorkingTable


def effective_progress(commitment: Commitment) -> int:
    """As on the dashboard: 100 when completed, the reported figure, or 0."""
    if commitment.status == Status.COMPLETED:
        return 100
    return commitment.progress or 0


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


@dataclass
class Matrix:
    meeting: Meeting | None
    countries: list[Country]
    rows: list[tuple[Recommendation, dict[int, Commitment], float | None]]
    country_progress: dict[int, float | None]


def latest_meeting_first():
    return (Meeting.held_on.is_(None), Meeting.held_on.desc(), Meeting.id.desc())


def by_name(countries: list[Country], locale: str) -> list[Country]:
    """The member states by their name in the reader's language (accents aside: "México"
    among the M), the CRM as a regional body last: the columns are headed by those names."""
    def folded(name: str) -> str:
        return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return sorted(countries, key=lambda c: (c.regional, folded(c.name(locale))))


def build_matrix(meeting_code: str | None = None, locale: str = "es") -> Matrix | None:
    """The matrix of one meeting (the latest by default), its columns in ``locale``'s name
    order (by_name); None if that meeting is unknown."""
    # One meeting read, not all of them (hundreds at scale): the picker lists them from a
    # cache (tracker.public.options).
    if meeting_code and CONTROL.search(meeting_code):
        return None  # names no meeting (and PostgreSQL refuses a NUL)
    query = sa.select(Meeting)
    query = (query.where(Meeting.code == meeting_code) if meeting_code
             else query.order_by(*latest_meeting_first()).limit(1))
    meeting = db.session.scalar(query)
    if meeting_code and meeting is None:
        return None
    countries = by_name(list(db.session.scalars(sa.select(Country))), locale)
    if meeting is None:
        return Matrix(None, [c for c in countries if not c.regional], [], {})
    recommendations = list(db.session.scalars(
        sa.select(Recommendation).join(WorkingTable)
        .where(WorkingTable.meeting_id == meeting.id)
        .order_by(WorkingTable.position, Recommendation.position)))
    cells: dict[int, dict[int, Commitment]] = {r.id: {} for r in recommendations}
    for commitment in db.session.scalars(
            sa.select(Commitment).where(Commitment.recommendation_id.in_(list(cells)))):
        cells[commitment.recommendation_id][commitment.country_id] = commitment
    rows = [(r, cells[r.id], _mean([effective_progress(c) for c in cells[r.id].values()]))
            for r in recommendations if cells[r.id]]
    # Every member state has its column; the CRM's only where it owns something, since most
    # recommendations are the states' and a column of dashes would read as unreported.
    owners = {country_id for _, row, _ in rows for country_id in row}
    countries = [c for c in countries if not c.regional or c.id in owners]
    country_progress = {
        country.id: _mean([effective_progress(row[country.id]) for _, row, _ in rows
                           if country.id in row])
        for country in countries}
    return Matrix(meeting, countries, rows, country_progress)
