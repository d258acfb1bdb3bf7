"""performance.services.listing and .periods: the rows of the project list and the period a
page shows."""

from decimal import Decimal

import pytest

from performance.models import WorkflowStatus
from performance.services.listing import project_rows, unit_summary
from performance.services.periods import current_period, periods, pick_period
from tests.entry_setup import lock, make_team
from tests.factories import (
    MonitoringPeriodFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_project_without_a_record_is_a_draft_without_score(db):
    team = make_team()
    (row,) = project_rows(team.period, team.filler)
    assert row.entry_status == WorkflowStatus.DRAFT and row.score is None and row.light is None
    assert row.budget == Decimal("100.00")


def test_rows_carry_the_records_snapshot_of_that_period_only(db):
    team = make_team()
    other_period = MonitoringPeriodFactory()
    ProjectRecordFactory(project=team.project, period=other_period, score_total=Decimal(10))
    ProjectRecordFactory(project=team.project, period=team.period, score_total=Decimal(90),
                         light="green", status=WorkflowStatus.APPROVED, spent=Decimal(5))
    (row,) = project_rows(team.period, team.filler)
    assert (row.score, row.light, row.entry_status, row.spent) == (
        Decimal(90), "green", WorkflowStatus.APPROVED, Decimal(5))


def test_the_adjusted_budget_counts_when_there_is_one(db):
    team = make_team()
    team.project.adjusted_amount = Decimal("120.00")
    team.project.save()
    assert project_rows(team.period, team.filler).get().budget == Decimal("120.00")


def test_the_summary_counts_per_unit(db):
    team = make_team()
    ProjectRecordFactory(project=team.project, period=team.period, light="red",
                         status=WorkflowStatus.SUBMITTED, score_total=Decimal(80),
                         has_values=True)
    ProjectRecordFactory(project=ProjectFactory(unit=team.unit), period=team.period,
                         status=WorkflowStatus.APPROVED, score_total=Decimal(90), has_values=True)
    ProjectFactory(unit=team.other_unit)
    summary = {row["unit__code"]: row for row in unit_summary(project_rows(team.period,
                                                                           team.finance))}
    mine = summary[team.unit.code]
    assert (mine["projects"], mine["submitted"], mine["approved"], mine["red"]) == (2, 2, 1, 1)
    assert mine["average"] == Decimal(85) and summary[team.other_unit.code]["projects"] == 1


def test_the_current_period_is_the_latest_open_one(db):
    final = PeriodFactory()
    monitoring = MonitoringPeriodFactory()
    assert current_period() == final
    lock(final, UserFactory(is_superuser=True))
    assert current_period() == monitoring
    assert pick_period("2025-final", list(periods())) == final
    assert pick_period("no-such", list(periods())) == monitoring


def test_without_periods_there_is_no_current_one(db):
    assert current_period() is None


def test_rows_say_whether_anything_is_entered(db):
    team = make_team()
    bare = ProjectFactory(unit=team.unit)
    ProjectRecordFactory(project=team.project, period=team.period, has_values=True,
                         score_total=Decimal(40), indicators_missing=2)
    rows = {row.pk: row for row in project_rows(team.period, team.filler)}
    assert (rows[team.project.pk].has_values, rows[team.project.pk].missing) == (True, 2)
    assert rows[bare.pk].has_values is None  # no record: nothing entered either


def test_the_summary_counts_not_entered_projects_apart_from_the_average(db):
    team = make_team()
    ProjectRecordFactory(project=team.project, period=team.period, has_values=True,
                         score_total=Decimal(80))
    ProjectRecordFactory(project=ProjectFactory(unit=team.unit), period=team.period,
                         has_values=False, score_total=Decimal(0), score_grade="差")
    ProjectFactory(unit=team.unit)  # no record
    (mine,) = unit_summary(project_rows(team.period, team.filler))
    assert (mine["projects"], mine["not_entered"], mine["average"]) == (3, 2, Decimal(80))
