"""What the 结果应用 list and its workbook show: the suggestions of a period in the units a
person sees, filtered (unit, grade, final action, overridden), with the per-unit summary, the
rows whose grade moved since finance's override, and last year's grade and suggestion of each
continuing project. A fixed number of queries for any page."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, Count, DecimalField, F, Q, Sum, When
from django.http import Http404

from budget.models import Unit
from performance.domain import Grade
from performance.models import BudgetAction, BudgetSuggestion, PeriodKind
from performance.services.results import override_grades

ACTIONS = dict(BudgetAction.choices)
GRADES = [g.value for g in Grade]
FINAL_ACTION = Case(When(~Q(override_action=""), then=F("override_action")),
                    default=F("action"), output_field=CharField())
FINAL_AMOUNT = Case(When(~Q(override_action=""), then=F("override_amount")),
                    default=F("suggested_amount"), output_field=DecimalField())


@dataclass
class Filters:
    unit: Unit | None = None
    grade: str = ""
    action: str = ""
    overridden: str = ""  # "yes" / "no" / ""

    def query(self) -> dict[str, str]:
        found = {"unit": self.unit.code if self.unit else "", "grade": self.grade,
                 "action": self.action, "overridden": self.overridden}
        return {key: value for key, value in found.items() if value}


def read_filters(params, units) -> Filters:
    """The filters of a request's GET (or a form's hidden copy); an unknown or hidden unit is
    404, other unknown values are ignored."""
    filters = Filters()
    code = (params.get("unit") or "").strip()
    if code:
        filters.unit = next((u for u in units if u.code == code), None)
        if filters.unit is None:
            raise Http404("未找到该单位")
    grade = params.get("grade") or ""
    filters.grade = grade if grade in GRADES or grade == "none" else ""
    action = params.get("action") or ""
    filters.action = action if action in ACTIONS else ""
    overridden = params.get("overridden") or ""
    filters.overridden = overridden if overridden in ("yes", "no") else ""
    return filters


def suggestions(period, unit_ids, filters: Filters):
    rows = (BudgetSuggestion.objects.filter(period=period, project__unit_id__in=unit_ids)
            .annotate(final=FINAL_ACTION))
    if filters.unit is not None:
        rows = rows.filter(project__unit=filters.unit)
    if filters.grade == "none":
        rows = rows.filter(grade="")
    elif filters.grade:
        rows = rows.filter(grade=filters.grade)
    if filters.action:
        rows = rows.filter(final=filters.action)
    if filters.overridden == "yes":
        rows = rows.exclude(override_action="")
    elif filters.overridden == "no":
        rows = rows.filter(override_action="")
    return rows


def page_rows(rows):
    return (rows.select_related("project__unit", "project__carried_from", "overridden_by")
            .order_by("project__unit__code", "project__name", "id"))


@dataclass
class UnitLine:
    code: str
    name: str
    projects: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # final action → count
    overridden: int = 0
    base: Decimal = Decimal("0")
    suggested: Decimal = Decimal("0")

    @property
    def per_action(self) -> list[tuple[str, int]]:
        return [(label, self.counts.get(key, 0)) for key, label in ACTIONS.items()]


def unit_summary(rows) -> list[UnitLine]:
    """One line a unit (counts per final action, total base, total final amount) and the
    total last (code ""); one query."""
    lines: dict[str, UnitLine] = {}
    total = UnitLine("", "合计")
    for code, name, final, count, overridden, base, suggested in (
            rows.order_by().values("project__unit__code", "project__unit__name", "final")
            .annotate(n=Count("id"), o=Count("id", filter=~Q(override_action="")),
                      b=Sum("base_amount"), s=Sum(FINAL_AMOUNT))
            .values_list("project__unit__code", "project__unit__name", "final", "n", "o", "b",
                         "s")):
        line = lines.setdefault(code, UnitLine(code, name))
        for target in (line, total):
            target.projects += count
            target.overridden += overridden
            target.counts[final] = target.counts.get(final, 0) + count
            target.base += base or 0
            target.suggested += suggested or 0
    return [*sorted(lines.values(), key=lambda line: line.code), total] if lines else []


@dataclass
class Previous:
    project_id: int
    name: str
    grade: str
    action: str

    @property
    def text(self) -> str:
        parts = [self.grade or "无等级", ACTIONS.get(self.action, "")]
        return " · ".join(part for part in parts if part)


def previous_suggestions(projects, year: int) -> dict[int, Previous]:
    """project id → last year's project's grade and final suggestion (its self-evaluation
    period of `year` − 1), for the continuing projects among `projects`; one query."""
    carried = {p.carried_from_id: p.id for p in projects if p.carried_from_id}
    if not carried:
        return {}
    found = {}
    for pid, name, grade, action, override in (
            BudgetSuggestion.objects.filter(project_id__in=list(carried), period__year=year - 1,
                                            period__kind=PeriodKind.SELF_EVALUATION)
            .order_by("period__code")
            .values_list("project_id", "project__name", "grade", "action", "override_action")):
        found[carried[pid]] = Previous(pid, name, grade, override or action)
    for old_id, new_id in carried.items():
        found.setdefault(new_id, Previous(old_id, "", "", ""))
    return found


def decorate(rows, period) -> None:
    """Set on each row: `grade_changed` (the grade moved since finance's override) and
    `previous` (last year's project and suggestion, or None); two queries at most."""
    at_override = override_grades(rows)
    previous = previous_suggestions([row.project for row in rows], period.year)
    for row in rows:
        row.grade_changed = row.id in at_override and at_override[row.id] != row.grade
        row.previous = previous.get(row.project_id)

