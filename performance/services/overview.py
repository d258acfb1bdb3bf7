"""What the finance overview and its charts show, read from the stored snapshot.

Every function here runs a fixed number of aggregate queries, whatever the number of units,
projects or indicators: the scores and lights are the ones `refresh_snapshots` stored on
ProjectRecord / IndicatorRecord (a project never computed shows as 未计算).

A project with nothing entered (its record's has_values false, or no record at all) counts as
未填报 in the grade distributions, not as 差, and is left out of the average scores: its stored
total (0) is no score. Its indicators without a value have no light.

A unit's own dashboard computes its numbers live instead (performance.services.unit_dashboard).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from budget.models import Project, Unit
from performance.domain import Grade, Light
from performance.models import Indicator, IndicatorLevel1, ReportingPeriod, WorkflowStatus
from performance.monitoring.lights import execution_light, time_progress
from performance.services.scoring import NOT_ENTERED, current_policy
from performance.workflow import AWAITING_REVIEW

PAGE_SIZE = 50  # units per page of the overview's tables
WATCH_LIMIT = 30  # projects in the "red first" list
UNIT_LIMIT = 2000  # units in a chart: a city has a few hundred
PROJECT_LIMIT = 500  # projects of one unit

NO_GRADE = "未计算"
NO_PROJECTION = "无预计"
# NOT_ENTERED (未填报, from performance.services.scoring) is a grade column of its own
ENTERED = Q(rec__has_values=True)  # something entered (as the computed record says)
GRADE_NAMES = [g.value for g in Grade]
LIGHTS = [Light.RED, Light.YELLOW, Light.GREEN, Light.BLUE]


def today() -> datetime.date:
    return timezone.localdate()


# ---------------------------------------------------------------- submission progress


@dataclass
class Progress:
    period: ReportingPeriod
    total: int
    submitted: int  # handed in, waiting for a review (the unit's or the 主管部门's)
    approved: int
    overdue: int  # not submitted after the deadline

    @property
    def pending(self) -> int:
        return self.total - self.submitted - self.approved

    @property
    def done_rate(self) -> Decimal | None:
        return None if not self.total else Decimal(self.submitted + self.approved) / self.total

    @property
    def deadline_passed(self) -> bool:
        return bool(self.period.deadline and self.period.deadline < today())


def submission_progress(periods: list[ReportingPeriod], scope: Unit | None = None) -> list[Progress]:
    """Per period: projects submitted, approved, overdue (2 queries for all periods)."""
    years = {p.year for p in periods}
    projects = Project.objects.filter(year__in=years)
    if scope is not None:
        projects = projects.filter(unit=scope)
    totals = dict(projects.values("year").annotate(n=Count("id")).values_list("year", "n"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for period_id, status, n in (projects.filter(records__period__in=periods)
                                 .values("records__period", "records__status")
                                 .annotate(n=Count("id"))
                                 .values_list("records__period", "records__status", "n")):
        counts[period_id][status] = n
    result = []
    for period in periods:
        got = counts.get(period.id, {})
        item = Progress(period, totals.get(period.year, 0),
                        sum(got.get(status, 0) for status in AWAITING_REVIEW),
                        got.get(WorkflowStatus.APPROVED, 0), 0)
        if item.deadline_passed:
            item.overdue = item.pending
        result.append(item)
    return result


# ---------------------------------------------------------------- grades and lights


def _projected_grade() -> Case:
    """The grade of projected_total by the policy's bands, in SQL; 未填报 first."""
    bands = current_policy().grade_bands
    whens = [When(rec__projected_total__gte=low, then=Value(grade.value)) for grade, low in bands]
    return Case(When(~ENTERED, then=Value(NOT_ENTERED)),
                When(rec__projected_total__isnull=True, then=Value(NO_PROJECTION)), *whens,
                default=Value(Grade.POOR.value), output_field=CharField())


def _grade() -> Case:
    """The stored grade; 未填报 when nothing is entered, "" when never computed."""
    return Case(When(~ENTERED, then=Value(NOT_ENTERED)),
                default=Coalesce(F("rec__score_grade"), Value("")), output_field=CharField())


def _projects(period, scope: Unit | None):
    qs = Project.objects.filter(year=period.year)
    if scope is not None:
        qs = qs.filter(unit=scope)
    return qs.annotate(rec=FilteredRelation("records", condition=Q(records__period=period)))


@dataclass
class Summary:
    projects: int
    budget: Decimal
    spent: Decimal
    month: int
    grades: dict[str, int]  # of the score so far, NO_GRADE for projects never computed,
    # NOT_ENTERED for those with nothing entered
    projected: dict[str, int]  # of the projected score (NOT_ENTERED likewise)
    lights: dict[str, int]  # "" for no light

    @property
    def rate(self) -> Decimal | None:
        return self.spent / self.budget if self.budget else None

    @property
    def progress(self) -> Decimal:
        return time_progress(self.month)

    @property
    def light(self) -> Light | None:
        return execution_light(spent=self.spent, budget=self.budget, month=self.month)

    @property
    def grade_table(self):
        return grade_table(self.grades, self.projected)

    @property
    def light_list(self) -> list[tuple[Light, int]]:
        return [(light, self.lights.get(light.value, 0)) for light in LIGHTS]


def summary(period) -> Summary:
    """Totals, grade distributions and light counts: one grouped query (the totals are the
    sums of its groups; a second aggregate over every project cost as much again at province
    scale)."""
    qs = _projects(period, None)
    grades = dict.fromkeys([*GRADE_NAMES, NOT_ENTERED, NO_GRADE], 0)
    projected = dict.fromkeys([*GRADE_NAMES, NOT_ENTERED, NO_PROJECTION], 0)
    lights = dict.fromkeys([*(light.value for light in LIGHTS), ""], 0)
    count, budget, spent = 0, Decimal(0), Decimal(0)
    rows = (qs.annotate(g=_grade(), p=_projected_grade(), lt=Coalesce(F("rec__light"), Value("")))
            .values("g", "p", "lt")
            .annotate(n=Count("id"), budget=Sum(Coalesce("adjusted_amount", "budget_amount")),
                      spent=Sum("rec__spent"))
            .values_list("g", "p", "lt", "n", "budget", "spent"))
    for grade, proj, light, n, group_budget, group_spent in rows:
        grades[grade or NO_GRADE] += n
        projected[proj] += n
        lights[light] += n
        count += n
        budget += group_budget or 0
        spent += group_spent or 0
    return Summary(count, budget, spent, period.cutoff_month, grades, projected, lights)


def grade_table(current: dict[str, int], projected: dict[str, int]):
    """(column names, current counts, projected counts) with None where a column does not apply
    (未计算 to the projection, 无预计 to the score so far)."""
    names = list(dict.fromkeys([*current, *projected]))
    return names, [current.get(n) for n in names], [projected.get(n) for n in names]


# ---------------------------------------------------------------- units


@dataclass
class Row:
    """A unit (or one unit's project): money, lights and scores."""

    id: int
    code: str
    name: str
    budget: Decimal
    spent: Decimal
    month: int
    projects: int = 1
    red: int = 0
    yellow: int = 0
    submitted: int = 0
    approved: int = 0
    not_entered: int = 0  # projects with nothing entered (未填报)
    score: Decimal | None = None  # averages over the projects with something entered
    projected: Decimal | None = None
    light: str = ""

    @property
    def rate(self) -> Decimal | None:
        return self.spent / self.budget if self.budget else None

    @property
    def execution_light(self) -> Light | None:
        return execution_light(spent=self.spent, budget=self.budget, month=self.month)


def unit_rows(period, *, offset: int = 0, limit: int = UNIT_LIMIT) -> tuple[list[Row], int]:
    """Units with projects in the period's year, most red projects first; and their count."""
    qs = (_projects(period, None).values("unit_id")
          .annotate(code=F("unit__code"), name=F("unit__name"), projects=Count("id"),
                    budget=Sum(Coalesce("adjusted_amount", "budget_amount")),
                    spent=Coalesce(Sum("rec__spent"), Value(Decimal(0))),
                    red=Count("id", filter=Q(rec__light=Light.RED)),
                    yellow=Count("id", filter=Q(rec__light=Light.YELLOW)),
                    submitted=Count("id", filter=Q(rec__status__in=AWAITING_REVIEW)),
                    approved=Count("id", filter=Q(rec__status=WorkflowStatus.APPROVED)),
                    not_entered=Count("id", filter=~ENTERED),
                    score=Avg("rec__score_total", filter=ENTERED),
                    projected=Avg("rec__projected_total", filter=ENTERED))
          .order_by("-red", "-yellow", "code"))
    count = Project.objects.filter(year=period.year).values("unit_id").distinct().count()
    rows = [Row(id=r["unit_id"], code=r["code"], name=r["name"], budget=r["budget"] or Decimal(0),
                spent=r["spent"], month=period.cutoff_month, projects=r["projects"], red=r["red"],
                yellow=r["yellow"], submitted=r["submitted"], approved=r["approved"],
                not_entered=r["not_entered"], score=_q(r["score"]),
                projected=_q(r["projected"]))
            for r in qs[offset:offset + limit]]
    return rows, count


def _q(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _light_order(field: str) -> Case:
    """red 0, yellow 1, blue 2, green 3, none 4: the worst first."""
    whens = [When(**{field: light}, then=Value(i))
             for i, light in enumerate(sorted(LIGHTS, key=lambda x: -x.severity))]
    return Case(*whens, default=Value(len(LIGHTS)), output_field=IntegerField())


# ---------------------------------------------------------------- projects to watch


def watch_list(period, limit: int = WATCH_LIMIT, count: int | None = None):
    """Red, then yellow projects of every unit, the lowest projected score first (a lit
    project has something entered; `missing` counts its indicators without a value); and how
    many there are — `count` when the caller knows it (summary's red and yellow lights count
    the same projects), saving a count over every project of the period."""
    qs = (_projects(period, None).filter(rec__light__in=[Light.RED, Light.YELLOW])
          .annotate(light_order=_light_order("rec__light"))
          .order_by("light_order", F("rec__projected_total").asc(nulls_first=True), "id")
          .values_list("id", "name", "unit__code", "unit__name", "budget_amount",
                       "adjusted_amount", "rec__spent", "rec__score_total",
                       "rec__projected_total", "rec__light", "rec__execution_light",
                       "rec__status", "rec__indicators_missing"))
    if count is None:
        count = qs.count()
    keys = ("id", "name", "unit_code", "unit_name", "budget", "adjusted", "spent", "score",
            "projected", "light", "execution_light", "status", "missing")
    rows = [dict(zip(keys, row, strict=True)) for row in qs[:limit]]
    for row in rows:
        budget = row["budget"] if row["adjusted"] is None else row["adjusted"]
        row["budget"] = budget
        row["rate"] = row["spent"] / budget if row["spent"] is not None and budget else None
        row["status_label"] = WorkflowStatus(row["status"]).label if row["status"] else ""
    return rows, count


# ---------------------------------------------------------------- heat map: units × 一级指标


@dataclass
class HeatMap:
    level1: list[str]
    rows: list[tuple[int, str, str]]  # (id, code, name) of units, or of one unit's projects
    cells: dict[tuple[int, int], dict[str, int]]  # (row index, level1 index) → light → n

    def counts(self, row: int, col: int) -> dict[str, int]:
        return self.cells.get((row, col), {})

    def share_behind(self, row: int, col: int) -> int | None:
        """% of the lit indicators of a cell that are red or yellow; None if none is lit."""
        counts = self.counts(row, col)
        lit = sum(counts.values())
        if not lit:
            return None
        return round(100 * (counts.get(Light.RED, 0) + counts.get(Light.YELLOW, 0)) / lit)

    def table(self) -> list[tuple[tuple[int, str, str], list[dict]]]:
        """Rows of the accessible table: each cell's counts in the order red, yellow, green, blue."""
        return [(row, [{"counts": [(light, self.counts(r, c).get(light.value, 0))
                                   for light in LIGHTS],
                        "behind": self.share_behind(r, c)}
                       for c in range(len(self.level1))])
                for r, row in enumerate(self.rows)]


def level1_columns() -> list[tuple[int, str]]:
    return list(IndicatorLevel1.objects.order_by("position", "name").values_list("id", "name"))


def heat_map(period, rows: list[tuple[int, str, str]]) -> HeatMap:
    """Stored light counts of the indicators of the units `rows`, by 一级指标 (2 queries)."""
    level1 = level1_columns()
    column = {lid: i for i, (lid, _) in enumerate(level1)}
    index = {rid: i for i, (rid, _, _) in enumerate(rows)}
    # LEFT JOIN on purpose, unlit rows dropped below: filtering on the light would let the
    # planner start from every record of the period instead of the page's units.
    qs = (Indicator.objects.filter(project__year=period.year)
          .annotate(rec=FilteredRelation("records", condition=Q(records__period=period))))
    if len(index) < UNIT_LIMIT:
        qs = qs.filter(project__unit_id__in=list(index))
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for rid, lid, light, n in (qs.values("project__unit_id", "level1_id", "rec__light")
                               .annotate(n=Count("id"))
                               .values_list("project__unit_id", "level1_id", "rec__light", "n")):
        if light and rid in index and lid in column:
            cells[(index[rid], column[lid])][light] = n
    return HeatMap([name for _, name in level1], rows, dict(cells))
