"""The 抽查复核 overview page and its workbook (performance.checks.overview_views): finance
only (filler, unit reviewer and outsider get 404), the self-evaluation periods to choose from,
the units with their deviation highlighted, the projects whose grade changed with links to
their check; the workbook's sheets and rows, data text kept as text; bounded queries."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.check_overview_setup import check, make_checks
from tests.entry_setup import make_team
from tests.factories import (
    CheckBatchFactory,
    CheckScoreFactory,
    IndicatorRecordFactory,
    MonitoringPeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("checks:overview")
EXPORT = reverse("checks:overview_export")


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def checks(team):
    return make_checks(team.period, unit_a=team.unit)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


def test_finance_sees_units_by_deviation_with_the_total(team, checks):
    response = as_user(team.finance).get(URL, {"period": team.period.code})
    assert response.status_code == 200
    html = page(response)
    units = response.context["overview"].units
    assert [u.code for u in units] == [team.unit.code, checks.unit_b.code]
    assert f'data-unit="{team.unit.code}" class="table-warning"' in html  # 7.75 ≥ 5
    assert "88.50" in html and "80.75" in html and "7.75" in html and "需关注" in html
    assert 'id="total-row"' in html and "85.00" in html and "80.50" in html and "4.50" in html
    assert "只计已复核（复核完成）的项目" in html


def test_changed_grades_are_listed_with_links_to_the_check(team, checks):
    html = page(as_user(team.finance).get(URL, {"period": team.period.code}))
    assert reverse("checks:check", args=[checks.changed_a.pk]) in html
    assert reverse("checks:check", args=[checks.changed_b.pk]) in html
    assert reverse("checks:check", args=[checks.kept_a.pk]) not in html
    assert reverse("checks:check", args=[checks.in_progress_a.pk]) not in html


def test_a_large_deviation_is_marked_danger(team):
    check(CheckBatchFactory(period=team.period), ProjectFactory(unit=team.unit), "95.00", "优",
          "80.00", "良")
    html = page(as_user(team.finance).get(URL))
    assert f'data-unit="{team.unit.code}" class="table-danger"' in html and "偏差较大" in html


def test_only_self_evaluation_periods_are_offered(team, checks):
    monitoring = MonitoringPeriodFactory()
    response = as_user(team.finance).get(URL)
    assert response.context["period"] == team.period
    assert monitoring not in response.context["periods"]
    assert as_user(team.finance).get(URL, {"period": monitoring.code}).status_code == 404
    assert as_user(team.finance).get(URL, {"period": "2099-final"}).status_code == 404


def test_unit_names_are_escaped(team):
    unit = UnitFactory(code="919999", name="<i>斜体单位</i>")
    check(CheckBatchFactory(period=team.period), ProjectFactory(unit=unit, name="<b>项目</b>"),
          "90.00", "优", "70.00", "中")
    html = page(as_user(team.finance).get(URL))
    assert "<i>斜体单位</i>" not in html and "&lt;i&gt;斜体单位&lt;/i&gt;" in html
    assert "<b>项目</b>" not in html and "&lt;b&gt;项目&lt;/b&gt;" in html


def test_empty_period_says_nothing_was_drawn(team):
    html = page(as_user(team.finance).get(URL))
    assert 'id="overview-empty"' in html


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
@pytest.mark.parametrize("url", [URL, EXPORT])
def test_anyone_but_finance_gets_404(team, checks, who, url):
    assert as_user(getattr(team, who)).get(url).status_code == 404


def test_anonymous_is_sent_to_log_in(team):
    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_overview_page_queries_are_bounded(team, checks, django_assert_max_num_queries):
    for _ in range(6):
        check(CheckBatchFactory(period=team.period), ProjectFactory(unit=UnitFactory()),
              "90.00", "优", "70.00", "中")
    client = as_user(team.finance)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert len(response.context["overview"].units) == 8


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return load_workbook(BytesIO(response.content))


def rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_export_has_the_units_changes_and_detail_sheets(team, checks):
    book = workbook(as_user(team.finance).get(EXPORT, {"period": team.period.code}))
    assert book.sheetnames == ["单位偏差", "等级变化项目", "复核明细"]
    units = rows(book["单位偏差"])
    header = units.index(["单位代码", "单位名称", "抽查项目数", "已复核项目数", "平均自评得分",
                          "平均复核得分", "自评偏差", "等级变化项目数"])
    assert units[header + 1] == [team.unit.code, team.unit.name, 3, 2, 88.5, 80.75, 7.75, 1]
    assert units[header + 2] == [checks.unit_b.code, "乙单位", 1, 1, 78, 80, -2, 1]
    assert units[header + 3] == [None, "合计", 4, 3, 85, 80.5, 4.5, 2]
    changed = rows(book["等级变化项目"])
    assert [team.unit.code, team.unit.name, "甲项目一", 92, "优", 81.5, "良", 10.5] in changed
    assert [checks.unit_b.code, "乙单位", "乙项目一", 78, "中", 80, "良", -2] in changed


def test_export_file_name_is_the_period_s_in_rfc_5987(team, checks):
    response = as_user(team.finance).get(EXPORT)
    assert "filename*=utf-8''2025-final-" in response["Content-Disposition"]


def test_export_detail_has_one_row_per_checked_indicator(team):
    project = team.project
    for indicator in team.indicators:
        IndicatorRecordFactory(indicator=indicator, period=team.period,
                               actual_value=Decimal(100))
    ProjectRecordFactory(project=project, period=team.period, spent=Decimal(80))
    checked = check(CheckBatchFactory(period=team.period), project, "98.00", "优", "81.00", "良",
                    verified_spent=Decimal(60), execution_note="以财务账核实")
    CheckScoreFactory(checked=checked, indicator=team.indicators[0], score=Decimal(20),
                      deduction_reason="=HYPERLINK(\"http://x\")", opinion="数据不实")
    CheckScoreFactory(checked=checked, indicator=team.indicators[1], score=Decimal(30))
    CheckScoreFactory(checked=checked, indicator=team.indicators[2], score=Decimal(25))
    book = workbook(as_user(team.finance).get(EXPORT))
    detail = rows(book["复核明细"])
    header = detail.index(["单位代码", "单位名称", "项目名称", "复核状态", "一级指标", "二级指标",
                           "三级指标", "权重", "自评得分", "复核得分", "差异（复核−自评）",
                           "扣分原因", "复核意见"])
    body = detail[header + 1:]
    head = [team.unit.code, team.unit.name, project.name, "已复核"]
    assert body[0] == [*head, None, None, "预算执行率", 10, 8, 6, -2, None, "以财务账核实"]
    first = team.indicators[0]
    assert body[1] == [*head, "产出指标", "数量指标", first.name, 30, 30, 20, -10,
                       "=HYPERLINK(\"http://x\")", "数据不实"]
    assert book["复核明细"].cell(header + 2 + 1, 12).data_type == "s"  # text, not a formula
    assert [r[9] for r in body[1:]] == [20, 30, 25]
    assert len(body) == 4


def test_export_queries_are_bounded(team, checks, django_assert_max_num_queries):
    client = as_user(team.finance)
    client.get(EXPORT)
    for _ in range(5):
        check(CheckBatchFactory(period=team.period), ProjectFactory(unit=UnitFactory()),
              "90.00", "优", "70.00", "中")
    # 3 of them record the download in the security audit log (savepoint, insert, release)
    with django_assert_max_num_queries(17):
        workbook(client.get(EXPORT))


def test_navigation_links_for_finance_only(team):
    batches, overview = reverse("checks:batches"), reverse("checks:overview")
    html = page(as_user(team.finance).get(reverse("entry:home")))
    assert f'href="{batches}" class="checks-link">抽查复核' in html
    assert f'href="{overview}" class="checks-overview-link">复核汇总' in html
    for who in ("filler", "reviewer", "outsider"):
        html = page(as_user(getattr(team, who)).get(reverse("entry:home")))
        assert "checks-link" not in html and overview not in html
