"""The review service on the seed: the document's real problems are found, its correct facts
are not; settings, decisions and the import hook work; queries do not grow with projects."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import BudgetLine, Project, SourceTable
from budget.seed import SEED_DIR
from performance.models import FindingDecision, Indicator, ProjectReview, TargetReviewResult
from performance.review.decisions import accept_finding, record_project_review, reopen_finding
from performance.review.findings import Severity
from performance.review.service import (
    review_import,
    review_project,
    review_selection,
    review_unit,
    review_year,
)
from performance.seed import read_table13_tsv
from tests.factories import IndicatorFactory, ProjectFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

# What the seed document really gets wrong (and nothing else).
SEED_PROBLEMS = {
    ("unit_mismatch", "工伤保险参保人数"),
    ("unit_mismatch", "城镇企业职工基本养老保险在职参保人数"),
    ("project_name_mismatch", "离退休人员社会化管理服务专项经费"),
    ("printed_total_mismatch", "t1:社会保障和就业支出:预算数"),
    ("printed_total_mismatch", "t7:合计:人员经费"),
    ("detail_sum_mismatch", "t7:30101"),
    ("detail_sum_mismatch", "t7:30102"),
}


def what(finding):
    return (finding.rule, finding.indicator_name or finding.subject or finding.project_name)


def by_rule(report, rule):
    return [f for f in report.findings if f.rule == rule]


def test_the_seed_problems_are_reported_and_nothing_else(seeded):
    report = review_unit(seeded.unit, 2025)
    assert {what(f) for f in report.findings} == SEED_PROBLEMS
    assert not report.has_open_errors


def test_person_counts_in_the_wrong_unit_are_reported_with_their_row(seeded):
    findings = {f.indicator_name: f for f in by_rule(review_unit(seeded.unit, 2025), "unit_mismatch")}
    in_times = findings["城镇企业职工基本养老保险在职参保人数"]
    assert in_times.source_row == 22 and "“次”" in in_times.message
    assert in_times.project_name == "社会保险全民参保工作专项经费"
    assert in_times.indicator_id == Indicator.objects.get(name="城镇企业职工基本养老保险在职参保人数").id
    assert findings["工伤保险参保人数"].source_row == 19 and "“%”" in findings["工伤保险参保人数"].message


def test_printed_totals_that_disagree_with_their_lines_give_both_numbers(seeded):
    messages = " ".join(f.message for f in by_rule(review_unit(seeded.unit, 2025),
                                                     "printed_total_mismatch"))
    assert "1,072.86" in messages and "1,072.87" in messages
    assert "923.76" in messages and "923.77" in messages and "相差 -0.01 万元" in messages


def test_kuan_lines_that_disagree_with_their_details_are_reported(seeded):
    messages = [f.message for f in by_rule(review_unit(seeded.unit, 2025), "detail_sum_mismatch")]
    assert any("233.90" in m and "233.89" in m for m in messages)
    assert any("155.92" in m and "155.93" in m for m in messages)


def test_the_table8_name_of_a_project_that_differs_from_table13_is_reported(seeded):
    (finding,) = by_rule(review_unit(seeded.unit, 2025), "project_name_mismatch")
    assert finding.project_name == "离退休人员社会化管理服务专项经费"
    assert "离退休人员社会化管理服务工作专项经费" in finding.message


def test_the_seed_weights_and_costs_are_correct_and_not_reported(seeded):
    projects = list(Project.objects.filter(unit=seeded.unit))
    assert len(projects) == 7
    for project in projects:
        weights = sum(project.indicators.values_list("weight", flat=True))
        assert weights == Decimal("90"), project.name
    rules = {f.rule for f in review_unit(seeded.unit, 2025).findings}
    assert not rules & {"weights_total", "cost_exceeds_budget", "project_amount_mismatch",
                        "project_not_in_budget", "budget_line_without_project",
                        "target_category_mismatch", "timeliness_not_negative", "cost_not_negative"}


def test_a_whole_year_and_one_project_are_reviewed_the_same_way(seeded):
    year = review_year(2025)
    assert {what(f) for f in year.findings} == SEED_PROBLEMS
    project = Project.objects.get(name="社会保险全民参保工作专项经费")
    assert {what(f) for f in review_project(project).findings} == {
        ("unit_mismatch", "工伤保险参保人数"), ("unit_mismatch", "城镇企业职工基本养老保险在职参保人数")}
    renamed = Project.objects.filter(name__startswith="离退休")
    assert [f.rule for f in review_selection(renamed).findings] == ["project_name_mismatch"]


def test_changed_data_is_reported_as_errors_naming_the_row(seeded):
    indicator = Indicator.objects.get(name="购置读卡器数量")
    indicator.weight = Decimal("2")
    indicator.save()
    Project.objects.filter(name="乡村振兴经费").update(budget_amount=Decimal("3.00"))
    report = review_unit(seeded.unit, 2025)
    (weights,) = by_rule(report, "weights_total")
    assert weights.project_name == "社会保险信息网络建设维护费" and "合计 88" in weights.message
    assert weights.source_row == 2 and weights.severity is Severity.ERROR
    rules = {f.rule for f in report.findings if f.project_name == "乡村振兴经费"}
    assert rules == {"cost_exceeds_budget", "project_amount_mismatch"}
    assert report.has_open_errors


def test_a_budget_line_without_a_project_is_reported(seeded):
    BudgetLine.objects.create(unit=seeded.unit, year=2025, source_table=SourceTable.T8,
                              kind="project", name="新增专项经费", amount=Decimal("1"), position=99)
    (finding,) = by_rule(review_unit(seeded.unit, 2025), "budget_line_without_project")
    assert "新增专项经费" in finding.message and finding.project_id is None


def test_settings_switch_rules_and_change_severity(seeded, settings):
    settings.TARGET_REVIEW_RULES = {"unit_mismatch": {"severity": "notice"},
                                    "detail_sum_mismatch": {"enabled": False},
                                    "cost_indicator_required": {"enabled": True}}
    report = review_unit(seeded.unit, 2025)
    assert {f.severity for f in by_rule(report, "unit_mismatch")} == {Severity.NOTICE}
    assert by_rule(report, "detail_sum_mismatch") == []
    assert by_rule(report, "cost_indicator_required") == []  # every seed project has one


def test_the_expected_weight_total_comes_from_the_scoring_policy(seeded, settings):
    settings.SCORING_POLICY = {"expected_weight_total": "100"}
    assert len(by_rule(review_unit(seeded.unit, 2025), "weights_total")) == 7


def make_projects(unit, n):
    for _ in range(n):
        project = ProjectFactory(unit=unit)
        for _ in range(3):
            IndicatorFactory(project=project)


def queries_for_review(unit):
    with CaptureQueriesContext(connection) as ctx:
        review_unit(unit, 2025)
    return len(ctx.captured_queries)


def test_review_queries_do_not_grow_with_projects():
    unit = UnitFactory()
    make_projects(unit, 2)
    few = queries_for_review(unit)
    make_projects(unit, 20)
    assert queries_for_review(unit) == few <= 6


def test_an_accepted_finding_no_longer_shows_as_open_and_can_be_reopened(seeded):
    reviewer = UserFactory()
    report = review_unit(seeded.unit, 2025)
    finding = by_rule(report, "detail_sum_mismatch")[0]
    with pytest.raises(ValidationError):
        accept_finding(finding, unit=seeded.unit, user=reviewer, note="  ")
    decision = accept_finding(finding, unit=seeded.unit, user=reviewer, note="原表四舍五入，可接受")
    assert (decision.rule, decision.year, decision.project_id) == ("detail_sum_mismatch", 2025, None)
    again = review_unit(seeded.unit, 2025)
    assert finding.key not in {f.key for f in again.open}
    assert again.decision(finding).note == "原表四舍五入，可接受"
    assert len(again.open) == len(SEED_PROBLEMS) - 1
    assert reopen_finding(finding.key, unit=seeded.unit)
    assert len(review_unit(seeded.unit, 2025).open) == len(SEED_PROBLEMS)


def test_a_decision_on_an_indicator_finding_stores_the_project_and_indicator(seeded):
    finding = by_rule(review_unit(seeded.unit, 2025), "unit_mismatch")[0]
    accept_finding(finding, unit=seeded.unit, user=None, note="已与单位核实")
    stored = FindingDecision.objects.get()
    assert (stored.project_id, stored.indicator_id) == (finding.project_id, finding.indicator_id)
    assert finding.key not in {f.key for f in review_project(stored.project).open}


def test_a_project_review_result_is_recorded_once_per_project(seeded):
    project = Project.objects.get(name="乡村振兴经费")
    with pytest.raises(ValidationError, match="审核意见"):
        record_project_review(project, user=None, result=TargetReviewResult.REJECTED, note="")
    record_project_review(project, user=None, result=TargetReviewResult.PASSED, note="")
    record_project_review(project, user=None, result=TargetReviewResult.PASSED_AFTER_CHANGES,
                          note="请修正度量单位")
    review = ProjectReview.objects.get(project=project)
    assert review.get_result_display() == "修改后通过"


def seed_rows():
    return read_table13_tsv(SEED_DIR / "table13-2025.tsv")


def test_review_import_reports_duplicate_rows_before_they_are_written(db):
    rows = seed_rows()
    rows.append(replace(rows[0], source_row=99))
    outcome = review_import(rows)
    duplicates = [f for f in outcome.findings if f.rule == "duplicate_indicator_name"]
    assert [(f.source_row, f.indicator_name) for f in duplicates] == [(99, "购置多功能打印机数量")]
    assert "第2行" in duplicates[0].message
    assert outcome.errors and not outcome.blocked


def test_review_import_blocks_only_when_the_setting_asks_and_there_are_errors(db, settings):
    settings.TARGET_REVIEW_BLOCKS_IMPORT = True
    assert not review_import(seed_rows()).blocked  # the seed has warnings only
    rows = seed_rows()
    rows[0] = replace(rows[0], weight=Decimal("5"))
    assert review_import(rows).blocked


def test_review_import_compares_with_table8_when_given_the_year(seeded):
    outcome = review_import(seed_rows(), year=2025)
    assert {f.rule for f in outcome.findings} == {"unit_mismatch", "project_name_mismatch"}
    assert {f.rule for f in review_import(seed_rows()).findings} == {"unit_mismatch"}
