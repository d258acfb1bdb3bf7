"""One unit's dashboard for a period, computed live (lights_for_period), so what a unit has
just entered shows at once: its projects with lights, score so far, projected score, spent vs
budget; the indicators most behind with the reasons and measures entered; the grade
distribution and the projects × 一级指标 heat map. A fixed number of queries per unit.

A project with nothing entered (no indicator value, actual or expected, and no money spent)
shows 未填报 instead of its score and grade and counts as 未填报 in the grade distribution, not
as 差.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import FilteredRelation, Q

from budget.models import Project, Unit
from performance.domain import Light
from performance.models import Indicator, IndicatorRecord, WorkflowStatus
from performance.monitoring.lights import execution_light, time_progress
from performance.services.overview import (
    GRADE_NAMES,
    NO_PROJECTION,
    NOT_ENTERED,
    PROJECT_LIMIT,
    HeatMap,
    grade_table,
    level1_columns,
)
from performance.services.scoring import current_policy
from performance.services.snapshot import ProjectLights, lights_for_period

BEHIND_LIMIT = 20


@dataclass
class ProjectLine:
    id: int
    name: str
    budget: Decimal
    spent: Decimal | None
    status: str
    live: ProjectLights
    grade: str  # NOT_ENTERED when nothing is entered
    projected_grade: str  # NOT_ENTERED likewise, NO_PROJECTION without expected values

    @property
    def entered(self) -> bool:
        """Anything entered: an indicator value (actual or expected) or the money spent."""
        return self.live.has_values

    @property
    def missing(self) -> int:
        """Indicators without a value (each scores 0, shown as 未填)."""
        return self.live.indicators_missing

    @property
    def rate(self) -> Decimal | None:
        return self.spent / self.budget if self.spent is not None and self.budget else None

    @property
    def status_label(self) -> str:
        return WorkflowStatus(self.status).label if self.status else "未填报"

    @property
    def light(self) -> Light | None:
        return self.live.light

    @property
    def execution_light(self) -> Light | None:
        return self.live.execution_light


@dataclass
class BehindLine:
    record: IndicatorRecord
    light: Light

    @property
    def indicator(self) -> Indicator:
        return self.record.indicator


@dataclass
class UnitDashboard:
    unit: Unit
    period: object
    projects: list[ProjectLine]
    truncated: bool
    behind: list[BehindLine]
    heat: HeatMap
    grades: dict[str, int] = field(default_factory=dict)
    projected: dict[str, int] = field(default_factory=dict)

    @property
    def month(self) -> int:
        return self.period.cutoff_month

    @property
    def progress(self) -> Decimal:
        return time_progress(self.month)

    @property
    def budget(self) -> Decimal:
        return sum((p.budget for p in self.projects), Decimal(0))

    @property
    def spent(self) -> Decimal:
        return sum((p.spent for p in self.projects if p.spent is not None), Decimal(0))

    @property
    def rate(self) -> Decimal | None:
        return self.spent / self.budget if self.budget else None

    @property
    def light(self) -> Light | None:
        return execution_light(spent=self.spent, budget=self.budget, month=self.month)

    @property
    def grade_table(self):
        return grade_table(self.grades, self.projected)

    def light_count(self, light: Light) -> int:
        return sum(1 for p in self.projects if p.light is light)

    @property
    def red(self) -> int:
        return self.light_count(Light.RED)

    @property
    def yellow(self) -> int:
        return self.light_count(Light.YELLOW)


def unit_dashboard(period, unit: Unit) -> UnitDashboard:
    policy = current_policy()
    heads = list(
        Project.objects.filter(unit=unit, year=period.year)
        .annotate(rec=FilteredRelation("records", condition=Q(records__period=period)))
        .order_by("id")
        .values_list("id", "name", "budget_amount", "adjusted_amount", "rec__spent", "rec__status")
        [:PROJECT_LIMIT + 1])
    truncated = len(heads) > PROJECT_LIMIT
    heads = heads[:PROJECT_LIMIT]
    live = lights_for_period(period, [h[0] for h in heads])
    grades = dict.fromkeys([*GRADE_NAMES, NOT_ENTERED], 0)
    projected = dict.fromkeys([*GRADE_NAMES, NOT_ENTERED, NO_PROJECTION], 0)
    lines = []
    for pid, name, budget, adjusted, spent, status in heads:
        lights = live[pid]
        if not lights.has_values:
            grade = proj = NOT_ENTERED
        else:
            grade = policy.grade_for(lights.score_total).value
            proj = (NO_PROJECTION if lights.projected_total is None
                    else policy.grade_for(lights.projected_total).value)
        grades[grade] += 1
        projected[proj] += 1
        lines.append(ProjectLine(pid, name, budget if adjusted is None else adjusted, spent,
                                 status or "", lights, grade, proj))
    lines.sort(key=lambda p: (-(p.light.severity if p.light else -1), p.id))
    return UnitDashboard(unit=unit, period=period, projects=lines, truncated=truncated,
                         behind=_behind(period, live), heat=_heat(lines), grades=grades,
                         projected=projected)


def _behind(period, live: dict[int, ProjectLights]) -> list[BehindLine]:
    """The red, then yellow indicators, the heaviest first, with what the unit entered."""
    ranked = sorted(
        ((-light.severity, -p.weights[ind_id], p.project_id, ind_id, light)
         for p in live.values() for ind_id, light in p.indicators.items()
         if light in (Light.RED, Light.YELLOW)),
        key=lambda item: item[:4])[:BEHIND_LIMIT]
    if not ranked:
        return []
    lit = {ind_id: light for *_, ind_id, light in ranked}
    records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
        period=period, indicator_id__in=list(lit)).select_related(
        "indicator__project", "indicator__level1", "indicator__level2")}
    return [BehindLine(records[ind_id], light) for *_, ind_id, light in ranked
            if ind_id in records]


def _heat(lines: list[ProjectLine]) -> HeatMap:
    """Projects × 一级指标: counts of the live indicator lights."""
    level1 = level1_columns()
    column = {lid: i for i, (lid, _) in enumerate(level1)}
    level_of = dict(Indicator.objects.filter(project_id__in=[p.id for p in lines])
                    .values_list("id", "level1_id"))
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for row, line in enumerate(lines):
        for ind, light in line.live.indicators.items():
            if light and level_of.get(ind) in column:
                cell = cells[(row, column[level_of[ind]])]
                cell[light.value] = cell.get(light.value, 0) + 1
    rows = [(p.id, str(p.id), p.name) for p in lines]
    return HeatMap([name for _, name in level1], rows, dict(cells))

