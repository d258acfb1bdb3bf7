"""Score projects from the database with the pure engine (performance.scoring).

`score_period` streams a whole period (all units or one) in a constant number of queries:
one for the projects with their money spent, one for the indicators with their records (read
in chunks, so memory stays flat), two for the level names, and one for the target versions
(three more only when a project is measured against an earlier version: see
performance.services.versions). `score_project_period` is the same path for one project.

Honest missing values: an indicator without a value scores 0 and is *missing* (shown as 未填,
never as 0.00); a project with nothing entered at all (no indicator value, actual or expected,
and no money spent: the snapshot's ``has_values`` negated) still has its total computed, but is
shown as 未填报, without a grade (`ProjectResult.nothing_entered`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db import connections
from django.db.models import FilteredRelation, Q
from django.db.models.sql.constants import MULTI

from budget.models import Project
from performance.domain import Operator, entered
from performance.models import Indicator, IndicatorLevel1, IndicatorLevel2, format_decimal
from performance.scoring import (
    DEFAULT_POLICY,
    ExecutionInput,
    IndicatorInput,
    ProjectScore,
    ScoringPolicy,
    score_project,
)
from performance.scoring.records import inputs_from_rows
from performance.services.versions import (
    ORIGINAL,
    VersionInForce,
    earlier_targets,
    versions_in_force,
)

CHUNK = 5000
MEMO = 16384  # distinct values remembered per converted column (then forgotten)
MISSING = "未填"  # how an indicator (or the money spent) without a value is shown, not 0.00
NOT_ENTERED = "未填报"  # how a project with nothing entered is shown, instead of its total and grade


def current_policy() -> ScoringPolicy:
    """The deployment's policy: settings.SCORING_POLICY over the defaults (docs/scoring.md)."""
    mapping = getattr(settings, "SCORING_POLICY", None)
    return ScoringPolicy.from_mapping(mapping) if mapping else DEFAULT_POLICY


@dataclass(frozen=True)
class IndicatorLine:
    """What a page or an export shows of one indicator besides its score."""

    id: int
    level1: str
    level2: str
    name: str
    operator: str
    target: str
    unit: str
    actual: str


@dataclass
class ProjectResult:
    project_id: int
    unit_code: str
    unit_name: str
    project_name: str
    budget: Decimal
    spent: Decimal | None
    score: ProjectScore
    rows: list[tuple] = field(repr=False)
    level_names: tuple[dict, dict] = field(repr=False)
    version: VersionInForce = ORIGINAL  # the targets the score is measured against

    @property
    def missing_indicators(self) -> int:
        """How many indicators have no value (each scores 0 and shows as 未填)."""
        return sum(1 for s in self.score.indicator_scores if s.missing)

    @cached_property
    def nothing_entered(self) -> bool:
        """Nothing entered for the project in the period: no money spent and no indicator value,
        actual or (when the rows carry them) expected; shown as 未填报, without a grade."""
        if self.spent is not None:
            return False
        return not any(_entered(row) for row in self.rows)

    @property
    def grade(self) -> str | None:
        """The grade as shown: None when nothing is entered (not 差)."""
        return None if self.nothing_entered else self.score.grade.value

    @cached_property
    def lines(self) -> tuple[IndicatorLine, ...]:
        """Built when a page or an export asks: bulk scoring never pays for them."""
        level1, level2 = self.level_names
        return tuple(_line(row, level1, level2) for row in self.rows)

    def as_json(self, number: Callable[[Decimal], object] = float) -> dict:
        """The `score --json` object: numbers as JSON numbers, texts as printed. `number`
        converts each Decimal (the API keeps them exact: performance.services.api_results)."""
        execution = self.score.execution
        return {
            "unit": self.unit_code,
            "project": self.project_name,
            "budget": number(self.budget),
            "spent": None if self.spent is None else number(self.spent),
            "execution_rate": None if execution.rate is None else number(execution.rate_display),
            "execution_score": number(execution.score),
            "indicator_score": number(self.score.indicator_total),
            "total": number(self.score.total),
            "grade": self.grade,
            "missing_indicators": self.missing_indicators,
            "nothing_entered": self.nothing_entered,
            "policy": self.score.policy_fingerprint,
            "target_version": self.version.as_json(),
            "indicators": [
                {
                    "level1": line.level1,
                    "level2": line.level2,
                    "name": line.name,
                    "operator": line.operator,
                    "unit": line.unit,
                    "weight": number(result.weight),
                    "target": line.target,
                    "actual": line.actual,
                    "score": number(result.score),
                    "missing": result.missing,
                    "explanation": result.explanation,
                }
                for line, result in zip(self.lines, self.score.indicator_scores, strict=True)
            ],
        }


INDICATOR_COLUMNS = (
    "project_id",
    "id",
    "level1_id",
    "level2_id",
    "name",
    "operator",
    "target_value",
    "target_grade",
    "unit",
    "weight",
    "direction",
    "rec__actual_value",
    "rec__actual_grade",
    "rec__deduction",
    # read for `ProjectResult.nothing_entered` only (not scored)
    "rec__expected_value",
    "rec__expected_grade",
)


def indicator_rows(period, projects):
    """The rows scoring reads: each indicator of `projects` with its record in `period`."""
    return (
        Indicator.objects.filter(project__in=projects)
        .annotate(rec=FilteredRelation("records", condition=Q(records__period=period)))
        .order_by("project_id", "position", "id")
        .values_list(*INDICATOR_COLUMNS)
    )


def stream_values(queryset, chunk_size: int = CHUNK) -> Iterator[tuple]:
    """The rows of a values_list `queryset`, as ``queryset.iterator(chunk_size)`` gives them.

    Django applies a column's converters to every value of every row (on SQLite a DecimalField
    value is made from a float and quantized: two thirds of the time of reading a million
    indicator rows). A column's values repeat (weights, targets, grades), and a converter gives
    equal results for equal raw values, so each distinct value is converted once and
    remembered (up to MEMO per column). Same cursor as .iterator(): a server-side one on
    PostgreSQL, chunks of `chunk_size` rows."""
    query = queryset.query
    if query.extra_select or query.annotation_select:  # columns reordered by values_list
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    connection = connections[queryset.db]
    compiler = query.get_compiler(using=queryset.db)
    chunked = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    results = compiler.execute_sql(MULTI, chunked_fetch=chunked, chunk_size=chunk_size)
    converters = compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]])
    if not converters:
        for chunk in results:
            yield from map(tuple, chunk)
        return
    plan = [[pos, {}, _converter(functions, expression, connection), 0]
            for pos, (functions, expression) in converters.items()]
    seen = 0  # rows read
    for chunk in results:
        for raw in chunk:
            seen += 1
            row = list(raw)
            for step in plan:
                pos, memo, convert, _ = step
                value = row[pos]
                if memo is None:
                    row[pos] = convert(value)
                    continue
                try:
                    row[pos] = memo[value]
                except KeyError:
                    if len(memo) >= MEMO:  # full: keep going only if it saved half the work
                        memo.clear()
                        if seen - step[3] < 2 * MEMO:
                            step[1] = None  # values that rarely repeat (actual values)
                        step[3] = seen
                    row[pos] = memo[value] = convert(value)
                except TypeError:  # unhashable: convert every time
                    row[pos] = convert(value)
            yield tuple(row)


def _converter(functions, expression, connection) -> Callable:
    def convert(value):
        for function in functions:
            value = function(value, expression, connection)
        return value

    return convert


def score_period(period, unit=None, policy: ScoringPolicy | None = None) -> Iterator[ProjectResult]:
    """Every project of the period's year (of one unit, if given), scored, in project order."""
    projects = Project.objects.filter(year=period.year)
    if unit is not None:
        projects = projects.filter(unit=unit)
    yield from _score(period, projects, policy or current_policy())


def score_project_period(project, period, policy: ScoringPolicy | None = None) -> ProjectResult:
    return next(_score(period, Project.objects.filter(pk=project.pk), policy or current_policy()))


def score_projects(period, projects, policy: ScoringPolicy | None = None) -> Iterator[ProjectResult]:
    """The projects of the queryset `projects`, scored in `period`, in project order (the same
    constant number of queries as `score_period`)."""
    yield from _score(period, projects, policy or current_policy())


def _score(period, projects, policy) -> Iterator[ProjectResult]:
    level1 = dict(IndicatorLevel1.objects.values_list("id", "name"))
    level2 = dict(IndicatorLevel2.objects.values_list("id", "name"))
    heads = list(
        projects.annotate(rec=FilteredRelation("records", condition=Q(records__period=period)))
        .order_by("id")
        .values_list(
            "id", "unit__code", "unit__name", "name", "budget_amount", "adjusted_amount", "rec__spent"
        )
    )
    in_force = versions_in_force(period, projects.values("id"))
    earlier = earlier_targets(period, projects.values("id"), in_force)
    rows = stream_values(indicator_rows(period, projects.values("id")))
    pending = next(rows, None)
    names = (level1, level2)
    for project_id, unit_code, unit_name, name, budget, adjusted, spent in heads:
        own = []
        while pending is not None and pending[0] == project_id:
            own.append(pending)
            pending = next(rows, None)
        version = in_force.get(project_id, ORIGINAL)
        if project_id in earlier:  # measured against an earlier version's targets
            own = earlier[project_id].value_rows(INDICATOR_COLUMNS)
            budget, adjusted = version.budget_amount, version.adjusted_amount
        execution = ExecutionInput(budget=budget, adjusted_budget=adjusted, spent=spent)
        yield ProjectResult(
            project_id=project_id,
            unit_code=unit_code,
            unit_name=unit_name,
            project_name=name,
            budget=budget if adjusted is None else adjusted,
            spent=spent,
            score=score_project(inputs_from_rows(own, INPUT_POSITIONS), execution, policy),
            rows=own,
            level_names=names,
            version=version,
        )


# where inputs_from_rows finds weight, operator, direction, target, target grade, actual, actual
# grade, deduction, key (the indicator's id), name and unit in a row of INDICATOR_COLUMNS
INPUT_POSITIONS = (9, 5, 10, 6, 7, 11, 12, 13, 1, 4, 8)


def indicator_input(row) -> IndicatorInput:
    """The engine's input of one row of INDICATOR_COLUMNS (the expected values, when the row
    carries them, are not scored)."""
    (_, indicator_id, _, _, name, operator, target, target_grade, unit, weight, direction,
     actual, actual_grade, deduction) = row[:14]
    return IndicatorInput(
        weight=weight,
        operator=operator,
        direction=direction,
        target=target,
        target_grade=target_grade or None,
        actual=actual,
        actual_grade=actual_grade or None,
        deduction=deduction or Decimal(0),
        key=str(indicator_id),
        name=name,
        unit=unit,
    )


def _entered(row) -> bool:
    """Whether a row of INDICATOR_COLUMNS holds a value: actual or expected, number or grade."""
    return entered(row[11], row[12], *row[14:16])


def _line(row, level1, level2) -> IndicatorLine:
    (_, indicator_id, level1_id, level2_id, name, operator, target, target_grade, unit, _, _,
     actual, actual_grade, _) = row[:14]
    qualitative = operator == Operator.QUALITATIVE
    return IndicatorLine(
        id=indicator_id,
        level1=level1[level1_id],
        level2=level2[level2_id],
        name=name,
        operator=operator,
        target=target_grade if qualitative else format_decimal(target),
        unit=unit,
        actual=(actual_grade or "") if qualitative else format_decimal(actual),
    )
