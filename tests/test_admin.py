"""The admin: changelists render with a bounded number of queries; bad input gets words."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import Indicator
from tests.factories import IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def make_projects(n):
    for _ in range(n):
        project = ProjectFactory()
        for _ in range(3):
            IndicatorFactory(project=project)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["budget_project_changelist", "performance_indicator_changelist"])
def test_changelist_queries_do_not_grow_with_rows(client, superuser, name):
    client.force_login(superuser)
    url = reverse(f"admin:{name}")
    make_projects(3)
    few = queries_for(client, url)
    make_projects(30)
    many = queries_for(client, url)
    assert many == few
    assert few <= 12


@pytest.mark.parametrize(
    "name",
    [
        "budget_unit", "budget_department", "budget_functionalsubject", "budget_economicsubject",
        "budget_budgetline", "budget_printedtotal", "budget_membership",
        "performance_indicatorlevel1", "performance_indicatorlevel2", "performance_reportingperiod",
        "performance_indicatorrecord", "performance_projectrecord",
    ],
)
def test_every_changelist_renders_on_the_seed(client, superuser, seeded, name):
    client.force_login(superuser)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_project_change_page_shows_its_indicators_inline(client, superuser, seeded):
    client.force_login(superuser)
    project = seeded.unit.projects.get(name="乡村振兴经费")
    response = client.get(reverse("admin:budget_project_change", args=[project.pk]))
    assert response.status_code == 200
    assert "贫困监测户数" in response.content.decode()


def test_project_change_page_queries_do_not_grow_with_indicators(client, superuser):
    client.force_login(superuser)
    small, large = ProjectFactory(), ProjectFactory()
    for _ in range(2):
        IndicatorFactory(project=small)
    for _ in range(20):
        IndicatorFactory(project=large)
    counts = [
        queries_for(client, reverse("admin:budget_project_change", args=[p.pk]))
        for p in (small, large)
    ]
    assert counts[0] == counts[1]


def test_admin_shows_a_friendly_error_for_a_bad_indicator(client, superuser):
    client.force_login(superuser)
    indicator = IndicatorFactory()
    data = {
        "project": indicator.project_id,
        "level1": indicator.level1_id,
        "level2": indicator.level2_id,
        "name": indicator.name,
        "operator": "定性",
        "target_value": "95",
        "target_grade": "",
        "unit": "%",
        "weight": "0",
        "direction": "正向指标",
        "position": "1",
    }
    response = client.post(reverse("admin:performance_indicator_change", args=[indicator.pk]), data)
    assert response.status_code == 200  # the form again, not a database error
    page = response.content.decode()
    assert "权重必须大于 0" in page
    assert "定性指标的指标值应为等级" in page
    indicator.refresh_from_db()
    assert indicator.weight == Decimal("10")
    assert Indicator.objects.count() == 1
