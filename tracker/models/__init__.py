"""The tracker's models, one module per area; importing this package registers them all."""

from tracker.models.reference import Country, Theme
from tracker.models.meeting import ContextItem, ContextKind, Meeting, WorkingTable
from tracker.models.source import SourceDocument, SourceQuote
from tracker.models.recommendation import Recommendation, RecommendationKind
from tracker.models.commitment import Commitment, HistoryIsAppendOnly, Status, StatusEvent

__all__ = [
    "Commitment",
    "ContextItem",
    "ContextKind",
    "Country",
    "HistoryIsAppendOnly",
    "Meeting",
    "Recommendation",
    "RecommendationKind",
    "SourceDocument",
    "SourceQuote",
    "Status",
    "StatusEvent",
    "Theme",
    "WorkingTable",
]
