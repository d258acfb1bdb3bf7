"""The fast read around the scoring engine: stream_values, inputs_from_rows, set-based refresh.

Each pins that a speed-up changes nothing: the same rows as Django's iterator, the same inputs
(and errors) as the IndicatorInput constructor, the same snapshot with a constant number of
queries for a given set of projects.
"""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import Project
from performance.domain import Grade, Operator
from performance.models import IndicatorRecord, ProjectRecord
from performance.scoring import IndicatorInput
from performance.scoring.records import inputs_from_rows
from performance.services import scoring
from performance.services.scoring import (
    INPUT_POSITIONS,
    indicator_input,
    indicator_rows,
    stream_values,
)
from performance.services.snapshot import refresh_snapshots
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    MonitoringPeriodFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def some_projects(period, n, *, start=0):
    """n projects of one unit, 3 indicators each: repeated targets and weights, unique actuals,
    a 定性 one, one without a record."""
    unit = UnitFactory()
    projects = []
    for p in range(n):
        project = ProjectFactory(unit=unit, budget_amount=D("10.00"))
        projects.append(project)
        more = IndicatorFactory(project=project, target_value=D(100), weight=D(30))
        IndicatorRecordFactory(indicator=more, period=period,
                               actual_value=D(start + p) + D("0.25"),
                               expected_value=D(90), deduction=D(p % 2))
        grade = IndicatorFactory(project=project, operator=Operator.QUALITATIVE,
                                 target_value=None, target_grade=Grade.EXCELLENT, weight=D(30))
        IndicatorRecordFactory(indicator=grade, period=period, actual_grade=Grade.GOOD)
        IndicatorFactory(project=project, target_value=D(7), weight=D(30))  # nothing entered
    return projects


def rows_query(period):
    return indicator_rows(period, Project.objects.filter(year=period.year).values("id"))


@pytest.mark.parametrize("memo", [scoring.MEMO, 2])
def test_stream_values_gives_the_rows_of_the_iterator(monkeypatch, memo):
    period = PeriodFactory()
    some_projects(period, 6)
    monkeypatch.setattr(scoring, "MEMO", memo)  # 2: the memo fills, is cleared, is given up
    expected = list(rows_query(period).iterator(chunk_size=4))
    got = list(stream_values(rows_query(period), chunk_size=4))
    assert got == expected and len(got) == 18
    # equal is not enough for Decimal: the exponent shows (100.00 vs 100)
    assert [tuple(map(repr, row)) for row in got] == [tuple(map(repr, row)) for row in expected]


def test_stream_values_reads_in_one_query(django_assert_num_queries):
    period = PeriodFactory()
    some_projects(period, 4)
    with django_assert_num_queries(1):
        assert len(list(stream_values(rows_query(period)))) == 12


def test_inputs_from_rows_are_the_constructors_inputs():
    period = PeriodFactory()
    some_projects(period, 5)
    rows = list(stream_values(rows_query(period)))
    assert inputs_from_rows(rows, INPUT_POSITIONS) == [indicator_input(row) for row in rows]


def row(**changes):
    """A row of INDICATOR_COLUMNS as the database gives it, with `changes`."""
    values = {"project_id": 1, "id": 7, "level1_id": 1, "level2_id": 1, "name": "指标",
              "operator": "≥", "target_value": D("100.00"), "target_grade": "",
              "unit": " 人次 ", "weight": D("5.00"), "direction": "正向指标",
              "rec__actual_value": D("80.00"), "rec__actual_grade": "",
              "rec__deduction": D("0.00"), "rec__expected_value": None,
              "rec__expected_grade": ""}
    values.update(changes)
    return tuple(values[name] for name in scoring.INDICATOR_COLUMNS)


@pytest.mark.parametrize("changes", [
    {}, {"direction": ""}, {"direction": None}, {"rec__deduction": None},
    {"rec__deduction": D("1.50")}, {"rec__deduction": D("-0")}, {"rec__actual_value": None},
    {"operator": "定性", "target_value": None, "target_grade": "优", "rec__actual_grade": "良",
     "rec__actual_value": None},
    {"target_value": 100}, {"weight": "5"}, {"unit": None}, {"rec__actual_grade": "  "},
])
def test_inputs_from_rows_agree_with_the_constructor(changes):
    one = row(**changes)
    made = inputs_from_rows([one], INPUT_POSITIONS)[0]
    assert made == indicator_input(one) and type(made) is IndicatorInput
    assert tuple(map(repr, (made.weight, made.target, made.deduction))) == tuple(
        map(repr, (indicator_input(one).weight, indicator_input(one).target,
                   indicator_input(one).deduction)))


@pytest.mark.parametrize("changes", [
    {"weight": D("-1")}, {"weight": D("NaN")}, {"operator": "≈"}, {"direction": "正向"},
    {"rec__actual_grade": "A"}, {"rec__deduction": D("-1")}, {"target_value": D("Infinity")},
    {"operator": ["≥"]},
])
def test_inputs_from_rows_raise_the_constructors_errors(changes):
    one = row(**changes)
    with pytest.raises(ValueError) as expected:
        indicator_input(one)
    with pytest.raises(ValueError) as got:
        inputs_from_rows([one], INPUT_POSITIONS)
    assert str(got.value) == str(expected.value)


def refresh_set_queries(period, n):
    projects = some_projects(period, n, start=1000 * n)
    ProjectRecord.objects.filter(period=period).delete()  # created again: every row written
    with CaptureQueriesContext(connection) as ctx:
        assert refresh_snapshots(period, [p.id for p in projects]) == n
    assert ProjectRecord.objects.filter(period=period, computed_at__isnull=False).count() >= n
    return len(ctx)


def test_refreshing_a_set_of_projects_runs_a_constant_number_of_queries():
    july = MonitoringPeriodFactory()
    few = refresh_set_queries(july, 3)
    many = refresh_set_queries(july, 30)
    assert few == many


def test_refresh_writes_every_changed_light_in_one_statement():
    july = MonitoringPeriodFactory()
    projects = some_projects(july, 8)
    with CaptureQueriesContext(connection) as ctx:
        refresh_snapshots(july, [p.id for p in projects])
    writes = [q["sql"] for q in ctx.captured_queries
              if 'UPDATE "performance_indicatorrecord"' in q["sql"]]  # executemany: "N times: …"
    assert len(writes) == 1
    lit = IndicatorRecord.objects.filter(indicator__project__in=projects).exclude(light="")
    assert lit.count() == 16  # the number and the grade of each project; the third has no record


@pytest.mark.parametrize("expected", [False, True])
def test_snapshot_facts_give_the_inputs_of_indicator_facts(expected):
    from performance.monitoring.project import IndicatorFacts
    from performance.services import snapshot

    rows = [(1, 7, 1, 1, "指标", "≥", D("100.00"), "", " 人次", D("5.00"), dirn, None, 3,
             actual, "", exp, "", ded, "")
            for dirn in ("正向指标", "", None) for actual in (D("80.00"), None)
            for exp in (D("90.00"), None) for ded in (D("0.00"), D("1.00"))]
    rows.append((1, 8, 1, 1, "定性", "定性", None, "优", "", D("5.00"), "", None, 4, None, "良",
                 None, "", D("0.00"), ""))
    made = snapshot.inputs_from_rows(rows, snapshot._ACTUAL)
    for row, actual_input in zip(rows, made, strict=True):
        f = object.__new__(snapshot._Facts)
        f.row, f.input = row, actual_input
        facts = IndicatorFacts(
            key=str(row[1]), name=row[4], weight=row[9], operator=row[5],
            direction=row[10] or None, target=row[6], target_grade=row[7] or None,
            cumulative=False, actual=row[13], actual_grade=row[14] or None, expected=row[15],
            expected_grade=row[16] or None, deduction=row[17] or D(0), unit=row[8])
        assert f.scoring_input(expected=expected) == facts.scoring_input(expected=expected)
