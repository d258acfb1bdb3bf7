"""The charts' JSON: the pages' access checks (outsider 404), the numbers, constant queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.services.snapshot import refresh_snapshots
from tests.dashboard_world import add_units, build_world, monitored_project
from tests.factories import IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = ["dashboard:api_execution", "dashboard:api_grades", "dashboard:api_heatmap"]


def url(name, unit=None):
    query = "?period=2025-07" + (f"&unit={unit}" if unit else "")
    return reverse(name) + query


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # cached overview data is keyed by ids a rolled-back test may reuse


@pytest.fixture
def world():
    return build_world()


def get(client, user, address):
    client.force_login(user)
    return client.get(address)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_finance_staff_get_every_unit(client, world, name):
    response = get(client, world.finance, url(name))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["period"] == "2025-07"


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("role", ["filler", "reviewer", "outsider"])
def test_all_units_data_is_404_to_anyone_but_finance_staff(client, world, name, role):
    assert get(client, world.user(role), url(name)).status_code == 404


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("role", ["filler", "reviewer", "finance"])
def test_a_units_data_is_served_to_those_who_see_the_unit(client, world, name, role):
    assert get(client, world.user(role), url(name, "342601")).status_code == 200


@pytest.mark.parametrize("name", ENDPOINTS)
def test_an_outsider_gets_404_for_a_units_data(client, world, name):
    assert get(client, world.outsider, url(name, "342601")).status_code == 404


@pytest.mark.parametrize("name", ENDPOINTS)
def test_an_anonymous_visitor_gets_no_data(client, world, name):
    assert client.get(url(name)).status_code == 302


def test_execution_by_unit_with_the_time_progress_line(client, world):
    data = get(client, world.finance, url("dashboard:api_execution")).json()
    assert data["month"] == 7 and data["time_progress"] == 58.33
    by_code = {item["code"]: item for item in data["items"]}
    # 342601: (1 + 6) of 20 = 35 % against 58.33 % → 60 % of time progress → yellow
    assert by_code["342601"] == {"code": "342601", "name": "广元市社会保险事务中心",
                                 "budget": 20.0, "spent": 7.0, "rate": 35.0, "light": "yellow"}


def test_execution_by_project_for_a_unit(client, world):
    items = get(client, world.filler, url("dashboard:api_execution", "342601")).json()["items"]
    assert [(i["name"], i["rate"], i["light"]) for i in items] == [
        ("落后项目", 10.0, "red"), ("正常项目", 60.0, "green")]


def test_grade_distribution_now_and_projected(client, world):
    data = get(client, world.finance, url("dashboard:api_grades")).json()
    counts = dict(zip(data["grades"], data["current"], strict=True))
    projected = dict(zip(data["grades"], data["projected"], strict=True))
    assert sum(counts.values()) == sum(projected.values()) == 3
    assert projected["良"] == 3  # 36 + 42.75 + the spending pace


def test_heatmap_cells_count_the_lights_by_level1(client, world):
    data = get(client, world.finance, url("dashboard:api_heatmap")).json()
    assert data["level1"][0] == "产出指标" and data["rows"][0]["code"] == "342601"
    output = next(c for c in data["cells"] if c["row"] == 0 and c["col"] == 0)
    assert output == {"row": 0, "col": 0, "behind": 50, "counts": {"red": 1, "green": 1}}


def test_a_units_heatmap_has_its_projects_as_rows(client, world):
    data = get(client, world.reviewer, url("dashboard:api_heatmap", "342601")).json()
    assert [r["name"] for r in data["rows"]] == ["落后项目", "正常项目"]


def queries(client, user, address):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(address).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_all_units_data_runs_constant_queries_as_units_grow(client, world, name):
    few = queries(client, world.finance, url(name))
    add_units(world.period, 5)
    refresh_snapshots(world.period)
    assert queries(client, world.finance, url(name)) == few


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_units_data_runs_constant_queries_as_projects_and_units_grow(client, world, name):
    few = queries(client, world.filler, url(name, "342601"))
    for _ in range(4):
        monitored_project(world.period, world.unit)
    add_units(world.period, 3)
    assert queries(client, world.filler, url(name, "342601")) == few


@pytest.mark.parametrize("unit", [None, "342601"])  # the stored snapshot, and live
def test_a_project_with_nothing_entered_counts_as_not_entered_not_as_poor(client, world, unit):
    project = ProjectFactory(unit=world.unit, name="未填报项目")
    IndicatorFactory(project=project)
    refresh_snapshots(world.period)  # stores 0 分, 差 for it
    data = get(client, world.finance, url("dashboard:api_grades", unit)).json()
    counts = dict(zip(data["grades"], data["current"], strict=True))
    projected = dict(zip(data["grades"], data["projected"], strict=True))
    assert counts["未填报"] == projected["未填报"] == 1
    assert counts["差"] == 1  # 落后项目 only
    assert sum(counts.values()) == sum(projected.values()) == (4 if unit is None else 3)


def test_a_project_without_money_spent_has_no_rate_in_the_execution_chart(client, world):
    IndicatorFactory(project=ProjectFactory(unit=world.unit, name="未填报项目"))
    items = get(client, world.filler, url("dashboard:api_execution", "342601")).json()["items"]
    empty = next(i for i in items if i["name"] == "未填报项目")
    assert (empty["spent"], empty["rate"], empty["light"]) == (None, None, None)
