"""Display helpers of the entry pages: money, quantities, percentages and badges.

Numbers are Decimal end to end (never float); they are formatted here, right-aligned by the
templates (class "num").

Honest missing values: an indicator (or the money spent) without a value scores 0 but shows as
未填 (`indicator_score`); a project with nothing entered shows 未填报 instead of its total and
grade (`project_total`, `grade_badge` with entered=False), never a red 差."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

from performance.domain import Light
from performance.models import WorkflowStatus, format_decimal
from performance.services.scoring import MISSING, NOT_ENTERED

register = template.Library()

DASH = "—"
LIGHT_CLASSES = {"blue": "text-bg-primary", "green": "text-bg-success",
                 "yellow": "text-bg-warning", "red": "text-bg-danger"}
STATUS_CLASSES = {"draft": "text-bg-secondary", "submitted": "text-bg-info",
                  "unit_approved": "text-bg-primary", "approved": "text-bg-success",
                  "returned": "text-bg-danger"}
GRADE_CLASSES = {"优": "grade-a", "良": "grade-b", "中": "grade-c", "差": "grade-d"}


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def grouped(value: Decimal, places: int) -> str:
    """1234567.5 → 1,234,567.50 (places decimals, half-up)."""
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum):,.{places}f}"


@register.filter
def money(value) -> str:
    """万元 with two decimals and thousands separators; — when unknown."""
    number = _decimal(value)
    return DASH if number is None else grouped(number, 2)


@register.filter
def score(value) -> str:
    number = _decimal(value)
    return DASH if number is None else grouped(number, 2)


@register.filter
def qty(value, unit: str = "") -> str:
    """A target or an actual as 表13 prints it, with its unit: 7600人次, 95%."""
    number = _decimal(value)
    if number is None:
        return DASH if value in (None, "") else f"{value}"
    return f"{format_decimal(number)}{unit or ''}"


@register.filter
def pct(value) -> str:
    """A ratio as a percentage: 0.8523 → 85.23%."""
    number = _decimal(value)
    return DASH if number is None else f"{grouped(number * 100, 2)}%"


@register.filter
def rate(spent, budget) -> str:
    """Execution rate spent / budget as a percentage; — without both."""
    s, b = _decimal(spent), _decimal(budget)
    if s is None or not b:
        return DASH
    return pct(s / b)


def _light(value, empty: str) -> str:
    if not value:
        return format_html('<span class="badge rounded-pill text-bg-light border">{}</span>', empty)
    light = Light(value)
    return format_html('<span class="badge rounded-pill light-badge {}" title="{}">● {}</span>',
                       LIGHT_CLASSES[light.value], light.label, light.label)


def _status(value) -> str:
    status = WorkflowStatus(value)
    if status == WorkflowStatus.UNIT_APPROVED:  # say what it waits for, also in the lists
        return format_html('<span class="badge {}" title="待主管部门审核">{}</span>',
                           STATUS_CLASSES[value], status.label)
    return format_html('<span class="badge {}">{}</span>', STATUS_CLASSES.get(value, ""),
                       status.label)


NOT_ENTERED_HTML = format_html('<span class="not-entered text-secondary">{}</span>', NOT_ENTERED)
NOT_ENTERED_BADGE = format_html('<span class="grade not-entered text-secondary">{}</span>',
                                NOT_ENTERED)


def _grade(value) -> str:
    return format_html('<span class="grade {}">{}</span>', GRADE_CLASSES.get(value, ""), value)


# Written once: a list page shows one badge per row and column.
LIGHT_BADGES = {value: _light(value, "未评") for value in ["", *LIGHT_CLASSES]}
STATUS_BADGES = {value: _status(value) for value in WorkflowStatus.values}
GRADE_BADGES = {value: _grade(value) for value in GRADE_CLASSES}


@register.simple_tag
def light_badge(value, empty: str = "未评") -> str:
    if empty == "未评" and (value or "") in LIGHT_BADGES:
        return LIGHT_BADGES[value or ""]
    return _light(value, empty)


@register.simple_tag
def status_badge(value) -> str:
    return STATUS_BADGES[value or WorkflowStatus.DRAFT]


@register.simple_tag
def grade_badge(value, entered=True) -> str:
    """A project's grade as a coloured badge; 未填报 (no colour) when nothing is entered
    (`entered` False or None: no record), — when not computed."""
    if not entered:
        return NOT_ENTERED_BADGE
    if not value:
        return DASH
    return GRADE_BADGES.get(value) or _grade(value)


@register.filter
def indicator_score(result) -> str:
    """An indicator's (or the budget execution's) score as shown: 未填 when it has no value
    (it scores 0, but is not a 0.00), — without a score."""
    if result is None:
        return DASH
    return MISSING if result.missing else score(result.score)


@register.filter
def missing_note(count) -> str:
    """"3 项未填" for a project with indicators without a value; "" for none."""
    return f"{count} 项未填" if count else ""


@register.simple_tag
def project_total(value, entered=True, missing=0) -> str:
    """A project's total as shown: 未填报 when nothing is entered (`entered` False or None),
    else the total, with "N 项未填" below it when `missing` indicators have no value."""
    if not entered:
        return NOT_ENTERED_HTML
    if not missing:
        return score(value)
    return format_html('{}<div class="small text-secondary missing-count">{}</div>',
                       score(value), missing_note(missing))
