"""Monitoring snapshots: scores, projections and lights of a period, stored for lists and charts.

`refresh_snapshots(period, project_ids=None)` recomputes, for those projects (None: every
project of the period's year), ProjectRecord.score_total / score_grade / projected_total /
light / execution_light / indicators_missing / has_values / computed_at and IndicatorRecord.light, creating
the missing ProjectRecord rows. Call it after any change of values, targets or money spent
(the data-entry pages, imports, the `refresh_snapshots` command).

Queries are constant per batch of BATCH projects, never per project: one for the projects
without a record and one insert of them, one locking the batch's records, one for the projects,
one streamed for the indicators with their records (chunks of CHUNK rows, so memory stays
flat), one UPDATE executed for the batch (executemany: Django's bulk_update builds a CASE expression per row and field, about
1.5 ms a project, 10 s for 6,000), and one UPDATE per light per BATCH of indicator records
whose light changed.

`lights_for_period(period, projects)` is the same computation without writing, for a page that
needs the lights live.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import FilteredRelation, Q, QuerySet
from django.utils import timezone

from budget.models import Project
from performance.domain import Light
from performance.domain import entered as values_entered  # `entered` is a local below
from performance.models import (
    Indicator,
    IndicatorLevel1,
    IndicatorLevel2,
    IndicatorRecord,
    ProjectRecord,
)
from performance.monitoring.lights import is_cumulative
from performance.monitoring.project import ProjectMonitor, monitor_project
from performance.scoring import IndicatorInput
from performance.scoring.records import inputs_from_rows
from performance.services.scoring import current_policy, stream_values
from performance.services.upsert import update_rows
from performance.services.versions import earlier_targets

CHUNK = 5000  # indicator rows fetched at a time
BATCH = 500  # projects per transaction; rows per INSERT statement
ID_LIST_MAX = 2000  # projects named by a literal id list (a refresh batch); more: a subquery

SNAPSHOT_FIELDS = ["score_total", "score_grade", "projected_total", "light", "execution_light",
                   "indicators_missing", "has_values", "computed_at"]

_ROW = ("project_id", "id", "level1_id", "level2_id", "name", "operator", "target_value",
        "target_grade", "unit", "weight", "direction", "cumulative", "rec__id",
        "rec__actual_value", "rec__actual_grade", "rec__expected_value", "rec__expected_grade",
        "rec__deduction", "rec__light")
_HEAD = ("id", "budget_amount", "adjusted_amount", "rec__id", "rec__spent")
# where inputs_from_rows finds weight, operator, direction, target, target grade, actual, actual
# grade, deduction, key, name and unit in a row of _ROW: the score so far, and the projection
_ACTUAL = (9, 5, 10, 6, 7, 13, 14, 17, 1, 4, 8)
_EXPECTED = (9, 5, 10, 6, 7, 15, 16, 17, 1, 4, 8)


class _Facts:
    """What monitor_project reads of an IndicatorFacts (performance.monitoring.project), with
    the engine's inputs built from the database row by inputs_from_rows, a project at a time:
    the same inputs as IndicatorFacts.scoring_input, without a constructor call per indicator
    (tests/test_scoring_stream.py compares the two)."""

    __slots__ = ("operator", "direction", "target", "target_grade", "cumulative", "actual",
                 "actual_grade", "expected", "expected_grade", "row", "input")

    @property
    def has_expected(self) -> bool:
        return self.expected is not None or bool(self.expected_grade)

    def scoring_input(self, *, expected: bool = False) -> IndicatorInput:
        if expected:
            return inputs_from_rows((self.row,), _EXPECTED)[0]
        return self.input


@dataclass
class ProjectLights:
    """A project's monitoring at the period's cut-off, computed live."""

    project_id: int
    light: Light | None
    execution_light: Light | None
    score_total: Decimal
    projected_total: Decimal | None
    indicators_missing: int
    has_values: bool  # anything entered: an indicator's value or the money spent
    indicators: dict[int, Light | None] = field(default_factory=dict)  # indicator id → light
    weights: dict[int, Decimal] = field(default_factory=dict)  # indicator id → weight


@dataclass
class _Monitored:
    project_id: int
    record_id: int | None
    monitor: ProjectMonitor
    # per indicator: (indicator id, record id or None, stored light, weight)
    rows: list[tuple[int, int | None, str, Decimal]]
    has_values: bool


def _project_queryset(period, projects) -> QuerySet:
    qs = Project.objects.filter(year=period.year)
    if projects is None:
        return qs
    if isinstance(projects, QuerySet):
        return qs.filter(id__in=projects.values("id"))
    ids = [getattr(p, "pk", p) for p in projects]
    return qs.filter(id__in=ids)


def _monitored(period, projects: QuerySet) -> Iterator[_Monitored]:
    """Every project of `projects` monitored at the period's cut-off, in id order."""
    policy = current_policy()
    month, monitoring = period.cutoff_month, period.is_monitoring
    level1 = dict(IndicatorLevel1.objects.values_list("id", "name"))
    level2 = dict(IndicatorLevel2.objects.values_list("id", "name"))
    cumulative_cache: dict[tuple, bool] = {}
    in_period = Q(records__period=period)
    heads = list(projects.annotate(rec=FilteredRelation("records", condition=in_period))
                 .order_by("id").values_list(*_HEAD))
    # A refresh's batch by its ids, not by the subquery: inside an import's transaction,
    # PostgreSQL may plan the subquery's join from statistics an autovacuum took while the
    # import's rows were uncommitted (the tables "empty"), a nested loop over every indicator
    # for each project (minutes at 8,000 indicators). A literal list is planned as index
    # lookups whatever the statistics say.
    chosen = [head[0] for head in heads] if len(heads) <= ID_LIST_MAX else projects.values("id")
    rows = stream_values(Indicator.objects.filter(project_id__in=chosen)
                         .annotate(rec=FilteredRelation("records", condition=in_period))
                         .order_by("project_id", "position", "id").values_list(*_ROW), CHUNK)
    new = object.__new__
    pending = next(rows, None)
    earlier = earlier_targets(period, chosen)
    for project_id, budget, adjusted, record_id, spent in heads:
        facts, keys = [], []
        entered = spent is not None
        own = []
        while pending is not None and pending[0] == project_id:
            own.append(pending)
            pending = next(rows, None)
        if project_id in earlier:  # measured against an earlier version's targets
            own = earlier[project_id].value_rows(_ROW)
            version = earlier[project_id].version
            budget, adjusted = version.budget_amount, version.adjusted_amount
        for row in own:
            (_, ind_id, l1, l2, name, operator, target, target_grade, unit, weight, direction,
             override, rec_id, actual, actual_grade, expected, expected_grade, deduction,
             stored_light) = row
            key = (l1, l2, unit, override)
            cumulative = cumulative_cache.get(key)
            if cumulative is None:
                cumulative = cumulative_cache[key] = is_cumulative(
                    level1.get(l1, ""), level2.get(l2, ""), unit, override)
            f = new(_Facts)
            f.operator, f.direction, f.target = operator, direction or None, target
            f.target_grade, f.cumulative, f.actual = target_grade or None, cumulative, actual
            f.actual_grade, f.expected = actual_grade or None, expected
            f.expected_grade, f.row = expected_grade or None, row
            facts.append(f)
            keys.append((ind_id, rec_id, stored_light or "", weight))
            if not entered:
                entered = values_entered(actual, actual_grade, expected, expected_grade)
        for f, made in zip(facts, inputs_from_rows(own, _ACTUAL), strict=True):
            f.input = made
        monitor = monitor_project(facts, budget=budget, adjusted_budget=adjusted, spent=spent,
                                  month=month, monitoring=monitoring, policy=policy)
        yield _Monitored(project_id, record_id, monitor, keys, entered)


def lights_for_period(period, projects=None) -> dict[int, ProjectLights]:
    """project id → its lights, scores and indicator lights in `period`, computed now.

    `projects`: a queryset, Project objects or ids (None: every project of the year)."""
    result = {}
    for item in _monitored(period, _project_queryset(period, projects)):
        m = item.monitor
        result[item.project_id] = ProjectLights(
            project_id=item.project_id, light=m.light, execution_light=m.execution_light,
            score_total=m.score_total, projected_total=m.projected_total,
            indicators_missing=m.missing, has_values=item.has_values,
            indicators={row[0]: light for row, light
                        in zip(item.rows, m.indicator_lights, strict=True)},
            weights={row[0]: row[3] for row in item.rows},
        )
    return result


def _create_missing_records(period, projects: QuerySet) -> int:
    missing = list(projects.exclude(records__period=period).values_list("id", flat=True))
    ProjectRecord.objects.bulk_create(
        [ProjectRecord(project_id=pid, period=period) for pid in missing],
        batch_size=BATCH, ignore_conflicts=True)  # a page may create one at the same time
    return len(missing)


def _write_project_snapshots(rows: list[tuple]) -> None:
    """UPDATE the SNAPSHOT_FIELDS of ProjectRecord rows given as (*values, id) (a seam:
    tests/test_concurrent_writes.py saves meanwhile, between the refresh's read and write)."""
    update_rows(ProjectRecord, SNAPSHOT_FIELDS, rows)


def refresh_snapshots(period, project_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the snapshot of `project_ids` (None: all of the year) in `period`.

    BATCH projects at a time, each batch in its own transaction with the project records
    locked first (the lock every writer of values takes, performance.services.values): a save
    that commits meanwhile is either read here or waits, so a refresh never stores the score
    of values older than the saved ones. Inside a write's transaction it joins it (the locks
    are its own already). Returns the number of projects refreshed."""
    if project_ids is None:
        ids = list(Project.objects.filter(year=period.year).order_by("id")
                   .values_list("id", flat=True))
    else:
        ids = sorted(set(project_ids))
    return sum(_refresh_batch(period, ids[start:start + BATCH])
               for start in range(0, len(ids), BATCH))


def _refresh_batch(period, ids: list[int]) -> int:
    projects = _project_queryset(period, ids)
    now = timezone.now()
    with transaction.atomic():
        _create_missing_records(period, projects)
        list(ProjectRecord.objects.select_for_update(of=("self",))
             .filter(period=period, project_id__in=ids).order_by("project_id")
             .values_list("id", flat=True))
        updates: list[tuple] = []
        relit: list[tuple[str, int]] = []  # (light, indicator record id) of changed lights
        for item in _monitored(period, projects):
            m = item.monitor
            projected = m.projected_total
            updates.append((
                m.score_total, m.score.grade.value, projected, m.light.value if m.light else "",
                m.execution_light.value if m.execution_light else "", m.missing, item.has_values,
                now, item.record_id))
            for (_, rec_id, stored, _), light in zip(item.rows, m.indicator_lights, strict=True):
                value = light.value if light else ""
                if rec_id is not None and value != stored:
                    relit.append((value, rec_id))
        # written after reading: SQLite does not isolate a write from an open read cursor
        _write_project_snapshots(updates)
        update_rows(IndicatorRecord, ["light"], relit)
    return len(updates)
