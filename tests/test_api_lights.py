"""GET /api/v1/lights/ (api:light-list): per visible project of a monitoring period its light,
execution light, current and projected score and each indicator's light, computed now as the
unit dashboard does (the same lights the snapshot stores); a self-evaluation period is 400
naming `period`; paginated by project in a constant number of queries; every role of
tests/api_setup.ROLES.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_lights.py
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import IndicatorRecord, ProjectRecord
from performance.services.snapshot import refresh_snapshots
from tests.api_setup import ROLES, bearer, role_clients
from tests.entry_setup import make_team
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("api:light-list")


@pytest.fixture
def team():
    """Unit A's project in 2025-07 (cut-off month 7: time progress 7/12), three cumulative
    counts of target 100 人次 reached 35 (60 %: yellow), 70 (120 %: blue) and 50 (86 %:
    green), 20 spent of 100 (34 % of time progress: red), so the project is red."""
    team = make_team(monitoring=True)
    for indicator, actual in zip(team.indicators, (35, 70, 50), strict=True):
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=Decimal(actual),
                               expected_value=Decimal(100))
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal(20))
    return team


def lights(client, **params):
    return client.get(URL, params)


def only(response) -> dict:
    assert response.status_code == 200, response.content
    (item,) = response.json()["results"]
    return item


def b_project(team):
    project = ProjectFactory(unit=team.other_unit, name="外单位项目")
    IndicatorFactory.create_batch(2, project=project, weight=Decimal(45))
    return project


def test_a_project_s_lights_scores_and_indicator_lights(team):
    item = only(lights(bearer(team.filler), period=team.period.code))
    assert (item["project_id"], item["unit"], item["unit_name"], item["project"]) == (
        team.project.pk, team.unit.code, team.unit.name, team.project.name)
    assert (item["light"], item["execution_light"]) == ("red", "red")
    assert [(line["id"], line["name"], line["light"]) for line in item["indicators"]] == [
        (indicator.pk, indicator.name, light)
        for indicator, light in zip(team.indicators, ("yellow", "blue", "green"), strict=True)]
    assert item["indicators"][0]["level1"] == "产出指标"
    assert item["indicators"][0]["weight"] == "30.00"
    assert (item["has_values"], item["indicators_missing"]) == (True, 0)
    assert isinstance(item["score_total"], str) and isinstance(item["projected_total"], str)
    assert item["grade"] and item["projected_grade"]


def test_the_lights_are_those_the_snapshot_stores(team):
    b_project(team)
    refresh_snapshots(team.period)
    stored = {r.project_id: r for r in ProjectRecord.objects.filter(period=team.period)}
    indicator_lights = dict(IndicatorRecord.objects.filter(period=team.period)
                            .values_list("indicator_id", "light"))
    for item in lights(bearer(team.finance), period=team.period.code).json()["results"]:
        record = stored[item["project_id"]]
        assert (item["light"] or "", item["execution_light"] or "") == (
            record.light, record.execution_light)
        assert Decimal(item["score_total"]) == record.score_total
        assert (None if item["projected_total"] is None else Decimal(item["projected_total"])) == (
            record.projected_total)
        for line in item["indicators"]:
            assert (line["light"] or "") == indicator_lights.get(line["id"], "")


def test_a_project_with_nothing_entered_has_no_light_and_no_grade(team):
    empty = ProjectFactory(unit=team.unit, name="未填报项目")
    IndicatorFactory(project=empty, weight=Decimal(90))
    found = {item["project"]: item for item in
             lights(bearer(team.filler), period=team.period.code).json()["results"]}
    item = found[empty.name]
    assert (item["light"], item["execution_light"], item["grade"], item["projected_total"],
            item["projected_grade"], item["has_values"], item["indicators_missing"]) == (
        None, None, None, None, None, False, 1)
    assert item["indicators"][0]["light"] is None


def test_a_self_evaluation_period_is_refused_naming_the_period(team):
    final = PeriodFactory()
    response = lights(bearer(team.filler), period=final.code)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "period"
    assert body["detail"].startswith("输入有误：period：") and "监控期间" in body["detail"]


def test_the_period_is_required_and_must_exist(team):
    client = bearer(team.filler)
    assert lights(client).json()["errors"][0]["field"] == "period"
    unknown = lights(client, period="2025-13")
    assert unknown.status_code == 400 and "2025-13" in unknown.json()["detail"]


def test_unit_narrows_and_an_unseen_unit_is_404(team):
    b_project(team)
    assert [i["project"] for i in lights(bearer(team.finance), period=team.period.code,
                                         unit=team.other_unit.code).json()["results"]] == [
        "外单位项目"]
    assert lights(bearer(team.filler), period=team.period.code,
                  unit=team.other_unit.code).status_code == 404


EXPECTED = {
    "anonymous": (401, None),
    "revoked": (401, None),
    "expired": (401, None),
    "filler_a": (200, {"A"}),
    "read_only": (200, {"A"}),
    "filler_b": (200, {"B"}),
    "reviewer": (200, {"A"}),
    "department": (200, {"A", "B"}),  # both units are of its 主管部门
    "finance": (200, {"A", "B"}),
}


def test_every_role_sees_the_lights_of_the_projects_the_pages_show_it(team):
    b_project(team)
    label = {team.project.name: "A", "外单位项目": "B"}
    clients = role_clients(team)
    assert set(ROLES) == set(EXPECTED)
    for role, (status, listed) in EXPECTED.items():
        response = lights(clients[role], period=team.period.code)
        assert response.status_code == status, role
        if listed is not None:
            assert {label[i["project"]] for i in response.json()["results"]} == listed, role
    assert lights(clients["filler_b"], period=team.period.code,
                  unit=team.unit.code).status_code == 404


def add_project(team):
    project = ProjectFactory(unit=team.unit)
    for indicator in IndicatorFactory.create_batch(2, project=project, weight=Decimal(45)):
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=Decimal(40),
                               expected_value=Decimal(90))
    ProjectRecordFactory(project=project, period=team.period, spent=Decimal(5))


@pytest.mark.parametrize("role", ["filler", "finance"])
def test_the_queries_do_not_grow_with_the_projects_of_a_page(team, role, django_assert_num_queries):
    client = bearer(getattr(team, role))
    lights(client, period=team.period.code)  # the token's last use is stamped once
    with CaptureQueriesContext(connection) as captured:
        assert len(lights(client, period=team.period.code).json()["results"]) == 1
    for _ in range(6):
        add_project(team)
    with django_assert_num_queries(len(captured.captured_queries)):
        response = lights(client, period=team.period.code)
    assert len(response.json()["results"]) == 7


def test_pages_by_project(team):
    for _ in range(2):
        add_project(team)
    body = lights(bearer(team.filler), period=team.period.code, page_size=2).json()
    assert (body["count"], len(body["results"])) == (3, 2) and body["next"]


def test_a_project_measured_against_earlier_targets_shows_that_version_s_indicators(team):
    """An adjustment approved for 1 September (renaming the first indicator, removing the
    second): July is still measured against the 年初批复 targets, so their names and all three
    indicators are listed."""
    from tests.adjust_setup import approve_all, change_targets

    first, gone, third = team.indicators
    old_name = first.name
    approve_all(change_targets(team.project, team.filler,
                               {first.id: {"name": "调整后的指标名称"}, gone.id: None,
                                third.id: {"weight": Decimal(60)}}),
                team.reviewer, team.finance)
    item = only(lights(bearer(team.filler), period=team.period.code))
    assert [(line["id"], line["name"], line["weight"]) for line in item["indicators"]] == [
        (first.pk, old_name, "30.00"), (gone.pk, gone.name, "30.00"),
        (third.pk, third.name, "30.00")]
    assert [line["light"] for line in item["indicators"]] == ["yellow", "blue", "green"]
