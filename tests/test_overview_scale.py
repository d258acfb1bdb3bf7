"""The finance overview at province scale: the summary reads every project once (its totals are
the sums of its groups), and the watch list takes its count from the summary's lights instead of
counting every project again; the numbers shown stay those of a direct count."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget.models import Project
from performance.domain import Light
from performance.models import ProjectRecord
from performance.services.overview import summary, watch_list
from performance.services.snapshot import refresh_snapshots
from tests.dashboard_world import add_units, build_world

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboard:overview") + "?period=2025-07"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def world():
    world = build_world()
    add_units(world.period, 3)
    refresh_snapshots(world.period)
    return world


def test_the_summary_totals_are_those_of_a_direct_aggregate(world):
    period = world.period
    projects = Project.objects.filter(year=period.year)
    expected = projects.aggregate(n=Count("id"),
                                  budget=Sum(Coalesce("adjusted_amount", "budget_amount")))
    spent = ProjectRecord.objects.filter(period=period, project__year=period.year).aggregate(
        s=Sum("spent"))["s"]
    result = summary(period)
    assert result.projects == expected["n"] > 0
    assert result.budget == expected["budget"]
    assert result.spent == spent
    assert sum(result.grades.values()) == sum(result.lights.values()) == expected["n"]


def test_the_summary_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        summary(world.period)


def test_the_watch_list_count_given_is_the_count_it_would_make(world):
    lights = summary(world.period).lights
    given = lights[Light.RED.value] + lights[Light.YELLOW.value]
    rows, counted = watch_list(world.period)
    assert given == counted > 0
    assert watch_list(world.period, count=given)[0] == rows


def test_the_cold_overview_counts_the_watch_list_once_and_shows_the_direct_count(client, world):
    lit = ProjectRecord.objects.filter(period=world.period,
                                       project__year=world.period.year).filter(
        Q(light=Light.RED) | Q(light=Light.YELLOW)).count()
    client.force_login(world.finance)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(OVERVIEW).content.decode()
    assert re.search(rf"共 {lit} 个红灯、黄灯项目", page)
    light_counts = [q["sql"] for q in ctx.captured_queries
                    if q["sql"].startswith("SELECT COUNT(*)") and '"light" IN' in q["sql"]]
    assert light_counts == []  # no second pass over every project for the watch list's count


def test_the_cold_overview_runs_no_more_queries_with_more_units(client, world):
    def cold_queries():
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(OVERVIEW).status_code == 200
        return len(ctx)

    client.force_login(world.finance)
    few = cold_queries()
    add_units(world.period, 5)
    refresh_snapshots(world.period)
    assert cold_queries() == few
    assert few <= 16  # 18 before the summary and the watch list shared their pass
