"""The project page's 复核 panel (performance.checks.panel.check_panel and
templates/checks/_project_panel.html): self vs 复核 per indicator with the difference, the
execution score from the verified 预算执行数, totals, grades and deviation against hand-worked
figures; who sees it (finance always, the unit and its 主管部门 once 已复核, nobody else); data
text escaped; bounded queries.

The figures: three indicators of weight 30 (target ≥ 100, actual 100: 30 each) and a budget of
100 with 80 spent (8.00 of 10): self 98.00 优. The check: 20 (扣 10), 30, 25 and a verified
预算执行数 of 60 (6.00): 复核 81.00 良, deviation 17.00."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from performance.checks.panel import check_panel
from performance.models import CheckStatus
from performance.services.check_sheet import check_sheet
from performance.services.scoring import score_project_period
from tests.adjust_setup import department_reviewer
from tests.entry_setup import make_team
from tests.factories import (
    CheckBatchFactory,
    CheckedProjectFactory,
    CheckScoreFactory,
    IndicatorRecordFactory,
    PeriodFactory,
    ProjectRecordFactory,
)

pytestmark = pytest.mark.django_db

OPINION = "<script>alert('x')</script>数据与台账不符"


@pytest.fixture
def team():
    team = make_team()
    for indicator in team.indicators:
        IndicatorRecordFactory(indicator=indicator, period=team.period,
                               actual_value=Decimal(100))
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal(80))
    return team


def make_check(team, *, done=False, scored=3, **extra):
    fields = {"status": CheckStatus.IN_PROGRESS}
    if done:
        fields = {"status": CheckStatus.DONE, "conclusion": "自评偏高，<b>按复核得分</b>。",
                  "concluded_at": datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)}
    checked = CheckedProjectFactory(batch=CheckBatchFactory(period=team.period, name="第一批"),
                                    project=team.project, verified_spent=Decimal(60),
                                    execution_note="以财务账核实", **{**fields, **extra})
    figures = [(Decimal(20), "完成数量不实", OPINION), (Decimal(30), "", ""),
               (Decimal(25), "质量未达标", "")]
    for indicator, (score, reason, opinion) in list(zip(team.indicators, figures,
                                                        strict=True))[:scored]:
        CheckScoreFactory(checked=checked, indicator=indicator, score=score,
                          deduction_reason=reason, opinion=opinion)
    return checked


def test_finance_sees_self_and_check_scores_side_by_side(team):
    checked = make_check(team)
    panel = check_panel(team.finance, team.project, team.period)
    rows = panel["rows"]
    assert [(r.name, r.weight, r.self_score, r.check_score, r.difference) for r in rows] == [
        (team.indicators[0].name, Decimal("30.00"), Decimal("30.00"), Decimal(20), Decimal(-10)),
        (team.indicators[1].name, Decimal("30.00"), Decimal("30.00"), Decimal(30), Decimal(0)),
        (team.indicators[2].name, Decimal("30.00"), Decimal("30.00"), Decimal(25), Decimal(-5)),
    ]
    assert (rows[0].deduction_reason, rows[0].opinion) == ("完成数量不实", OPINION)
    view = panel["view"]
    assert (view.execution_self, view.execution_check) == (Decimal("8.00"), Decimal("6.00"))
    assert (view.self_total, view.self_grade) == (Decimal("98.00"), "优")
    assert (view.check_total, view.check_grade) == (Decimal("81.00"), "良")
    assert view.deviation == Decimal("17.00") and view.grade_changed
    assert panel["check_url"] == reverse("checks:check", args=[checked.pk])
    assert (panel["status_label"], panel["batch"].name) == ("复核中", "第一批")


def test_reviewer_given_execution_score_wins_over_the_verified_spending(team):
    make_check(team, execution_score=Decimal("9.50"))
    view = check_panel(team.finance, team.project, team.period)["view"]
    assert view.execution_check == Decimal("9.50")
    assert view.check_total == Decimal("84.50")


def test_unscored_indicator_counts_at_the_self_score_while_under_way(team):
    make_check(team, scored=2)
    panel = check_panel(team.finance, team.project, team.period)
    assert panel["rows"][2].check_score is None and panel["rows"][2].difference is None
    assert panel["unscored"] == 1
    assert panel["view"].check_total == Decimal("86.00")  # 6 + 20 + 30 + 30


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_unit_members_see_the_panel_only_once_the_check_is_done(team, who):
    user = getattr(team, who)
    checked = make_check(team)
    assert check_panel(user, team.project, team.period) is None
    checked.status, checked.conclusion = CheckStatus.DONE, "复核完成"
    checked.concluded_at = datetime.datetime(2026, 4, 10, tzinfo=datetime.UTC)
    checked.save()
    panel = check_panel(user, team.project, team.period)
    assert panel["view"].check_total == Decimal("81.00")
    assert panel["check_url"] is None  # the check page is finance's


def test_department_reviewer_sees_a_done_check_of_its_units(team):
    make_check(team, done=True)
    assert check_panel(department_reviewer(team.unit), team.project, team.period) is not None


def test_outsider_never_sees_the_panel(team):
    make_check(team, done=True)
    assert check_panel(team.outsider, team.project, team.period) is None


def test_no_panel_without_a_check_in_that_period(team):
    assert check_panel(team.finance, team.project, team.period) is None
    other = PeriodFactory(code="2025-07", name="监控", kind="monitoring", cutoff_month=7)
    make_check(team, done=True)
    assert check_panel(team.finance, team.project, other) is None
    assert check_panel(team.finance, team.project, None) is None


def test_a_result_passed_by_the_page_is_not_scored_again(team, django_assert_num_queries):
    make_check(team, done=True)
    result = score_project_period(team.project, team.period)
    check_panel(team.filler, team.project, team.period, result)  # reads the memberships
    with django_assert_num_queries(2):  # the check, its scores
        panel = check_panel(team.filler, team.project, team.period, result)
    assert panel["view"].check_total == Decimal("81.00")


def test_panel_queries_are_bounded_without_a_result(team, django_assert_max_num_queries):
    make_check(team, done=True)
    check_panel(team.finance, team.project, team.period)
    with django_assert_max_num_queries(10):
        check_panel(team.finance, team.project, team.period)


def test_rendered_panel_escapes_the_data_text(team):
    make_check(team, done=True)
    html = render_to_string("checks/_project_panel.html",
                            {"check_panel": check_panel(team.finance, team.project, team.period)})
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<b>按复核得分</b>" not in html and "&lt;b&gt;按复核得分&lt;/b&gt;" in html
    assert 'id="check-panel"' in html and "已复核" in html
    assert "81.00（良）" in html and "98.00（优）" in html and "自评偏差 17.00" in html
    assert "复核后等级由“优”变为“良”" in html
    assert "核实预算执行数 60" in html and "以财务账核实" in html
    assert "-10" in html and "完成数量不实" in html


def test_rendered_panel_links_finance_to_the_check_page_only(team):
    checked = make_check(team, done=True)
    url = reverse("checks:check", args=[checked.pk])
    finance = render_to_string("checks/_project_panel.html", {
        "check_panel": check_panel(team.finance, team.project, team.period)})
    unit = render_to_string("checks/_project_panel.html", {
        "check_panel": check_panel(team.filler, team.project, team.period)})
    assert url in finance and url not in unit
    assert 'id="check-panel"' in unit


def test_nothing_rendered_without_a_panel():
    assert render_to_string("checks/_project_panel.html", {"check_panel": None}).strip() == ""


def test_score_stored_against_another_weight_counts_as_not_scored(team):
    checked = make_check(team)
    checked.scores.filter(indicator=team.indicators[0]).update(weight=Decimal(40))
    panel = check_panel(team.finance, team.project, team.period)
    first = panel["rows"][0]
    assert first.reweighted and first.check_score is None
    assert panel["view"].check_total == Decimal("91.00")  # 6 + 30 + 30 + 25
    html = render_to_string("checks/_project_panel.html", {"check_panel": panel})
    assert "权重已变更，待重新复核" in html


@pytest.mark.parametrize("scored", [1, 3])
def test_panel_figures_agree_with_the_check_page(team, scored):
    checked = make_check(team, scored=scored, execution_score=Decimal("7.25"))
    view = check_panel(team.finance, team.project, team.period)["view"]
    sheet = check_sheet(checked)
    assert view.totals == sheet.totals
    assert [r.check_score for r in view.rows] == [r.check_score for r in sheet.rows]
