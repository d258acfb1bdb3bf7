"""GET /api/v1/scores/ (api:score-list): one object per visible project of the period with the
fields of `manage.py score --json` plus project_id, Decimals as strings; paginated by project,
only the page's projects scored, in a constant number of queries; a check shown to the unit only
once it is 已复核; every role of tests/api_setup.ROLES.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_scores.py
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import CheckStatus
from tests.api_setup import ROLES, bearer, role_clients
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

URL = reverse("api:score-list")
CONCLUDED = datetime.datetime(2026, 4, 10, tzinfo=datetime.UTC)


@pytest.fixture
def team():
    """Unit A's project: three indicators met (30 each) and 80 spent of 100 (8.00): 98.00 优."""
    team = make_team()
    for indicator in team.indicators:
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=Decimal(100))
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal(80))
    return team


def b_project(team):
    """A project of unit B (another unit of the same 主管部门)."""
    project = ProjectFactory(unit=team.other_unit, name="外单位项目")
    IndicatorFactory.create_batch(2, project=project, weight=Decimal(45))
    return project


def done(**extra) -> dict:
    """The fields of a concluded check (已复核 needs its conclusion)."""
    return {"status": CheckStatus.DONE, "conclusion": "自评偏高", "concluded_at": CONCLUDED,
            **extra}


def make_check(team, status=CheckStatus.IN_PROGRESS):
    fields = done() if status == CheckStatus.DONE else {"status": status}
    checked = CheckedProjectFactory(batch=CheckBatchFactory(period=team.period, name="第一批"),
                                    project=team.project, verified_spent=Decimal(60), **fields)
    CheckScoreFactory(checked=checked, indicator=team.indicators[0], score=Decimal(20),
                      deduction_reason="完成数量不实", opinion="与台账不符")
    return checked


def score_json(*args) -> list[dict]:
    out = StringIO()
    call_command("score", *args, "--json", stdout=out)
    return json.loads(out.getvalue(), parse_float=Decimal)


def scores(client, **params):
    return client.get(URL, params)


def names(response) -> set[str]:
    return {item["project"] for item in response.json()["results"]}


def as_numbers(api, command):
    """`api` (the API's object) with each string that is a number in `command` (score --json,
    numbers parsed as Decimal) made a Decimal, so the two compare as numbers."""
    if isinstance(command, dict):
        return {key: as_numbers(api[key], value) for key, value in command.items()}
    if isinstance(command, list):
        return [as_numbers(a, c) for a, c in zip(api, command, strict=True)]
    if isinstance(command, Decimal | int) and not isinstance(command, bool) and api is not None:
        assert isinstance(api, str if isinstance(command, Decimal) else int), (api, command)
        return Decimal(api) if isinstance(command, Decimal) else api
    return api


# -- the object ------------------------------------------------------------------------------------


def test_a_project_s_object_is_the_score_json_object_with_its_id(team):
    make_check(team)
    command = next(item for item in score_json("--period", team.period.code)
                   if item["project"] == team.project.name)
    response = scores(bearer(team.finance), period=team.period.code, unit=team.unit.code)
    assert response.status_code == 200
    (api,) = response.json()["results"]
    assert set(api) == set(command) | {"project_id"}
    assert api["project_id"] == team.project.pk
    assert command["check"] is not None and command["indicators"]
    assert as_numbers(api, command) == command


def test_decimals_are_exact_strings_never_floats(team):
    (api,) = scores(bearer(team.filler), period=team.period.code).json()["results"]
    assert (api["budget"], api["spent"], api["total"], api["grade"]) == (
        "100.00", "80.00", "98.00", "优")
    assert api["execution_rate"] == "0.8000"
    assert all(isinstance(line["weight"], str) and isinstance(line["score"], str)
               for line in api["indicators"])
    assert '"total": 98' not in json.dumps(api)


def test_nothing_entered_has_no_grade_and_money_spent_null(team):
    empty = ProjectFactory(unit=team.unit, name="未填报项目")
    IndicatorFactory(project=empty, weight=Decimal(90))
    found = {item["project"]: item for item in
             scores(bearer(team.filler), period=team.period.code).json()["results"]}
    assert (found[empty.name]["nothing_entered"], found[empty.name]["grade"],
            found[empty.name]["spent"]) == (True, None, None)
    assert found[empty.name]["indicators"][0]["missing"] is True


def test_a_check_in_progress_shows_to_finance_and_to_the_unit_only_once_done(team):
    checked = make_check(team)
    period = team.period.code
    assert scores(bearer(team.finance), period=period).json()["results"][0]["check"]["status"] == (
        "in_progress")
    for user in (team.filler, team.reviewer):
        assert scores(bearer(user), period=period).json()["results"][0]["check"] is None
    for name, value in done().items():
        setattr(checked, name, value)
    checked.save()
    check = scores(bearer(team.filler), period=period).json()["results"][0]["check"]
    assert (check["status"], check["batch"], check["indicators"][0]["check_score"]) == (
        "done", "第一批", "20.00")


# -- parameters ------------------------------------------------------------------------------------


def test_period_is_required_and_must_exist(team):
    client = bearer(team.filler)
    missing = scores(client)
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "period"
    unknown = scores(client, period="1999-final")
    assert unknown.status_code == 400
    assert "period" in unknown.json()["detail"] and "1999-final" in unknown.json()["detail"]


def test_unit_narrows_to_that_unit_and_an_unseen_unit_is_404(team):
    b_project(team)
    finance = bearer(team.finance)
    assert names(scores(finance, period=team.period.code, unit=team.other_unit.code)) == {
        "外单位项目"}
    assert scores(bearer(team.filler), period=team.period.code,
                  unit=team.other_unit.code).status_code == 404
    assert scores(finance, period=team.period.code, unit="000000").status_code == 404


def test_projects_of_another_year_are_not_scored(team):
    ProjectFactory(unit=team.unit, year=2024, name="上年项目")
    assert names(scores(bearer(team.filler), period=team.period.code)) == {team.project.name}


def test_pages_by_project_in_project_order(team):
    more = [ProjectFactory(unit=team.unit) for _ in range(2)]
    client = bearer(team.filler)
    first = scores(client, period=team.period.code, page_size=2).json()
    assert first["count"] == 3 and first["next"] and first["previous"] is None
    assert [item["project_id"] for item in first["results"]] == [team.project.pk, more[0].pk]
    second = client.get(first["next"]).json()
    assert [item["project_id"] for item in second["results"]] == [more[1].pk]


# -- roles -----------------------------------------------------------------------------------------


EXPECTED = {
    # role: (status, the projects listed)
    "anonymous": (401, None),
    "revoked": (401, None),
    "expired": (401, None),
    "filler_a": (200, {"A"}),
    "read_only": (200, {"A"}),  # reading needs no write scope
    "filler_b": (200, {"B"}),
    "reviewer": (200, {"A"}),
    "department": (200, {"A", "B"}),  # both units are of its 主管部门
    "finance": (200, {"A", "B"}),
}


def test_every_role_sees_the_scores_of_the_projects_the_pages_show_it(team):
    b_project(team)
    label = {team.project.name: "A", "外单位项目": "B"}
    clients = role_clients(team)
    assert set(clients) == set(ROLES) == set(EXPECTED)
    for role, (status, listed) in EXPECTED.items():
        response = scores(clients[role], period=team.period.code)
        assert response.status_code == status, role
        if listed is not None:
            assert {label[name] for name in names(response)} == listed, role


def test_a_filler_of_unit_b_never_reaches_unit_a(team):
    b_project(team)
    client = role_clients(team)["filler_b"]
    assert scores(client, period=team.period.code, unit=team.unit.code).status_code == 404
    listed = scores(client, period=team.period.code).json()["results"]
    assert team.project.pk not in {item["project_id"] for item in listed}


def test_writing_is_not_allowed(team):
    response = bearer(team.filler).post(URL, {"period": team.period.code}, format="json")
    assert response.status_code == 405


# -- bounded work ----------------------------------------------------------------------------------


def add_checked_project(team):
    project = ProjectFactory(unit=team.unit)
    for indicator in IndicatorFactory.create_batch(2, project=project, weight=Decimal(45)):
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=Decimal(90))
    ProjectRecordFactory(project=project, period=team.period, spent=Decimal(5))
    checked = CheckedProjectFactory(batch=CheckBatchFactory(period=team.period), project=project,
                                    **done())
    CheckScoreFactory(checked=checked, indicator=project.indicators.first())
    return project


def count(client, **params) -> tuple[int, int]:
    """(queries, results) of one request."""
    with CaptureQueriesContext(connection) as captured:
        response = scores(client, **params)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("role", ["filler", "finance"])
def test_the_queries_do_not_grow_with_the_projects_of_a_page(team, role, django_assert_num_queries):
    make_check(team, status=CheckStatus.DONE)
    client = bearer(getattr(team, role))
    scores(client, period=team.period.code)  # the token's last use is stamped once
    one, listed = count(client, period=team.period.code)
    assert listed == 1
    for _ in range(6):
        add_checked_project(team)
    with django_assert_num_queries(one):
        response = scores(client, period=team.period.code)
    assert len(response.json()["results"]) == 7


def test_only_the_page_s_projects_are_scored(team, monkeypatch):
    for _ in range(4):
        add_checked_project(team)
    from performance.services import api_results

    scored = []
    real = api_results.score_projects

    def spy(period, projects, policy=None):
        scored.append(sorted(projects.values_list("id", flat=True)))
        return real(period, projects, policy)

    monkeypatch.setattr(api_results, "score_projects", spy)
    response = scores(bearer(team.finance), period=team.period.code, page_size=2, page=2)
    assert [len(ids) for ids in scored] == [2]
    assert scored[0] == [item["project_id"] for item in response.json()["results"]]
