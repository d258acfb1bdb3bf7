"""The 自评表 where people look: one project's (from the project page) and a unit's (from the
project list), with a 状态 column, numbers as number cells, the period by its name, drafts
marked or left out; who may read them; bounded queries."""

import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from budget.models import Project
from performance.models import WorkflowStatus
from tests.dashboard_world import build_world, monitored_project
from tests.factories import IndicatorRecordFactory, PeriodFactory, ProjectRecordFactory

pytestmark = pytest.mark.django_db

FINAL = "2025-final"
NAME = "2025 年度绩效自评"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def year_end(period, project, *, status, count="90", rate="95", spent="9.5"):
    """The full-year values of a dashboard_world project (培训人次, 满意度) in `period`."""
    count_indicator, rate_indicator = project.indicators.order_by("position", "id")
    IndicatorRecordFactory(indicator=count_indicator, period=period, actual_value=Decimal(count),
                           explanation="=HYPERLINK(\"x\")")
    IndicatorRecordFactory(indicator=rate_indicator, period=period, actual_value=Decimal(rate))
    ProjectRecordFactory(project=project, period=period, spent=Decimal(spent), status=status)


@pytest.fixture
def world():
    world = build_world()
    world.final = PeriodFactory()
    world.behind = Project.objects.get(name="落后项目")
    world.normal = Project.objects.get(name="正常项目")
    year_end(world.final, world.behind, status=WorkflowStatus.SUBMITTED)
    year_end(world.final, world.normal, status=WorkflowStatus.DRAFT, count="50")
    return world


def project_xlsx(project):
    return reverse("dashboard:project_report_xlsx", args=[project.pk]) + f"?period={FINAL}"


def project_print(project):
    return reverse("dashboard:project_report_print", args=[project.pk]) + f"?period={FINAL}"


UNIT_XLSX = reverse("dashboard:report_xlsx", args=["342601"]) + f"?period={FINAL}"
UNIT_PRINT = reverse("dashboard:report_print", args=["342601"]) + f"?period={FINAL}"


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def opened(content):
    ws = load_workbook(io.BytesIO(content)).active
    cols = {cell.value: cell.column for cell in ws[3] if cell.value}
    return ws, cols


def project_rows(ws, cols):
    """project name → its first row."""
    return {ws.cell(row, cols["项目名称"]).value: row for row in range(4, ws.max_row + 1)
            if ws.cell(row, cols["项目名称"]).value}


# ---------------------------------------------------------------- who may read them


@pytest.mark.parametrize("role", ["filler", "reviewer", "finance"])
def test_anyone_who_sees_the_project_gets_its_self_evaluation_table(client, world, role):
    for url in (project_xlsx(world.behind), project_print(world.behind)):
        assert get(client, world.user(role), url).status_code == 200, url


def test_an_outsider_gets_404_for_a_projects_table(client, world):
    for url in (project_xlsx(world.behind), project_print(world.behind)):
        assert get(client, world.outsider, url).status_code == 404


def test_an_unknown_period_is_404_for_a_projects_table(client, world):
    url = project_xlsx(world.behind).replace(FINAL, "1999-final")
    assert get(client, world.filler, url).status_code == 404


@pytest.mark.parametrize("role", ["filler", "reviewer", "finance"])
def test_anyone_who_sees_the_unit_gets_its_table(client, world, role):
    for url in (UNIT_XLSX, UNIT_PRINT):
        assert get(client, world.user(role), url).status_code == 200


def test_an_outsider_gets_404_for_a_units_table(client, world):
    for url in (UNIT_XLSX, UNIT_PRINT):
        assert get(client, world.outsider, url).status_code == 404


# ---------------------------------------------------------------- what they show


def test_a_projects_workbook_has_that_project_only_with_its_status(client, world):
    ws, cols = opened(get(client, world.filler, project_xlsx(world.behind)).content)
    rows = project_rows(ws, cols)
    assert list(rows) == ["落后项目"]
    assert ws.cell(rows["落后项目"], cols["状态"]).value == "已提交"


def test_the_units_workbook_marks_drafts_in_the_status_column(client, world):
    ws, cols = opened(get(client, world.reviewer, UNIT_XLSX).content)
    rows = project_rows(ws, cols)
    assert ws.cell(rows["落后项目"], cols["状态"]).value == "已提交"
    assert ws.cell(rows["正常项目"], cols["状态"]).value == "草稿"
    assert "尚未提交" in ws["A2"].value


def test_drafts_can_be_left_out(client, world):
    ws, cols = opened(get(client, world.reviewer, UNIT_XLSX + "&drafts=0").content)
    assert list(project_rows(ws, cols)) == ["落后项目"]
    assert "只含已提交的项目" in ws["A2"].value
    page = get(client, world.reviewer, UNIT_PRINT + "&drafts=0").content.decode()
    assert "落后项目" in page and "正常项目" not in page


def test_values_weights_money_and_scores_are_number_cells(client, world):
    ws, cols = opened(get(client, world.filler, project_xlsx(world.behind)).content)
    row = project_rows(ws, cols)["落后项目"]
    for header in ("全年实际完成值", "权重", "指标值", "得分", "预算数", "预算执行数",
                   "预算执行率", "项目总分", "指标得分"):
        cell = ws.cell(row, cols[header])
        assert cell.data_type == "n", header
    assert ws.cell(row, cols["全年实际完成值"]).value == 90
    assert ws.cell(row, cols["预算执行率"]).number_format == "0.00%"
    assert ws.cell(row, cols["项目总分"]).number_format == "0.00"
    assert ws.cell(row, cols["评价等级"]).data_type == "s"


def test_text_that_looks_like_a_formula_stays_text(client, world):
    ws, cols = opened(get(client, world.filler, project_xlsx(world.behind)).content)
    cell = ws.cell(project_rows(ws, cols)["落后项目"], cols["未完成原因"])
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


def test_the_period_is_shown_by_its_name_in_the_header_and_file_name(client, world):
    response = get(client, world.filler, project_xlsx(world.behind))
    ws, _ = opened(response.content)
    assert NAME in ws["A2"].value and FINAL not in ws["A2"].value
    assert quote(NAME) in response["Content-Disposition"]
    assert FINAL not in response["Content-Disposition"]
    unit = get(client, world.filler, UNIT_XLSX)
    assert quote(NAME) in unit["Content-Disposition"]
    page = get(client, world.filler, project_print(world.behind)).content.decode()
    assert f"期间：{NAME}" in page and FINAL + " " not in page


def test_the_printable_table_has_a_status_column_and_marks_drafts(client, world):
    page = get(client, world.filler, UNIT_PRINT).content.decode()
    assert "<th>状态</th>" in page
    assert 'status-draft unsubmitted">草稿' in page
    assert 'status-submitted">已提交' in page


def test_the_year_end_printable_table_has_no_monitoring_only_columns(client, world):
    page = get(client, world.filler, project_print(world.behind)).content.decode()
    for header in ("全年预计完成值", "完成可能性", "纠偏措施"):
        assert header not in page


# ---------------------------------------------------------------- where people find them


def test_the_project_page_links_its_table_in_a_self_evaluation_period(client, world):
    url = reverse("entry:project", args=[world.behind.pk])
    page = get(client, world.filler, f"{url}?period={FINAL}").content.decode()
    assert 'id="self-evaluation-table"' in page
    assert project_xlsx(world.behind) in page
    monitoring = get(client, world.filler, f"{url}?period=2025-07").content.decode()
    assert 'id="self-evaluation-table"' not in monitoring


def test_the_project_list_links_the_table_of_the_users_unit(client, world):
    page = get(client, world.filler, reverse("entry:home") + f"?period={FINAL}").content.decode()
    assert 'id="report-links"' in page
    assert UNIT_XLSX in page and UNIT_PRINT in page
    assert "342602" not in page.split('id="report-links"')[1].split("</div>")[0]


# ---------------------------------------------------------------- bounded queries


def queries(client, user, url) -> int:
    client.force_login(user)
    client.get(url)  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("view", ["xlsx", "print"])
def test_a_projects_table_runs_the_same_queries_for_any_project(client, world, view):
    make = project_xlsx if view == "xlsx" else project_print
    small = queries(client, world.filler, make(world.behind))
    bigger = monitored_project(world.final, world.unit, name="大项目")
    for _ in range(3):
        monitored_project(world.final, world.unit)
    assert queries(client, world.filler, make(bigger)) == small


@pytest.mark.parametrize("url", [UNIT_XLSX, UNIT_PRINT])
def test_a_units_table_runs_a_constant_number_of_queries_as_projects_grow(client, world, url):
    before = queries(client, world.filler, url)
    for _ in range(4):
        monitored_project(world.final, world.unit)
    assert queries(client, world.filler, url) == before
