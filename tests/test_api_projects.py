"""api:project-list (the home page's list: same rows, filters, orderings and default period) and
api:project-detail (a project, its 年度目标 and its 表13 targets in force, at a period's cut-off
when one is asked for), for every role of tests/api_setup.ROLES; a project of another unit is
absent from the list and 404 on its own; an unknown period is a 400 naming the parameter;
bounded queries.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_projects.py
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget.models import Project, ProjectCategory
from performance.models import ProjectRecord, ReportingPeriod, WorkflowStatus
from tests.adjust_setup import approve_all, change_targets
from tests.api_setup import ROLES, role_clients
from tests.entry_setup import make_team
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    MonitoringPeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db
PROJECTS = reverse("api:project-list")
REFUSED = {"anonymous", "revoked", "expired"}


@pytest.fixture
def world():
    """Unit A: the team's project (entered, 优, green) and one without a record; unit B (same
    department): a submitted project with a red light; unit C (another department): one project."""
    team = make_team(indicators=3)
    ProjectRecordFactory(project=team.project, period=team.period, score_total=Decimal("95.50"),
                         score_grade="优", light="green", spent=Decimal("80.00"),
                         has_values=True, indicators_missing=1)
    bare = ProjectFactory(unit=team.unit, name="没有填报记录的项目",
                          category=ProjectCategory.OPERATION, budget_amount=Decimal("12.00"),
                          adjusted_amount=Decimal("15.50"))
    other = ProjectFactory(unit=team.other_unit, name="外单位的项目")
    ProjectRecordFactory(project=other, period=team.period, score_total=Decimal("88.00"),
                         score_grade="良", light="red", status=WorkflowStatus.SUBMITTED,
                         has_values=True)
    elsewhere = UnitFactory(code="800001", department=DepartmentFactory(code="800"))
    far = ProjectFactory(unit=elsewhere, name="另一部门的项目")
    return team, {"a": team.project, "bare": bare, "b": other, "c": far}, role_clients(team)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# -- the list -------------------------------------------------------------------------------------


def test_every_role_lists_the_projects_the_home_page_shows_it(world):
    team, projects, clients = world
    a = sorted([team.project.name, "没有填报记录的项目"])
    expected = {"filler_a": a, "reviewer": a, "read_only": a, "filler_b": ["外单位的项目"],
                "department": sorted([*a, "外单位的项目"]),
                "finance": sorted([*a, "外单位的项目", "另一部门的项目"])}
    for role in ROLES:
        response = clients[role].get(PROJECTS)
        if role in REFUSED:
            assert response.status_code == 401, role
            assert response["WWW-Authenticate"].startswith("Bearer"), role
        else:
            assert sorted(names(response)) == expected[role], role


def test_a_row_has_the_home_page_columns_with_money_and_scores_as_strings(world):
    team, projects, clients = world
    rows = {row["name"]: row for row in clients["filler_a"].get(PROJECTS).json()["results"]}
    assert rows[team.project.name] == {
        "id": team.project.pk, "period": "2025-final",
        "unit": {"code": team.unit.code, "name": team.unit.name},
        "name": team.project.name, "category": "specific", "category_label": "特定目标类",
        "budget": "100.00", "spent": "80.00", "status": "draft", "status_label": "草稿",
        "score": "95.50", "grade": "优", "light": "green", "projected": None, "missing": 1,
        "has_values": True,
        "values_url": f"http://testserver/api/v1/periods/2025-final/projects/"
                      f"{team.project.pk}/values/"}
    # nothing entered: 未填报, never "0.00 差"; the adjusted budget is the budget
    bare = rows["没有填报记录的项目"]
    assert {k: bare[k] for k in ("budget", "spent", "status", "score", "grade", "light",
                                 "missing", "has_values")} == {
        "budget": "15.50", "spent": None, "status": "draft", "score": None, "grade": None,
        "light": None, "missing": None, "has_values": False}


def test_the_default_period_is_the_one_the_home_page_shows_and_another_can_be_asked(world,
                                                                                  client):
    team, projects, clients = world
    MonitoringPeriodFactory(deadline=datetime.date(2025, 8, 15))  # passed: not the current one
    client.force_login(team.filler)
    shown = client.get(reverse("entry:home")).context["period"].code
    rows = clients["filler_a"].get(PROJECTS).json()["results"]
    assert {row["period"] for row in rows} == {shown} == {"2025-final"}
    july = clients["filler_a"].get(PROJECTS, {"period": "2025-07"}).json()["results"]
    assert {row["period"] for row in july} == {"2025-07"}
    assert all(row["has_values"] is False and row["values_url"].endswith(
        f"/api/v1/periods/2025-07/projects/{row['id']}/values/") for row in july)


def test_an_unknown_period_is_a_400_naming_the_parameter(world):
    response = world[2]["filler_a"].get(PROJECTS, {"period": "2030-99"})
    assert response.status_code == 400
    assert response.json() == {"detail": "输入有误：period：未找到填报期间“2030-99”。",
                               "errors": [{"field": "period",
                                           "message": "未找到填报期间“2030-99”。"}]}


def test_the_filters_mean_what_the_home_pages_mean(world, client):
    team, projects, clients = world
    finance = clients["finance"]
    cases = [({"q": "外单位"}, ["外单位的项目"]),
             ({"q": team.unit.code}, sorted([team.project.name, "没有填报记录的项目"])),
             ({"category": "operation"}, ["没有填报记录的项目"]),
             ({"status": "submitted"}, ["外单位的项目"]),
             ({"light": "red"}, ["外单位的项目"]),
             ({"light": "none"}, sorted(["没有填报记录的项目", "另一部门的项目"]))]
    client.force_login(team.finance)
    everything = [p.name for p in Project.objects.all()]
    for params, expected in cases:
        assert sorted(names(finance.get(PROJECTS, params))) == expected, params
        html = client.get(reverse("entry:home"), params).content.decode()
        assert sorted(name for name in everything if name in html) == expected, params


def test_the_unit_filter_takes_a_code_and_never_shows_another_units_projects(world):
    team, projects, clients = world
    assert sorted(names(clients["finance"].get(PROJECTS, {"unit": team.other_unit.code}))) == [
        "外单位的项目"]
    assert names(clients["filler_a"].get(PROJECTS, {"unit": team.other_unit.code})) == []
    assert names(clients["filler_a"].get(PROJECTS, {"unit": "000000"})) == []
    assert names(clients["department"].get(PROJECTS, {"unit": "800001"})) == []


def test_a_choice_the_page_does_not_offer_is_a_400_naming_the_filter(world, settings):
    filler = world[2]["filler_a"]
    for params in ({"category": "capital"}, {"light": "purple"}, {"status": "unit_approved"}):
        response = filler.get(PROJECTS, params)
        assert response.status_code == 400, params
        assert [e["field"] for e in response.json()["errors"]] == list(params), params
    settings.DEPARTMENT_TIER = True  # the 主管部门 level on: its status is offered
    assert filler.get(PROJECTS, {"status": "unit_approved"}).status_code == 200


def test_the_orderings_are_the_home_page_tables(world):
    team, projects, clients = world
    finance = clients["finance"]
    # by score: the entered first either way, 未填报 last (the page's rule)
    assert names(finance.get(PROJECTS, {"ordering": "-score"}))[:2] == [team.project.name,
                                                                         "外单位的项目"]
    assert names(finance.get(PROJECTS, {"ordering": "score"}))[:2] == ["外单位的项目",
                                                                        team.project.name]
    by_budget = finance.get(PROJECTS, {"ordering": "-budget,name"}).json()["results"]
    assert by_budget[0]["name"] == team.project.name
    assert [row["unit"]["code"] for row in finance.get(PROJECTS).json()["results"]] == sorted(
        [team.unit.code] * 2 + [team.other_unit.code, "800001"])
    bad = finance.get(PROJECTS, {"ordering": "-password"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "ordering"


def test_the_list_is_paginated(world):
    finance = world[2]["finance"]
    first = finance.get(PROJECTS, {"page_size": 3}).json()
    assert first["count"] == 4 and len(first["results"]) == 3 and first["next"]
    assert len(finance.get(first["next"]).json()["results"]) == 1


def test_a_read_only_token_may_not_write(world):
    assert world[2]["read_only"].post(PROJECTS, {}, format="json").status_code == 403


def test_without_any_period_the_list_is_empty(world):
    team, projects, clients = world
    ProjectRecord.objects.all().delete()
    ReportingPeriod.objects.all().delete()
    body = clients["finance"].get(PROJECTS).json()
    assert (body["count"], body["results"]) == (0, [])


# -- one project ----------------------------------------------------------------------------------


def detail(project, **params) -> str:
    url = reverse("api:project-detail", args=[project.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_every_role_reads_a_project_it_may_see_and_404_otherwise(world):
    team, projects, clients = world
    sees = {"filler_a", "reviewer", "read_only", "department", "finance"}
    for role in ROLES:
        response = clients[role].get(detail(team.project))
        if role in REFUSED:
            assert response.status_code == 401, role
        elif role in sees:
            assert response.status_code == 200, role
        else:
            assert response.status_code == 404, role
    assert clients["department"].get(detail(projects["c"])).status_code == 404
    assert clients["finance"].get(detail(projects["c"])).status_code == 200


def test_another_units_project_reads_exactly_like_one_that_does_not_exist(world):
    team, projects, clients = world
    hidden = clients["filler_b"].get(detail(team.project))
    missing = clients["filler_b"].get(reverse("api:project-detail", args=[987654]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "未找到该项目"}


def test_a_project_answers_its_goal_and_its_targets_in_force(world):
    team, projects, clients = world
    body = clients["filler_a"].get(detail(team.project)).json()
    first = team.indicators[0]
    assert {k: body[k] for k in ("id", "year", "unit", "name", "category", "budget_amount",
                                 "adjusted_amount", "budget", "goal", "carried_from",
                                 "period")} == {
        "id": team.project.pk, "year": 2025,
        "unit": {"code": team.unit.code, "name": team.unit.name}, "name": team.project.name,
        "category": "specific", "budget_amount": "100.00", "adjusted_amount": None,
        "budget": "100.00", "goal": "完成年度工作任务，保障业务正常运行。", "carried_from": None,
        "period": None}
    assert body["version"] == {"number": 1, "kind": "initial", "kind_label": "年初批复",
                               "label": "第1版（年初批复）", "effective_from": None,
                               "version_id": None, "current": True}
    assert [row["id"] for row in body["indicators"]] == [i.pk for i in team.indicators]
    assert body["indicators"][0] == {
        "id": first.pk, "level1": "产出指标", "level2": "数量指标", "name": first.name,
        "operator": "≥", "target_value": "100.0000", "target_grade": "", "target": "100",
        "unit": "人次", "weight": "30.00", "direction": "正向指标", "cumulative": None,
        "evidence_required": False, "position": first.position}
    assert body["target_versions_url"] == (
        f"http://testserver/api/v1/projects/{team.project.pk}/target-versions/")


def test_a_qualitative_target_is_a_grade_and_a_project_may_have_no_goal(world):
    team, projects, clients = world
    IndicatorFactory(project=projects["bare"], operator="定性", target_value=None,
                     target_grade="优", unit="", levels=("满意度指标", "服务对象满意度指标"))
    body = clients["filler_a"].get(detail(projects["bare"])).json()
    assert body["goal"] is None
    assert {k: body["indicators"][0][k] for k in ("operator", "target_value", "target_grade",
                                                  "target", "level1")} == {
        "operator": "定性", "target_value": None, "target_grade": "优", "target": "优",
        "level1": "满意度指标"}


def test_the_targets_in_force_follow_an_approved_adjustment_and_the_periods_cut_off(world):
    team, projects, clients = world
    first = team.indicators[0]
    MonitoringPeriodFactory()  # 2025-07: its cut-off comes before the adjustment
    approve_all(change_targets(team.project, team.filler, {first.id: {"target_value": Decimal(50)}},
                               effective_from=datetime.date(2025, 9, 1)),
                team.reviewer, team.finance)
    filler = clients["filler_a"]
    latest = filler.get(detail(team.project)).json()
    assert (latest["version"]["number"], latest["version"]["kind"],
            latest["version"]["effective_from"]) == (2, "adjustment", "2025-09-01")
    assert latest["indicators"][0]["target_value"] == "50.0000"
    july = filler.get(detail(team.project, period="2025-07")).json()
    assert (july["period"], july["version"]["number"], july["version"]["current"]) == (
        "2025-07", 1, False)
    assert [(row["id"], row["target_value"]) for row in july["indicators"]][0] == (
        first.pk, "100.0000")
    final = filler.get(detail(team.project, period="2025-final")).json()
    assert final["version"]["number"] == 2 and final["indicators"][0]["target_value"] == "50.0000"


def test_a_period_of_another_year_or_unknown_is_a_400_naming_the_parameter(world):
    team, projects, clients = world
    MonitoringPeriodFactory(code="2024-07", year=2024)
    filler = clients["filler_a"]
    for code in ("2024-07", "nope"):
        response = filler.get(detail(team.project, period=code))
        assert response.status_code == 400, code
        assert [e["field"] for e in response.json()["errors"]] == ["period"]
        assert response.json()["detail"].startswith("输入有误：period：")


# -- bounded queries ------------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # the token's first use stamps last_used_at once: not counted
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["filler_a", "finance"])
def test_the_list_takes_the_same_queries_for_one_project_and_for_many(
        world, role, django_assert_num_queries):
    team, projects, clients = world
    caller = clients[role]
    url = f"{PROJECTS}?ordering=-score&q=项目"
    few = _queries(caller, url)
    for n in range(30):
        more = ProjectFactory(unit=team.unit, name=f"更多项目{n}")
        ProjectRecordFactory(project=more, period=team.period, has_values=True,
                             score_total=Decimal(n), score_grade="差", light="yellow")
    with django_assert_num_queries(few):
        assert caller.get(url).json()["count"] >= 32


def test_the_detail_takes_the_same_queries_for_one_indicator_and_for_many(
        world, django_assert_num_queries):
    team, projects, clients = world
    filler = clients["filler_a"]
    IndicatorFactory(project=projects["bare"])
    MonitoringPeriodFactory()
    urls = [detail(projects["bare"]), detail(projects["bare"], period="2025-07")]
    few = [_queries(filler, url) for url in urls]
    for _ in range(20):
        IndicatorFactory(project=projects["bare"], levels=("效益指标", "社会效益指标"))
    for url, count in zip(urls, few, strict=True):
        with django_assert_num_queries(count):
            assert len(filler.get(url).json()["indicators"]) == 21
