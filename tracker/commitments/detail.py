"""Loading a commitment with everything its page shows, in a fixed number of queries."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.commitments.overdue import overdue_clause
from tracker.extensions import db
from tracker.models import Commitment, Evidence, Recommendation, SourceQuote, StatusEvent
from tracker.permissions import Reader, can_view_evidence


def load_commitment(code: str) -> Commitment | None:
    """The commitment with its recommendation, quotes, history, evidence and siblings."""
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
            selectinload(Commitment.evidence),
        )
    )


def visible_evidence(user: Reader, commitment: Commitment) -> list[Evidence]:
    return [e for e in commitment.evidence if can_view_evidence(user, e)]


COUNTRY_LIST_LIMIT = 100  # beyond it, the filtered list pages through the rest


def commitments_of_country(country_id: int, today: dt.date,
                           limit: int = COUNTRY_LIST_LIMIT) -> list[Commitment]:
    """A country's commitments, overdue first (oldest due date first), then by due date:
    at most limit + 1, so a page can tell there are more without counting them."""
    return list(db.session.scalars(
        sa.select(Commitment).where(Commitment.country_id == country_id)
        .options(joinedload(Commitment.recommendation))
        .order_by(sa.case((overdue_clause(today), 0), else_=1), Commitment.due_date.is_(None),
                  Commitment.due_date, Commitment.code)
        .limit(limit + 1)
    ))
