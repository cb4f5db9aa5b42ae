"""The latest public updates of commitments, as records for the Atom feed (one query), and
when the public data last changed."""

import datetime as dt

import sqlalchemy as sa

from tracker.commitments.listing import Filters
from tracker.core.time import UTC
from tracker.extensions import db
from tracker.models import Commitment, DataVersion, Recommendation, StatusEvent
from tracker.opendata.records import history_select, plain

FEED_LENGTH = 50
# A database no public write ever reached (schema only, not seeded) has no data version row:
# its data have not changed since the epoch, and its feed stays the same bytes however often
# it is made.
NEVER_CHANGED = dt.datetime(1970, 1, 1, tzinfo=UTC)


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


def last_change() -> dt.datetime:
    """When public data last changed: the data version's time, bumped by every public write
    (a status, a title, the seed), so the same data give the same answer."""
    changed = db.session.scalar(sa.select(DataVersion.changed_at).where(DataVersion.id == 1))
    return changed or NEVER_CHANGED
