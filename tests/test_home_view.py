"""Home: the projects a user may see in a period, filtered, sorted, paginated and exported as
filtered; finance staff see every unit and a per-unit summary; bounded queries."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from budget.models import Project, ProjectCategory
from performance.models import WorkflowStatus
from tests.entry_setup import make_team
from tests.factories import ProjectFactory, ProjectRecordFactory, UnitFactory

pytestmark = pytest.mark.django_db
HOME = reverse("entry:home")
EXPORT = reverse("entry:export")


@pytest.fixture
def team():
    team = make_team()
    other = ProjectFactory(unit=team.other_unit, name="外单位的项目")
    ProjectRecordFactory(project=other, period=team.period, score_total=Decimal("88.00"),
                         score_grade="良", light="red", status=WorkflowStatus.SUBMITTED)
    ProjectRecordFactory(project=team.project, period=team.period, score_total=Decimal("95.50"),
                         score_grade="优", light="green", spent=Decimal("80.00"))
    ProjectFactory(unit=team.unit, name="没有填报记录的项目", category=ProjectCategory.OPERATION)
    return team


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, **params) -> str:
    response = as_user(user).get(HOME, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_unit_members_see_their_units_projects_only(team, who):
    html = page(getattr(team, who))
    assert team.project.name in html and "没有填报记录的项目" in html
    assert "外单位的项目" not in html and "各单位汇总" not in html


def test_finance_staff_see_every_unit_and_a_summary_per_unit(team):
    html = page(team.finance)
    assert team.project.name in html and "外单位的项目" in html and "各单位汇总" in html
    summary = page(team.finance, view="units")
    assert "平均得分" in summary
    assert f">{team.unit.name}</a>" in summary and f">{team.other_unit.name}</a>" in summary
    assert "95.50" in summary and "88.00" in summary  # each unit's average of stored scores


def test_the_summary_is_for_finance_staff_only(team):
    html = page(team.filler, view="units")
    assert "平均得分" not in html and team.project.name in html


def test_an_outsider_does_not_see_the_units_projects(team):
    html = page(team.outsider)
    assert "外单位的项目" in html and team.project.name not in html


def test_an_anonymous_visitor_is_sent_to_log_in():
    response = Client().get(HOME)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_row_shows_budget_spent_rate_score_grade_status_and_light(team):
    html = page(team.filler)
    assert "100.00" in html and "80.00" in html and "80.00%" in html
    assert "95.50" in html and "grade-a" in html and "草稿" in html and "绿灯" in html


@pytest.mark.parametrize("params, shown, hidden", [
    ({"status": "submitted"}, ["外单位的项目"], ["没有填报记录的项目"]),
    ({"status": "draft"}, ["没有填报记录的项目"], ["外单位的项目"]),
    ({"light": "red"}, ["外单位的项目"], ["没有填报记录的项目"]),
    ({"light": "none"}, ["没有填报记录的项目"], ["外单位的项目"]),
    ({"q": "没有填报"}, ["没有填报记录的项目"], ["外单位的项目"]),
    ({"category": "operation"}, ["没有填报记录的项目"], ["外单位的项目"]),
])
def test_filters_narrow_the_list(team, params, shown, hidden):
    html = page(team.finance, **params)
    assert all(name in html for name in shown) and not any(name in html for name in hidden)


def test_the_unit_filter_offers_only_visible_units(team):
    html = page(team.filler)
    assert f'value="{team.unit.pk}"' in html and f'value="{team.other_unit.pk}"' not in html
    html = page(team.finance, unit=team.other_unit.pk)
    assert "外单位的项目" in html and team.project.name not in html


def test_sorting_by_score_puts_the_highest_first_and_the_unscored_last(team):
    html = page(team.finance, sort="-score")
    assert html.index(team.project.name) < html.index("外单位的项目") < html.index("没有填报记录的项目")


def test_the_list_is_paginated(team):
    for n in range(60):
        ProjectFactory(unit=team.unit, name=f"分页项目{n:02d}")
    first, second = page(team.filler, sort="name"), page(team.filler, sort="name", page=2)
    assert "分页项目00" in first and "分页项目59" not in first and "分页项目59" in second


def test_the_export_holds_the_filtered_rows_of_every_page(team):
    for n in range(60):
        ProjectFactory(unit=team.unit, name=f"导出项目{n:02d}")
    response = as_user(team.finance).get(EXPORT, {"q": "导出项目"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("项目名称", "单位") and len(rows) == 61
    assert all(row[0].startswith("导出项目") for row in rows[1:])


def test_the_export_of_a_filler_holds_only_their_units(team):
    response = as_user(team.filler).get(EXPORT)
    names = [row[0] for row in load_workbook(BytesIO(response.content)).active.iter_rows(
        min_row=2, values_only=True)]
    assert sorted(names) == sorted([team.project.name, "没有填报记录的项目"])


def test_the_upload_panel_is_offered_to_fillers_only(team):
    assert "上传并导入" in page(team.filler)
    assert "上传并导入" not in page(team.finance)
    assert "上传并导入" not in page(team.reviewer)


def count_queries(user, **params) -> int:
    client = as_user(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who, params", [
    ("filler", {"sort": "-score", "status": "draft"}),
    ("finance", {"sort": "-score", "status": "draft"}),
    ("finance", {"view": "units", "u-sort": "-average"}),
])
def test_the_page_runs_the_same_number_of_queries_for_10_or_200_projects(team, who, params):
    user = getattr(team, who)
    for _ in range(7):
        ProjectRecordFactory(project=ProjectFactory(unit=team.unit), period=team.period)
    small = count_queries(user, **params)
    for n in range(190):
        unit = team.unit if n % 2 else UnitFactory()
        ProjectRecordFactory(project=ProjectFactory(unit=unit), period=team.period,
                             light="yellow")
    assert Project.objects.count() == 200
    assert count_queries(user, **params) == small


def test_the_page_of_projects_is_read_once(team):
    # Ordered ids of the page, then those rows in full: the pagination must not read the
    # page again (a regression once cost a second full page query).
    for n in range(60):
        ProjectFactory(unit=team.unit, name=f"分页项目{n:02d}")
    client = as_user(team.finance)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    page_reads = [q["sql"] for q in queries.captured_queries
                  if 'FROM "budget_project"' in q["sql"] and "LIMIT" in q["sql"]]
    assert len(page_reads) == 1
