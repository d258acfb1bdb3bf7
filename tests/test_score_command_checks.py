"""`score --json` carries each project's 抽查复核 (performance.checks.score_json): the `"check"`
object with the 复核 figures against hand-worked numbers, null for a project not checked, and
the period's checks read once (the same number of queries for one check or many).

The figures (tests/test_check_panel.py's): self 98.00 优 (three indicators of 30 met, 8.00 of 10
for 80 spent of 100); the check scores 20 and 30 with the third not scored yet (counted at its
self-score 30) and a verified 预算执行数 of 60 (6.00): 复核 86.00 良, deviation 12.00."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from performance.models import CheckBatch, CheckStatus
from tests.entry_setup import make_team
from tests.factories import (
    CheckBatchFactory,
    CheckedProjectFactory,
    CheckScoreFactory,
    IndicatorFactory,
    IndicatorRecordFactory,
    ProjectFactory,
    ProjectRecordFactory,
)

pytestmark = pytest.mark.django_db


def run(*args) -> list[dict]:
    out = StringIO()
    call_command("score", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def team():
    team = make_team()
    for indicator in team.indicators:
        IndicatorRecordFactory(indicator=indicator, period=team.period,
                               actual_value=Decimal(100))
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal(80))
    return team


def make_check(team, project=None, **extra):
    project = project or team.project
    batch = (CheckBatch.objects.filter(period=team.period, name="第一批").first()
             or CheckBatchFactory(period=team.period, name="第一批"))
    checked = CheckedProjectFactory(
        batch=batch, project=project,
        verified_spent=Decimal(60), status=CheckStatus.IN_PROGRESS, **extra)
    indicators = list(project.indicators.order_by("position", "id"))
    CheckScoreFactory(checked=checked, indicator=indicators[0], score=Decimal(20),
                      deduction_reason="完成数量不实", opinion="与台账不符")
    CheckScoreFactory(checked=checked, indicator=indicators[1], score=Decimal(30))
    return checked


def by_project(data, project) -> dict:
    return next(item for item in data if item["project"] == project.name)


def test_checked_project_carries_its_check_figures(team):
    make_check(team)
    found = by_project(run("--period", team.period.code, "--unit", team.unit.code),
                       team.project)
    assert (found["total"], found["grade"]) == (98.0, "优")
    check = found["check"]
    assert {k: v for k, v in check.items() if k != "indicators"} == {
        "status": "in_progress", "batch": "第一批", "indicator_total": 80.0,
        "execution_score": 6.0, "total": 86.0, "grade": "良", "deviation": 12.0,
        "conclusion": ""}
    names = [i.name for i in team.indicators]
    assert check["indicators"] == [
        {"name": names[0], "self_score": 30.0, "check_score": 20.0, "difference": -10.0,
         "deduction_reason": "完成数量不实", "opinion": "与台账不符"},
        {"name": names[1], "self_score": 30.0, "check_score": 30.0, "difference": 0.0,
         "deduction_reason": "", "opinion": ""},
        {"name": names[2], "self_score": 30.0, "check_score": None, "difference": None,
         "deduction_reason": "", "opinion": ""},
    ]


def test_concluded_check_carries_its_conclusion_and_the_reviewer_s_execution_score(team):
    make_check(team, execution_score=Decimal("7.50"))
    checked = team.project.checks.get()
    CheckScoreFactory(checked=checked, indicator=team.indicators[2], score=Decimal(25))
    checked.status, checked.conclusion = CheckStatus.DONE, "自评偏高"
    checked.concluded_at = datetime.datetime(2026, 4, 10, tzinfo=datetime.UTC)
    checked.save()
    check = by_project(run("--period", team.period.code), team.project)["check"]
    assert (check["status"], check["conclusion"]) == ("done", "自评偏高")
    assert (check["execution_score"], check["indicator_total"], check["total"]) == (7.5, 75.0,
                                                                                    82.5)
    assert (check["grade"], check["deviation"]) == ("良", 15.5)


def test_project_not_checked_has_check_null(team):
    other = ProjectFactory(unit=team.unit)
    make_check(team)
    data = run("--period", team.period.code)
    assert by_project(data, other)["check"] is None
    assert all("check" in item for item in data)


def test_unit_filter_reads_only_that_unit_s_checks(team):
    make_check(team)
    outside = ProjectFactory(unit=team.other_unit)
    IndicatorFactory.create_batch(2, project=outside, weight=Decimal(45))
    make_check(team, project=outside)
    data = run("--period", team.period.code, "--unit", team.other_unit.code)
    assert [item["project"] for item in data] == [outside.name]
    assert by_project(data, outside)["check"]["batch"] == "第一批"


def count_queries(*args) -> int:
    with CaptureQueriesContext(connection) as captured:
        run(*args)
    return len(captured.captured_queries)


def test_checks_are_read_once_for_the_whole_period(team):
    make_check(team)
    one = count_queries("--period", team.period.code)
    for _ in range(4):
        project = ProjectFactory(unit=team.unit)
        IndicatorFactory.create_batch(2, project=project, weight=Decimal(45))
        make_check(team, project=project)
    assert count_queries("--period", team.period.code) == one
