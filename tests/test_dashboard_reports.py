"""A unit's 监控表 as Excel with lights, and the printable 自评表/监控表 page."""

import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from performance.excel.actuals_import import import_actuals
from performance.models import IndicatorRecord, ProjectRecord
from tests.dashboard_world import build_world, monitored_project
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    PeriodFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

XLSX = reverse("dashboard:report_xlsx", args=["342601"]) + "?period=2025-07"
PRINT = reverse("dashboard:report_print", args=["342601"]) + "?period=2025-07"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # cached overview data is keyed by ids a rolled-back test may reuse


@pytest.fixture
def world():
    return build_world()


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def sheet(content):
    ws = load_workbook(io.BytesIO(content)).active
    cols = {cell.value: cell.column for cell in ws[3] if cell.value}
    return ws, cols


@pytest.mark.parametrize("role", ["filler", "reviewer", "finance"])
def test_the_monitoring_workbook_has_values_expectations_reasons_measures_and_lights(
        client, world, role):
    response = get(client, world.user(role), XLSX)
    assert response.status_code == 200
    # the period by its name: 监控表-342601-2025 年 1–7 月绩效运行监控.xlsx
    assert ("filename*=utf-8''%E7%9B%91%E6%8E%A7%E8%A1%A8-342601-2025%20%E5%B9%B4%201%E2%80%937"
            "%20%E6%9C%88%E7%BB%A9%E6%95%88%E8%BF%90%E8%A1%8C%E7%9B%91%E6%8E%A7.xlsx"
            in response["Content-Disposition"])
    ws, cols = sheet(response.content)
    assert ws["A1"].value == "2025 年 1–7 月项目支出绩效运行监控表"
    for header in ("当前完成值", "全年预计完成值", "完成可能性", "偏差原因", "纠偏措施", "监控灯",
                   "执行灯", "项目监控灯", "预计全年得分"):
        assert header in cols, header
    first = 4  # 落后项目, its 培训人次 row: 10 of 58.33 → red
    assert ws.cell(first, cols["三级指标"]).value == "落后项目培训人次"
    assert ws.cell(first, cols["当前完成值"]).value == 10  # number cells, not text
    assert ws.cell(first, cols["全年预计完成值"]).value == 80
    assert ws.cell(first, cols["完成可能性"]).value == "有可能"
    assert ws.cell(first, cols["偏差原因"]).value == "经费、人员"
    assert ws.cell(first, cols["纠偏措施"]).value == "加快培训进度"
    assert ws.cell(first, cols["监控灯"]).value == "红灯"
    assert ws.cell(first, cols["监控灯"]).fill.fgColor.rgb.endswith("F4B6B6")
    assert ws.cell(first, cols["执行灯"]).value == "红灯"  # 1 of 10 at month 7
    assert ws.cell(first, cols["项目监控灯"]).value == "红灯"
    record = ProjectRecord.objects.get(project__name="落后项目")
    assert ws.cell(first, cols["预计全年得分"]).value == float(record.projected_total)


def test_an_outsider_gets_404_for_the_workbook(client, world):
    assert get(client, world.outsider, XLSX).status_code == 404


def test_the_monitoring_report_reads_back_unchanged(client, world):
    content = get(client, world.filler, XLSX).content
    result = import_actuals(content, world.period, units=[world.unit])
    assert not result.changed
    assert IndicatorRecord.objects.filter(indicator__project__unit=world.unit).count() == 4


def test_a_self_evaluation_workbook_has_no_light_columns(client, world):
    PeriodFactory()  # 2025-final
    response = get(client, world.finance, XLSX.replace("2025-07", "2025-final"))
    ws, cols = sheet(response.content)
    assert ws["A1"].value == "2025 年度项目支出绩效自评表"
    assert "监控灯" not in cols and "全年实际完成值" in cols


@pytest.mark.parametrize("role", ["filler", "reviewer", "finance"])
def test_the_printable_page_prints_on_a4_landscape(client, world, role):
    response = get(client, world.user(role), PRINT)
    assert response.status_code == 200
    page = response.content.decode()
    # the one @page size of the page (a later rule would override an earlier one)
    assert re.findall(r"@page\b[^{]*\{[^}]*?\bsize\s*:\s*([^;}]+?)\s*[;}]", page) == [
        "A4 landscape"]
    assert "2025 年 1–7 月项目支出绩效运行监控表" in page
    assert "落后项目培训人次" in page and "加快培训进度" in page and "红灯" in page
    assert "其他单位项目" not in page


def test_the_printable_self_evaluation(client, world):
    PeriodFactory()
    page = get(client, world.filler, PRINT.replace("2025-07", "2025-final")).content.decode()
    assert "2025 年度项目支出绩效自评表" in page and "全年实际完成值" in page
    assert "完成可能性" not in page


def test_an_outsider_gets_404_for_the_printable_page(client, world):
    assert get(client, world.outsider, PRINT).status_code == 404


@pytest.mark.parametrize("url", [XLSX, PRINT])
def test_reports_run_a_constant_number_of_queries_as_projects_grow(client, world, url):
    client.force_login(world.filler)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(4):
        monitored_project(world.period, world.unit)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


# ---------------------------------------------------------------- honest missing values


def print_cell_of(page, name):
    """The 项目得分 cell of a project on the printable page (the row's last cell)."""
    row = page[page.index(f"<td rowspan=\"1\">{name}"):]
    row = row[:row.index("</tr>")]
    return row, row[row.rindex("<td"):]


def test_the_printable_page_shows_missing_values_and_not_entered_projects(client, world):
    partly = ProjectFactory(unit=world.unit, name="缺指标项目")
    IndicatorRecordFactory(indicator=IndicatorFactory(project=partly, name="已填指标"),
                           period=world.period, actual_value=100)
    empty = ProjectFactory(unit=world.unit, name="未填报项目")
    IndicatorFactory(project=empty, name="未填报项目的指标")
    page = get(client, world.filler, PRINT).content.decode()
    row, total = print_cell_of(page, "未填报项目")
    assert "未填报" in total and "差" not in total and "0.00" not in total
    assert '<td class="num">未填</td>' in row and "得分 未填" in row  # indicator, money spent
    assert ">0.00<" not in row
    row, total = print_cell_of(page, "缺指标项目")
    assert '<td class="num">10.00</td>' in row and "得分 未填" in row
    assert "未填报" not in total and "10.00" in total


def test_the_printable_page_marks_each_missing_indicator(client, world):
    IndicatorFactory(project=ProjectRecord.objects.get(project__name="落后项目").project,
                     name="落后项目新增指标")
    page = get(client, world.filler, PRINT).content.decode()
    start = page.index("落后项目新增指标")
    row = page[start:page.index("</tr>", start)]
    assert '<td class="num">未填</td>' in row
    rows = page[page.index("<td rowspan=\"3\">落后项目"):]
    assert "1 项未填" in rows[:rows.index("正常项目")]
