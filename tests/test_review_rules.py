"""The pure target review rules: for each rule a minimal failing and a passing case."""

import subprocess
import sys
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest

from performance.domain import Direction, Grade, Operator, TargetRow
from performance.review.facts import BudgetLineFacts, IndicatorFacts, ProjectFacts
from performance.review.findings import Finding, RuleSettings, Severity
from performance.review.rules import review_projects, review_target_rows

POS, NEG = Direction.POSITIVE.value, Direction.NEGATIVE.value
ALL_ON = RuleSettings.from_mapping({"cost_indicator_required": {"enabled": True}})


def ind(name, level1="产出指标", level2="数量指标", operator="≥", value="2", unit="台",
        weight="20", direction=POS, grade="", row=None):
    return IndicatorFacts(
        name=name, level1=level1, level2=level2, operator=operator,
        target_value=None if value is None else D(value), target_grade=grade, unit=unit,
        weight=None if weight is None else D(weight), direction=direction, source_row=row,
    )


def good_indicators():
    return [
        ind("购置设备数量", weight="20", row=2),
        ind("采购完成时间", level2="时效指标", operator="≤", value="1", unit="年", weight="10",
            direction=NEG, row=3),
        ind("采购成本", level1="成本指标", level2="经济成本指标", operator="≤", value="5",
            unit="万元", direction=NEG, row=4),
        ind("社会影响", level1="效益指标", level2="社会效益指标", operator="定性", value=None,
            grade="优", unit="级", row=5),
        ind("服务对象满意度", level1="满意度指标", level2="满意度指标", value="95", unit="%", row=6),
    ]


def project(indicators=None, budget="5", name="测试项目", unit_code="900001"):
    return ProjectFacts(name=name, budget=D(budget), unit_code=unit_code, year=2025,
                        indicators=tuple(good_indicators() if indicators is None else indicators))


def with_changed(index, **changes):
    indicators = good_indicators()
    indicators[index] = replace(indicators[index], **changes)
    return project(indicators)


def rules_of(*projects, lines=None, settings=ALL_ON):
    return [f.rule for f in review_projects(projects, lines, settings=settings)]


def test_a_complete_project_has_no_findings():
    assert rules_of(project()) == []


def test_weights_must_add_up_to_the_expected_total():
    findings = review_projects([with_changed(0, weight=D("18"))])
    assert [f.rule for f in findings] == ["weights_total"]
    assert "合计 88，应为 90" in findings[0].message and findings[0].severity is Severity.ERROR
    assert review_projects([project()], expected_weight_total=D("100"))[0].rule == "weights_total"


def test_each_weight_must_be_positive():
    assert "weight_not_positive" in rules_of(with_changed(0, weight=D("0")))
    assert "weight_not_positive" in rules_of(with_changed(0, weight=None))


@pytest.mark.parametrize("index, rule", [
    (0, "output_indicator_required"),
    (3, "benefit_indicator_required"),
    (4, "satisfaction_indicator_required"),
    (2, "cost_indicator_required"),
])
def test_each_project_needs_an_indicator_of_each_required_level(index, rule):
    indicators = good_indicators()
    removed = indicators.pop(index)
    indicators[0] = replace(indicators[0], weight=indicators[0].weight + removed.weight)
    if index == 0:  # the 时效 indicator is an 产出 indicator too
        indicators[0] = replace(indicators[0], level1="效益指标", level2="社会效益指标")
    assert rules_of(project(indicators)) == [rule]


def test_a_cost_indicator_is_only_required_when_the_setting_asks():
    indicators = [i for i in good_indicators() if i.level1 != "成本指标"]
    indicators[0] = replace(indicators[0], weight=D("40"))
    assert rules_of(project(indicators), settings=RuleSettings()) == []


def test_a_quantitative_target_must_be_a_number():
    assert rules_of(with_changed(0, target_value=None)) == ["target_not_number"]


def test_a_qualitative_target_must_be_a_grade():
    assert rules_of(with_changed(3, target_grade="好")) == ["target_not_grade"]
    assert rules_of(with_changed(3, target_grade=Grade.GOOD.value)) == []


def test_every_quantitative_row_has_a_unit():
    assert rules_of(with_changed(0, unit=" ")) == ["unit_required"]
    assert rules_of(with_changed(3, unit="")) == []  # 定性: no unit needed


def test_cost_indicators_in_wanyuan_add_up_to_at_most_the_budget():
    extra = ind("培训费", level1="成本指标", level2="经济成本指标", operator="≤", value="0.5",
                unit="万元/年", weight="10", direction=NEG)
    indicators = good_indicators()
    indicators[0] = replace(indicators[0], weight=D("10"))
    findings = review_projects([project(indicators + [extra], budget="5.4")])
    assert [f.rule for f in findings] == ["cost_exceeds_budget"]
    assert "合计 5.50 万元" in findings[0].message and "超过项目预算 5.40 万元 0.10 万元" in findings[0].message
    assert rules_of(project(indicators + [extra], budget="5.5")) == []  # equal is fine


def test_cost_in_other_units_is_not_added_to_the_budget_check():
    assert rules_of(with_changed(2, unit="元", target_value=D("50000"))) == []


def test_percent_targets_lie_between_0_and_100():
    assert rules_of(with_changed(4, target_value=D("120"))) == ["percent_out_of_range"]
    assert rules_of(with_changed(4, target_value=D("-1"), unit="％")) == ["percent_out_of_range"]
    assert rules_of(with_changed(4, target_value=D("100"))) == []
    assert rules_of(with_changed(4, target_value=D("0"))) == []


def test_a_timeliness_indicator_is_negative():
    findings = review_projects([with_changed(1, direction=POS)])
    assert [f.rule for f in findings] == ["timeliness_not_negative"]
    assert findings[0].severity is Severity.WARNING and findings[0].source_row == 3


def test_a_cost_indicator_is_negative():
    assert rules_of(with_changed(2, direction=POS)) == ["cost_not_negative"]


def test_operator_and_direction_must_agree():
    assert rules_of(with_changed(0, direction=NEG)) == ["direction_conflict"]
    assert rules_of(with_changed(0, direction=NEG, operator="＝", target_value=D("0"))) == []


@pytest.mark.parametrize("name, level2, unit", [
    ("城镇企业职工基本养老保险在职参保人数", "数量指标", "次"),
    ("工伤保险参保人数", "数量指标", "%"),
    ("养老保险关系转移人次数", "数量指标", "次"),
    ("培训人数", "质量指标", "%"),
    ("宣传活动次数", "数量指标", "%"),
    ("监测户数", "数量指标", "‰"),
])
def test_a_unit_that_does_not_fit_the_metric_is_flagged_for_a_person(name, level2, unit):
    findings = review_projects([with_changed(0, name=name, level2=level2, unit=unit)])
    assert [f.rule for f in findings] == ["unit_mismatch"]
    assert f"“{unit}”" in findings[0].message and "人工核对" in findings[0].message


@pytest.mark.parametrize("name, level2, unit", [
    ("基本养老保险参保人数", "数量指标", "万人"),
    ("养老保险关系转移人次数", "数量指标", "人次"),
    ("工伤保险参保率", "质量指标", "%"),
    ("宣传活动次数", "数量指标", "次"),
    ("物价指数", "数量指标", "%"),
    ("宣传数量", "数量指标", "份"),
])
def test_a_unit_that_fits_the_metric_is_not_flagged(name, level2, unit):
    assert rules_of(with_changed(0, name=name, level2=level2, unit=unit)) == []


def target_row(name, row, **changes):
    values = dict(
        unit_code="900001", unit_name="测试单位", project_name="测试项目", budget=D("5"), goal="",
        level1="产出指标", level2="数量指标", name=name, operator=Operator.GE,
        target_value=D("2"), target_grade=None, unit="台", weight=D("20"),
        direction=Direction.POSITIVE, source_row=row,
    )
    values.update(changes)
    return TargetRow(**values)


def good_rows():
    return [
        target_row(i.name, i.source_row, level1=i.level1, level2=i.level2,
                   operator=Operator(i.operator), target_value=i.target_value,
                   target_grade=Grade(i.target_grade) if i.target_grade else None, unit=i.unit,
                   weight=i.weight, direction=Direction(i.direction))
        for i in good_indicators()
    ]


def test_import_rows_of_a_complete_project_have_no_findings():
    assert review_target_rows(good_rows(), settings=ALL_ON) == []


def test_no_two_indicators_of_a_project_share_a_name():
    rows = good_rows()
    rows[0] = replace(rows[0], name="云MAS短信条数", weight=D("10"))
    rows.append(replace(rows[0], name="云 MAS 短信条数", source_row=9))
    findings = review_target_rows(rows)
    assert [f.rule for f in findings] == ["duplicate_indicator_name"]
    assert findings[0].source_row == 9 and "第2行" in findings[0].message
    other_project = replace(rows[-1], project_name="另一项目")
    assert "duplicate_indicator_name" not in {f.rule for f in review_target_rows(rows[:-1] + [other_project])}


def test_import_row_findings_carry_their_excel_row():
    rows = good_rows()
    rows[4] = replace(rows[4], target_value=D("150"))
    (finding,) = review_target_rows(rows)
    assert (finding.rule, finding.source_row, finding.indicator_name) == (
        "percent_out_of_range", 6, "服务对象满意度")
    assert finding.project_name == "测试项目" and finding.unit_code == "900001"


def line(name, amount, unit_code="900001"):
    return BudgetLineFacts(name=name, amount=D(amount), unit_code=unit_code, year=2025)


def test_a_project_matching_its_budget_line_has_no_findings():
    assert rules_of(project(name="测试项目"), lines=[line("测试项目", "5.00")]) == []


def test_a_project_missing_from_the_budget_list_is_reported():
    findings = review_projects([project(name="测试项目")], [line("完全不同的经费", "5")])
    assert {f.rule for f in findings} == {"project_not_in_budget", "budget_line_without_project"}
    (orphan,) = [f for f in findings if f.rule == "budget_line_without_project"]
    assert orphan.project_id is None and orphan.subject == "表8:完全不同的经费"


def test_a_budget_line_is_not_reported_when_asked_for_projects_only():
    findings = review_projects([project()], [line("测试项目", "5"), line("别的项目", "1")],
                               report_unmatched_lines=False)
    assert findings == []


def test_names_that_differ_slightly_are_one_name_mismatch():
    findings = review_projects(
        [project(name="离退休人员社会化管理服务专项经费")],
        [line("离退休人员社会化管理服务工作专项经费", "5")],
    )
    assert [f.rule for f in findings] == ["project_name_mismatch"]
    assert "离退休人员社会化管理服务工作专项经费" in findings[0].message


def test_names_are_matched_ignoring_width_and_punctuation():
    assert rules_of(project(name="企保、机保代财政管理工作经费（原代管工作经费）"),
                    lines=[line("企保,机保代财政管理工作经费(原代管工作经费)", "5")]) == []


def test_an_amount_that_differs_from_the_budget_list_is_reported():
    findings = review_projects([project()], [line("测试项目", "5.20")])
    assert [f.rule for f in findings] == ["project_amount_mismatch"]
    assert "5.00 万元" in findings[0].message and "5.20 万元" in findings[0].message
    assert "-0.20" in findings[0].message


def test_projects_are_matched_to_lines_of_their_own_unit():
    findings = review_projects([project(unit_code="A")], [line("测试项目", "5", unit_code="B")])
    assert {f.rule for f in findings} == {"project_not_in_budget", "budget_line_without_project"}


def test_a_rule_can_be_switched_off_or_reweighted():
    failing = with_changed(0, name="工伤保险参保人数", unit="%")
    off = RuleSettings.from_mapping({"unit_mismatch": {"enabled": False}})
    notice = RuleSettings.from_mapping({"unit_mismatch": {"severity": "notice"}})
    assert review_projects([failing], settings=off) == []
    assert review_projects([failing], settings=notice)[0].severity is Severity.NOTICE


@pytest.mark.parametrize("mapping", [
    {"no_such_rule": {"enabled": False}},
    {"unit_mismatch": {"severity": "fatal"}},
    {"unit_mismatch": {"enabled": "yes"}},
    {"unit_mismatch": {"colour": "red"}},
])
def test_bad_rule_settings_are_refused_with_the_reason(mapping):
    with pytest.raises(ValueError, match="TARGET_REVIEW_RULES"):
        RuleSettings.from_mapping(mapping)


def test_a_finding_key_is_stable_and_names_its_target():
    finding = Finding(rule="unit_mismatch", message="…", unit_code="342601", year=2025,
                      project_id=2, indicator_id=18)
    assert finding.key == "unit_mismatch:342601:2025:2:18"
    table = Finding(rule="detail_sum_mismatch", message="…", unit_code="342601", year=2025,
                    subject="t7:30101")
    assert table.key == "detail_sum_mismatch:342601:2025:-:-:t7:30101"
    assert finding.as_json()["severity_label"] == "错误"


def test_the_rule_modules_do_not_import_django():
    code = ("import sys, performance.review.rules, performance.review.budget_checks;"
            "sys.exit(1 if any(m.startswith('django') for m in sys.modules) else 0)")
    root = Path(__file__).resolve().parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
