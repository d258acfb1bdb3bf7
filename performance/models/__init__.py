"""The performance app's models, one module per concern; import them from here."""

from .checks import (
    CheckBatch,
    CheckedProject,
    CheckScore,
    CheckStatus,
    ExplanationRequest,
    ExplanationStatus,
    SelectionReason,
)
from .evidence import Evidence
from .imports import ImportJob, ImportKind, ImportStatus
from .periods import PeriodKind, PeriodLockEvent, PeriodStatus, PeriodUnitUnlock, ReportingPeriod
from .records import IndicatorRecord, ProjectRecord, WorkflowStatus
from .rectification import (
    Rectification,
    RectificationSource,
    RectificationStatus,
    WarningResponse,
)
from .reminders import Notice, ReminderAudience, ReminderLog, ReminderStatus
from .report_jobs import ReportJob, ReportJobStatus
from .results import BudgetAction, BudgetSuggestion, SuggestionRule
from .review import FindingDecision, ProjectReview, TargetReviewResult
from .targets import (
    GRADES,
    VALUE,
    AnnualGoal,
    Indicator,
    IndicatorLevel1,
    IndicatorLevel2,
    IndicatorLevel2Manager,
    format_decimal,
)
from .versions import IndicatorTarget, RowChange, TargetVersion, VersionKind, VersionStep

__all__ = [
    "BudgetAction", "BudgetSuggestion", "Rectification", "RectificationSource",
    "RectificationStatus", "ReportJob", "ReportJobStatus", "SuggestionRule", "WarningResponse",
    "CheckBatch", "CheckScore", "CheckStatus", "CheckedProject", "Evidence", "ExplanationRequest",
    "ExplanationStatus", "SelectionReason",
    "GRADES", "VALUE", "AnnualGoal", "FindingDecision", "ImportJob", "ImportKind",
    "ImportStatus", "Indicator", "IndicatorLevel1", "IndicatorLevel2", "IndicatorLevel2Manager",
    "IndicatorRecord", "IndicatorTarget", "RowChange", "TargetVersion", "VersionKind",
    "VersionStep", "Notice", "PeriodKind", "PeriodLockEvent", "PeriodStatus",
    "PeriodUnitUnlock", "ProjectRecord", "ProjectReview",
    "ReminderAudience", "ReminderLog", "ReminderStatus", "ReportingPeriod", "TargetReviewResult",
    "WorkflowStatus", "format_decimal",
]
