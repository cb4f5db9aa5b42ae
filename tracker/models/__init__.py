"""The tracker's models, one module per area; importing this package registers them all."""

from tracker.models.admin_log import AdminAction
from tracker.models.api_token import ApiToken, IdempotentRequest
from tracker.models.append_only import HistoryIsAppendOnly, register_hooks
from tracker.models.commitment import Commitment, Status, StatusEvent
from tracker.models.data_version import DataVersion
from tracker.models.draft import DraftDecision, DraftItem, DraftKind
from tracker.models.evidence import Evidence, EvidenceBlob, EvidenceBlobChunk, Visibility
from tracker.models.follow import Follow
from tracker.models.indicator import (
    Dimension,
    DimensionValue,
    Frequency,
    Indicator,
    IndicatorDimension,
    IndicatorReport,
    IndicatorTarget,
    IndicatorValue,
    Unit,
)
from tracker.models.ledger import LedgerEntry, register_triggers
from tracker.models.meeting import ContextItem, ContextKind, Meeting, WorkingTable
from tracker.models.observation import Assessment, Observation, ObservationAnswer, ObservationHiding
from tracker.models.recommendation import Recommendation, RecommendationKind
from tracker.models.reference import Country, Theme
from tracker.models.reminders import MessageKind, OutboxMessage, OutboxStatus, ReminderSettings
from tracker.models.report_request import ReportRequest
from tracker.models.sheet import SheetPreview
from tracker.models.source import SourceDocument, SourceQuote
from tracker.models.tally import CommitmentTally, register_triggers as register_tally_triggers
from tracker.models.user import DigestFrequency, LoginThrottle, OrganisationKind, Role, User

__all__ = [
    "AdminAction", "ApiToken", "Assessment", "Commitment", "CommitmentTally", "ContextItem",
    "ContextKind", "Country",
    "DataVersion", "DigestFrequency", "Dimension", "DimensionValue", "DraftDecision",
    "DraftItem", "DraftKind", "Evidence", "EvidenceBlob", "EvidenceBlobChunk", "Follow",
    "Frequency", "Indicator", "IndicatorDimension", "IndicatorReport", "IndicatorTarget",
    "IndicatorValue",
    "HistoryIsAppendOnly", "IdempotentRequest", "LedgerEntry", "LoginThrottle", "Meeting",
    "MessageKind", "Observation", "ObservationAnswer", "ObservationHiding",
    "OrganisationKind", "OutboxMessage", "OutboxStatus", "Recommendation",
    "RecommendationKind", "ReminderSettings", "ReportRequest", "Role", "SheetPreview",
    "SourceDocument",
    "SourceQuote", "Status",
    "StatusEvent", "Theme", "Unit", "User", "Visibility", "WorkingTable",
]


def init_app(app) -> None:
    """Register the models' own hooks: history rows refuse UPDATE and DELETE, in the ORM
    and (on PostgreSQL) in the schema create_all builds; the tallies' triggers."""
    register_hooks()
    register_triggers()
    register_tally_triggers()
