"""The fields a unit enters on its records, compared and shown the same way everywhere
(saving, merging concurrent edits, history)."""

from decimal import Decimal

from performance.domain import DeviationReason, Operator
from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus, format_decimal

PROJECT_FIELDS = ("spent", "spent_reason")
# What the history shows of each record (entered values, the reviewer's deduction, the workflow).
INDICATOR_HISTORY_FIELDS = (
    "actual_value", "actual_grade", "expected_value", "expected_grade", "likelihood",
    "deviation_reasons", "corrective_measures", "explanation", "deduction", "deduction_note",
)
PROJECT_HISTORY_FIELDS = ("spent", "spent_reason", "status", "return_reason")
REASON_ORDER = {reason.value: index for index, reason in enumerate(DeviationReason)}

BLANK = {
    "actual_value": None, "actual_grade": "", "expected_value": None, "expected_grade": "",
    "likelihood": "", "deviation_reasons": (), "corrective_measures": "", "explanation": "",
    "spent": None, "spent_reason": "", "deduction": Decimal(0), "deduction_note": "",
    "status": WorkflowStatus.DRAFT, "return_reason": "",
}


def indicator_fields(indicator, monitoring: bool) -> tuple[str, ...]:
    """The fields a filler enters for `indicator`: a number, or a grade for 定性; at monitoring
    also the expected full-year value and likelihood; in every period the deviation reasons
    (the monitoring categories) and the measures (纠偏措施 at monitoring, 改进措施 at year end)."""
    qualitative = indicator.operator == Operator.QUALITATIVE
    fields = ["actual_grade" if qualitative else "actual_value"]
    if monitoring:
        fields += ["expected_grade" if qualitative else "expected_value", "likelihood"]
    fields += ["deviation_reasons", "corrective_measures", "explanation"]
    return tuple(fields)


def norm(value):
    """A value as compared: text stripped, reasons in their fixed order, None kept."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return tuple(sorted(set(value), key=lambda v: REASON_ORDER.get(v, len(REASON_ORDER))))
    return value


def stored(field: str, value):
    """A compared value back as the model stores it (reasons as a list)."""
    if field == "deviation_reasons":
        return list(value or ())
    return value


def values_of(record, fields) -> dict:
    """The compared values of `fields` on `record` (a blank record when None)."""
    if record is None:
        return {f: norm(BLANK[f]) for f in fields}
    return {f: norm(getattr(record, f)) for f in fields}


def label(field: str) -> str:
    model = ProjectRecord if field in PROJECT_HISTORY_FIELDS else IndicatorRecord
    return str(model._meta.get_field(field).verbose_name)


def shown(field: str, value) -> str:
    """A value as people read it: 7600, 优, 经费、人员, 已提交; （空） for nothing."""
    value = norm(value)
    if value is None or value == "" or value == ():
        return "（空）"
    if field == "status":
        return WorkflowStatus(value).label if value in WorkflowStatus.values else str(value)
    if isinstance(value, tuple):
        return "、".join(value)
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


def who(user) -> str:
    if user is None:
        return "（未知用户）"
    return user.get_full_name() or user.username
