"""The finance overview of 抽查复核 per unit (docs/checks.md): how many of a unit's projects were
sampled and concluded, its average self-score and average 复核 score, its 自评偏差 (average self
− average 复核) and the projects whose grade the check changed.

Averages, deviation and grade changes count CONCLUDED checks only (status 已复核): a check under
way still counts unscored indicators at the unit's own score, so it would pull the deviation
towards zero. They read the snapshot the check service keeps on CheckedProject (self_total,
self_grade, check_total, check_grade), all checks of the period in one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from performance.models import CheckedProject, CheckStatus
from performance.scoring.checks import unit_deviation
from performance.services.scoring import current_policy

DEVIATION_WARNING = Decimal(5)  # 自评偏差 from this many points: the unit grades itself kindly
DEVIATION_DANGER = Decimal(10)  # from this many: about a grade's width (优 90, 良 80, 中 60)


@dataclass(frozen=True)
class ChangedProject:
    """A concluded check whose grade differs from the self-evaluation's."""

    checked_id: int
    project_id: int
    project_name: str
    unit_code: str
    unit_name: str
    self_total: Decimal
    self_grade: str
    check_total: Decimal
    check_grade: str

    @property
    def deviation(self) -> Decimal:
        return self.self_total - self.check_total


@dataclass
class UnitRow:
    """One unit's line of the overview (code "" for the period's total line)."""

    unit_id: int | None
    code: str
    name: str
    sampled: int = 0
    concluded: int = 0
    self_average: Decimal | None = None
    check_average: Decimal | None = None
    grade_changed: int = 0
    changed: list[ChangedProject] = field(default_factory=list)

    @property
    def deviation(self) -> Decimal | None:
        """自评偏差: average self − average 复核 (None without a concluded check)."""
        if self.self_average is None or self.check_average is None:
            return None
        return self.self_average - self.check_average

    @property
    def level(self) -> str:
        """"danger", "warning" or "" by the thresholds (DEVIATION_DANGER, DEVIATION_WARNING)."""
        deviation = self.deviation
        if deviation is None:
            return ""
        if deviation >= DEVIATION_DANGER:
            return "danger"
        if deviation >= DEVIATION_WARNING:
            return "warning"
        return ""


@dataclass
class Overview:
    units: list[UnitRow]
    total: UnitRow

    @property
    def changed(self) -> list[ChangedProject]:
        """Every project whose grade changed, in the order of the units."""
        return [project for unit in self.units for project in unit.changed]


COLUMNS = ("project__unit_id", "project__unit__code", "project__unit__name", "id", "project_id",
           "project__name", "status", "self_total", "self_grade", "check_total", "check_grade")


def period_overview(period, policy=None) -> Overview:
    """Every unit with sampled projects in `period`, and the total line (one query)."""
    policy = policy or current_policy()
    rows = (CheckedProject.objects.filter(period=period)
            .order_by("project__unit__code", "project__name", "id").values_list(*COLUMNS))
    units, everything = [], []
    for (unit_id, code, name), checks in groupby(rows, key=lambda r: r[:3]):
        line = UnitRow(unit_id=unit_id, code=code, name=name)
        concluded = _fill(line, list(checks), policy)
        everything.extend(concluded)
        units.append(line)
    total = UnitRow(unit_id=None, code="", name="合计")
    total.sampled = sum(u.sampled for u in units)
    total.concluded = sum(u.concluded for u in units)
    _averages(total, everything, policy)
    units.sort(key=_order)
    return Overview(units=units, total=total)


def unit_deviations(period, policy=None) -> list[UnitRow]:
    """The units' lines of `period_overview`, the most kindly self-graded first."""
    return period_overview(period, policy).units


def _fill(line: UnitRow, checks: list, policy) -> list[tuple]:
    concluded = []
    for (_, code, name, checked_id, project_id, project_name, status, self_total, self_grade,
         check_total, check_grade) in checks:
        line.sampled += 1
        if status != CheckStatus.DONE:
            continue
        line.concluded += 1
        if self_total is None or check_total is None:
            continue  # no snapshot yet (the check service writes it on concluding)
        pair = (self_total, self_grade, check_total, check_grade)
        concluded.append(pair)
        if self_grade != check_grade:
            line.changed.append(ChangedProject(checked_id, project_id, project_name, code, name,
                                               *pair))
    _averages(line, concluded, policy)
    return concluded


def _averages(line: UnitRow, pairs: list[tuple], policy) -> None:
    found = unit_deviation(pairs, policy)
    line.self_average, line.check_average = found.self_average, found.check_average
    line.grade_changed = found.grade_changed


def _order(line: UnitRow):
    """Deviation descending; units without a concluded check last; then by code."""
    deviation = line.deviation
    return (deviation is None, -(deviation or 0), line.code)
