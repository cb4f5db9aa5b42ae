"""The tracker's models, one module per area; importing this package registers them all."""

from tracker.models.reference import Country, Theme
from tracker.models.source import SourceDocument, SourceQuote
from tracker.models.meeting import ContextItem, ContextKind, Meeting, WorkingTable
from tracker.models.recommendation import Recommendation, RecommendationKind
from tracker.models.commitment import Commitment, Status, StatusEvent
from tracker.models.user import LoginThrottle, OrganisationKind, Role, User
from tracker.models.evidence import Evidence, Visibility
from tracker.models.admin_log import AdminAction
from tracker.models.append_only import HistoryIsAppendOnly

__all__ = [
    "AdminAction", "Commitment", "ContextItem", "ContextKind", "Country", "Evidence",
    "HistoryIsAppendOnly", "LoginThrottle", "Meeting", "OrganisationKind", "Recommendation",
    "RecommendationKind", "Role", "SourceDocument", "SourceQuote", "Status", "StatusEvent",
    "Theme", "User", "Visibility", "WorkingTable",
]
