"""The latest public updates of commitments, as records for the Atom feed (one query)."""

from tracker.commitments.listing import Filters
from tracker.extensions import db
from tracker.models import Commitment, Recommendation, StatusEvent
from tracker.opendata.records import history_select, plain

FEED_LENGTH = 50


def update_records(filters: Filters, limit: int = FEED_LENGTH) -> list[dict]:
    """The newest status changes (not creations) of the matching commitments, newest first:
    history records plus the event id and the commitment's titles; actors as role and country."""
    query = (history_select(filters)
             .add_columns(StatusEvent.id.label("id"), Recommendation.title_es.label("title_es"),
                          Recommendation.title_en.label("title_en"))
             .join(Recommendation, Recommendation.id == Commitment.recommendation_id)
             .where(StatusEvent.from_status.is_not(None))
             .order_by(None).order_by(StatusEvent.at.desc(), StatusEvent.id.desc())
             .limit(limit))
    return [{name: plain(value) for name, value in row._mapping.items()}
            for row in db.session.execute(query)]
