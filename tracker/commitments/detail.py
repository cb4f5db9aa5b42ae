"""Loading a commitment with everything its page shows, in a fixed number of queries."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.commitments.listing import Page
from tracker.commitments.overdue import overdue_clause
from tracker.extensions import db
from tracker.models import Commitment, Evidence, Recommendation, SourceQuote, Status, StatusEvent
from tracker.permissions import Reader, can_view_evidence


def load_commitment(code: str) -> Commitment | None:
    """The commitment with its recommendation, quotes, history and siblings."""
    return db.session.scalar(
        sa.select(Commitment).where(Commitment.code == code)
        .options(
            joinedload(Commitment.country),
            joinedload(Commitment.recommendation).options(
                joinedload(Recommendation.theme),
                joinedload(Recommendation.working_table),
                selectinload(Recommendation.quotes).joinedload(SourceQuote.document),
                selectinload(Recommendation.commitments).joinedload(Commitment.country),
            ),
            selectinload(Commitment.events).joinedload(StatusEvent.actor_country),
        )
        # A row the request read before (its forms) is refreshed, not kept as first loaded.
        .execution_options(populate_existing=True)
    )


def visible_evidence(user: Reader, commitment: Commitment) -> list[Evidence]:
    """The commitment's stored evidence this reader may see (one query; not its collection,
    which holds a refused form's unsaved item too)."""
    stored = db.session.scalars(sa.select(Evidence).where(
        Evidence.commitment_id == commitment.id).order_by(Evidence.id))
    return [e for e in stored if can_view_evidence(user, e)]


COUNTRY_LIST_LIMIT = 100  # My commitments: beyond it, the filtered list pages through the rest
COUNTRY_PER_PAGE = 50  # the public country page


def _runs(today: dt.date) -> list[sa.ColumnElement[bool]]:
    """A country's commitments in the order its pages show them, as four runs that follow
    one another: overdue, past due and completed, due later, undated. Each run is one range
    of ix_commitment_country_id_due_order, already in (due date, code) order."""
    # "(due_date IS NULL) = false" names the index's second key: a range, not a filter.
    dated = Commitment.due_date.is_(None) == sa.false()
    return [sa.and_(dated, overdue_clause(today)),
            sa.and_(dated, Commitment.due_date < today, Commitment.status == Status.COMPLETED),
            sa.and_(dated, Commitment.due_date >= today),
            Commitment.due_date.is_(None)]


def country_page(country_id: int, total: int, number: int, today: dt.date) -> Page | None:
    """Page ``number`` of a country's commitments, ``total`` of them (from its tallies: no
    COUNT); None past the last page."""
    page = Page(items=[], total=total, page=number, per_page=COUNTRY_PER_PAGE)
    if number > page.pages:
        return None
    page.items = commitments_of_country(country_id, today, COUNTRY_PER_PAGE,
                                        (number - 1) * COUNTRY_PER_PAGE)[:COUNTRY_PER_PAGE]
    return page


def commitments_of_country(country_id: int, today: dt.date, limit: int = COUNTRY_LIST_LIMIT,
                           offset: int = 0) -> list[Commitment]:
    """A country's commitments, overdue first (oldest due date first), then by due date,
    undated last: at most limit + 1 from offset, so a page can tell there are more without
    counting them."""
    return list(db.session.scalars(country_page_query(country_id, today, limit + 1, offset)))


def country_page_query(country_id: int, today: dt.date, limit: int, offset: int) -> sa.Select:
    """One query: each run reads at most offset + limit entries of its index range, instead
    of the country's thousands of commitments being sorted for every page."""
    order = (Commitment.due_date.is_(None), Commitment.due_date, Commitment.code)
    runs = [sa.select(sa.literal(number).label("run"), Commitment.id, Commitment.due_date,
                      Commitment.code)
            .where(Commitment.country_id == country_id, condition)
            .order_by(*order).limit(offset + limit).subquery()
            for number, condition in enumerate(_runs(today))]
    ordered = sa.union_all(*(sa.select(run) for run in runs)).subquery()
    page = (sa.select(ordered).order_by(ordered.c.run, ordered.c.due_date, ordered.c.code)
            .limit(limit).offset(offset).subquery())
    return (sa.select(Commitment).join(page, page.c.id == Commitment.id)
            .options(joinedload(Commitment.recommendation))
            .order_by(page.c.run, page.c.due_date, page.c.code))
