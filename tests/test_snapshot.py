"""refresh_snapshots and lights_for_period: stored scores, projections and lights, in bulk."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from performance.domain import Light, Operator
from performance.models import IndicatorRecord, ProjectRecord
from performance.scoring import ExecutionInput, IndicatorInput, score_project
from performance.services.scoring import current_policy, score_period
from performance.services.snapshot import lights_for_period, refresh_snapshots
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    MonitoringPeriodFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def july():
    return MonitoringPeriodFactory()


def a_project(period, *, spent="3.50", budget="10.00", actuals=("35", "100"),
              expected=("80", "95"), unit=None):
    """A project with a cumulative count (T 100 人次) and a level rate (T 100 %)."""
    project = ProjectFactory(budget_amount=Decimal(budget), **({"unit": unit} if unit else {}))
    count = IndicatorFactory(project=project, unit="人次", target_value=Decimal(100),
                             weight=Decimal(45))
    rate = IndicatorFactory(project=project, levels=("产出指标", "质量指标"), unit="%",
                            target_value=Decimal(100), weight=Decimal(45))
    for indicator, actual, exp in zip((count, rate), actuals, expected, strict=True):
        if actual is not None or exp is not None:
            IndicatorRecordFactory(indicator=indicator, period=period,
                                   actual_value=None if actual is None else Decimal(actual),
                                   expected_value=None if exp is None else Decimal(exp))
    if spent is not None:
        ProjectRecordFactory(project=project, period=period, spent=Decimal(spent))
    return project


def test_refresh_creates_missing_project_records_and_fills_the_snapshot(july):
    with_record = a_project(july)
    without = a_project(july, spent=None)
    assert refresh_snapshots(july) == 2
    assert ProjectRecord.objects.filter(period=july).count() == 2
    record = ProjectRecord.objects.get(project=without, period=july)
    assert record.computed_at is not None and record.spent is None
    assert record.execution_light == ""  # nothing spent entered: no execution light
    assert ProjectRecord.objects.get(project=with_record, period=july).computed_at is not None


def test_score_so_far_is_the_scoring_service_score(july):
    project = a_project(july)
    refresh_snapshots(july)
    record = ProjectRecord.objects.get(project=project)
    result = next(r for r in score_period(july) if r.project_id == project.id)
    assert record.score_total == result.score.total
    assert record.score_grade == result.score.grade.value


def test_the_projected_score_is_the_engine_score_of_the_expected_values(july):
    project = a_project(july, spent="3.50", expected=("80", "95"))
    refresh_snapshots(july)
    engine = score_project(
        [IndicatorInput(weight=Decimal(45), operator=Operator.GE, target=Decimal(100),
                        actual=Decimal(80)),
         IndicatorInput(weight=Decimal(45), operator=Operator.GE, target=Decimal(100),
                        actual=Decimal(95))],
        ExecutionInput(budget=Decimal(10), spent=Decimal("3.50") * 12 / 7),  # the spending pace
        current_policy(),
    )
    record = ProjectRecord.objects.get(project=project)
    assert record.projected_total == engine.total == Decimal("84.75")  # 36 + 42.75 + 10 × 0.6
    assert record.projected_total != record.score_total


def test_no_projection_without_any_expected_value(july):
    project = a_project(july, expected=(None, None))
    refresh_snapshots(july)
    assert ProjectRecord.objects.get(project=project).projected_total is None


def test_a_self_evaluation_projects_its_own_score():
    final = PeriodFactory()
    project = a_project(final, actuals=("90", "100"), expected=(None, None))
    refresh_snapshots(final)
    record = ProjectRecord.objects.get(project=project)
    assert record.projected_total == record.score_total == Decimal("89.00")  # 40.5 + 45 + 3.5


def test_lights_of_indicators_execution_and_project(july):
    # m = 7: the count's share is 58.33; 35 / 58.33 = 60 % → yellow; the rate 100 % → green;
    # execution 3.5 / 10 / (7 / 12) = 60 % → yellow
    project = a_project(july, actuals=("35", "100"))
    refresh_snapshots(july)
    lights = dict(IndicatorRecord.objects.filter(period=july)
                  .values_list("indicator__unit", "light"))
    assert lights == {"人次": Light.YELLOW, "%": Light.GREEN}
    record = ProjectRecord.objects.get(project=project)
    assert (record.execution_light, record.light) == (Light.YELLOW, Light.YELLOW)


def test_a_red_indicator_makes_the_project_red(july):
    project = a_project(july, actuals=("10", "100"), spent="9")
    refresh_snapshots(july)
    record = ProjectRecord.objects.get(project=project)
    assert (record.execution_light, record.light) == (Light.GREEN, Light.RED)


def test_the_indicator_override_changes_the_light(july):
    project = a_project(july, actuals=("35", "100"))
    project.indicators.filter(unit="人次").update(cumulative=False)  # compare 35 with 100
    refresh_snapshots(july)
    assert IndicatorRecord.objects.get(indicator__unit="人次").light == Light.RED


def test_missing_indicators_are_counted(july):
    project = a_project(july, actuals=("35", None), expected=("80", None))
    IndicatorFactory(project=project)  # no record at all
    refresh_snapshots(july)
    assert ProjectRecord.objects.get(project=project).indicators_missing == 2


def test_refreshing_some_projects_leaves_the_others_alone(july):
    first, second = a_project(july), a_project(july)
    assert refresh_snapshots(july, [first.id]) == 1
    assert ProjectRecord.objects.get(project=first).computed_at is not None
    assert ProjectRecord.objects.get(project=second).computed_at is None


def test_a_changed_value_is_reflected_on_the_next_refresh(july):
    project = a_project(july, actuals=("35", "100"))
    refresh_snapshots(july)
    IndicatorRecord.objects.filter(indicator__unit="人次").update(actual_value=Decimal(60))
    refresh_snapshots(july, [project.id])
    assert IndicatorRecord.objects.get(indicator__unit="人次").light == Light.GREEN


def test_projects_of_another_year_are_not_touched(july):
    a_project(july)
    ProjectFactory(year=2024)
    assert refresh_snapshots(july) == 1
    assert ProjectRecord.objects.filter(project__year=2024).count() == 0


def test_lights_for_period_gives_the_same_lights_without_writing(july):
    project = a_project(july, actuals=("10", "100"), spent="9")
    live = lights_for_period(july, [project])[project.id]
    assert not ProjectRecord.objects.get(project=project).light  # nothing written
    refresh_snapshots(july)
    record = ProjectRecord.objects.get(project=project)
    assert (live.light, live.execution_light) == (Light.RED, Light.GREEN)
    assert (live.light.value, live.score_total, live.projected_total) == (
        record.light, record.score_total, record.projected_total)
    stored = dict(IndicatorRecord.objects.values_list("indicator_id", "light"))
    assert {k: (v.value if v else "") for k, v in live.indicators.items()} == stored


def refresh_queries(period, n_units):
    for _ in range(n_units):
        unit = UnitFactory()
        a_project(period, unit=unit, spent="4")
        a_project(period, unit=unit, spent=None)  # its record is created
    with CaptureQueriesContext(connection) as ctx:
        refresh_snapshots(period)
    return len(ctx)


def test_refresh_runs_a_constant_number_of_queries_as_projects_grow(july):
    small = refresh_queries(july, 2)
    ProjectRecord.objects.all().delete()
    IndicatorRecord.objects.all().delete()
    assert refresh_queries(july, 9) == small


def test_a_second_refresh_with_nothing_changed_rewrites_no_light(july):
    a_project(july)
    refresh_snapshots(july)
    with CaptureQueriesContext(connection) as ctx:
        refresh_snapshots(july)
    assert not any('UPDATE "performance_indicatorrecord"' in q["sql"] for q in ctx.captured_queries)


def test_on_the_seed_the_projection_is_the_engine_score_of_every_expected_value(seeded):
    from budget.models import Project
    from performance.domain import Grade
    from performance.models import Indicator, ReportingPeriod

    july = ReportingPeriod.objects.get(code="2025-07")
    records = []
    for n, indicator in enumerate(Indicator.objects.order_by("id")):
        if indicator.operator == Operator.QUALITATIVE:
            records.append(IndicatorRecord(indicator=indicator, period=july, actual_grade="良",
                                           expected_grade=Grade.EXCELLENT if n % 2 else "中"))
        else:
            records.append(IndicatorRecord(indicator=indicator, period=july,
                                           actual_value=indicator.target_value / 2,
                                           expected_value=indicator.target_value * n % 7 / 3))
    IndicatorRecord.objects.bulk_create(records)
    for project in Project.objects.all():
        ProjectRecordFactory(project=project, period=july, spent=project.budget_amount / 3)
    refresh_snapshots(july)
    expected = {r.indicator_id: r for r in IndicatorRecord.objects.filter(period=july)}
    for project in Project.objects.all():
        record = ProjectRecord.objects.get(project=project, period=july)
        engine = score_project(
            [IndicatorInput(weight=i.weight, operator=i.operator, direction=i.direction,
                            target=i.target_value, target_grade=i.target_grade or None,
                            actual=expected[i.id].expected_value,
                            actual_grade=expected[i.id].expected_grade or None)
             for i in project.indicators.all()],
            ExecutionInput(budget=project.budget_amount, spent=record.spent * 12 / 7),
            current_policy())
        assert record.projected_total == engine.total, project.name
        assert record.light  # every seed project has a light
