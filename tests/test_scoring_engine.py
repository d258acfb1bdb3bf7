"""Table-driven tests of the pure scoring engine (docs/scoring.md)."""

import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from performance.domain import Direction, Grade, Operator
from performance.scoring import (
    DEFAULT_POLICY,
    ExecutionInput,
    IndicatorInput,
    ScoringPolicy,
    grade_for,
    score_execution,
    score_indicator,
    score_project,
)

GE, GT, EQ, LT, LE, QUAL = (
    Operator.GE,
    Operator.GT,
    Operator.EQ,
    Operator.LT,
    Operator.LE,
    Operator.QUALITATIVE,
)
POS, NEG = Direction.POSITIVE, Direction.NEGATIVE
RATIO_POLICY = ScoringPolicy(name="ratio", negative_convention="ratio")


def ind(**kw) -> IndicatorInput:
    kw.setdefault("weight", 10)
    kw.setdefault("operator", GE)
    return IndicatorInput(**kw)


# (input, expected score, expected reason codes, fragment of the explanation)
INDICATOR_CASES = [
    # ≥ ＞ (正向)
    pytest.param(ind(target=100, actual=100), "10.00", (),
                 "完成值 100 达到指标值 100，得满分 10.00",
                 id="ge_actual_equal_to_target_scores_full_weight"),
    pytest.param(ind(target=100, actual=110), "10.00", (), "得满分 10.00",
                 id="ge_actual_above_target_scores_full_weight"),
    pytest.param(ind(weight=12, target=8000, actual=7600), "11.40", ("shortfall",),
                 "完成值 7600 低于指标值 8000，按比例得分 12 × 7600 / 8000 = 11.40",
                 id="ge_actual_below_target_scores_pro_rata"),
    pytest.param(ind(operator=GT, target=50, actual=25), "5.00", ("shortfall",), "10 × 25 / 50",
                 id="gt_actual_below_target_scores_pro_rata"),
    pytest.param(ind(operator=GT, target=50, actual=50), "10.00", (), "得满分",
                 id="gt_actual_equal_to_target_scores_full_weight_like_ge"),
    pytest.param(ind(target=0, actual=0), "10.00", (), "指标值为 0",
                 id="ge_zero_target_is_met_by_any_actual"),
    pytest.param(ind(operator=GT, target=0, actual=3), "10.00", (), "得满分",
                 id="gt_zero_target_is_met_by_any_actual"),
    pytest.param(ind(actual=-5, target=10), "0.00", ("shortfall",), "完成值 -5 为负数，按 0 计",
                 id="ge_negative_actual_counts_as_zero"),
    # ＝
    pytest.param(ind(operator=EQ, target=10, actual=8), "8.00", ("shortfall",), "10 × 8 / 10",
                 id="eq_positive_target_below_scores_like_ge"),
    pytest.param(ind(operator=EQ, target=10, actual=11), "10.00", (), "得满分",
                 id="eq_positive_target_above_scores_like_ge"),
    pytest.param(ind(operator=EQ, target=0, actual=0), "10.00", (), "完成值 0 等于指标值",
                 id="eq_zero_target_met_by_zero_actual"),
    pytest.param(ind(operator=EQ, target=0, actual="0.5"), "0.00", ("shortfall",),
                 "完成值 0.5 不等于指标值 0，得 0 分", id="eq_zero_target_missed_scores_zero"),
    pytest.param(ind(operator=EQ, target=0, actual=-1), "10.00", (), "按 0 计",
                 id="eq_zero_target_negative_actual_counts_as_zero"),
    # ≤ ＜ (反向), linear convention
    pytest.param(ind(weight=6, operator=LE, direction=NEG, target=1, actual="0.8"), "6.00", (),
                 "完成值 0.8 不高于指标值 1（反向），得满分 6.00",
                 id="le_actual_below_target_full"),
    pytest.param(ind(weight=6, operator=LE, target=1, actual=1), "6.00", (), "得满分",
                 id="le_actual_equal_to_target_full"),
    pytest.param(ind(weight=6, operator=LE, direction=NEG, target=1, actual="1.5"), "3.00",
                 ("shortfall",),
                 "完成值 1.5 高于指标值 1（反向），得分 6 × (1 − (1.5 − 1) / 1) = 3.00",
                 id="le_actual_between_target_and_double_scores_linear"),
    pytest.param(ind(weight=6, operator=LE, target=1, actual=2), "0.00", ("shortfall",),
                 "达到或超过指标值 1 的 2 倍（反向），得 0 分",
                 id="le_actual_exactly_double_scores_zero"),
    pytest.param(ind(weight=6, operator=LE, target=1, actual=5), "0.00", ("shortfall",), "得 0 分",
                 id="le_actual_beyond_double_scores_zero"),
    pytest.param(ind(operator=LT, target=10, actual=12), "8.00", ("shortfall",),
                 "10 × (1 − (12 − 10) / 10) = 8.00", id="lt_scores_like_le"),
    pytest.param(ind(operator=LE, target=0, actual=0), "10.00", (), "指标值为 0（反向）",
                 id="le_zero_target_met_by_zero_actual"),
    pytest.param(ind(operator=LE, target=0, actual=1), "0.00", ("shortfall",),
                 "完成值 1 高于指标值 0（反向），得 0 分", id="le_zero_target_missed_scores_zero"),
    pytest.param(ind(operator=LT, target=0, actual=0), "10.00", (), "得满分",
                 id="lt_zero_target_met_by_zero_actual"),
    pytest.param(ind(operator=LE, target=5, actual=-3), "10.00", (), "按 0 计",
                 id="le_negative_actual_counts_as_zero"),
    # 定性
    pytest.param(ind(operator=QUAL, target_grade=Grade.EXCELLENT, actual_grade=Grade.EXCELLENT),
                 "10.00", (), "完成等级 优，得分 10 × 1 = 10.00", id="qualitative_excellent_full"),
    pytest.param(ind(operator=QUAL, actual_grade="良"), "8.00", ("shortfall",),
                 "完成等级 良，得分 10 × 0.8 = 8.00", id="qualitative_good_scores_80_percent"),
    pytest.param(ind(operator=QUAL, actual_grade=Grade.FAIR), "6.00", ("shortfall",),
                 "完成等级 中，得分 10 × 0.6 = 6.00", id="qualitative_fair_scores_60_percent"),
    pytest.param(ind(operator=QUAL, actual_grade=Grade.POOR), "0.00", ("shortfall",),
                 "完成等级 差，得分 10 × 0 = 0.00", id="qualitative_poor_scores_zero"),
    # missing values
    pytest.param(ind(target=100), "0.00", ("missing",), "未填报完成值，得 0 分",
                 id="missing_actual_scores_zero"),
    pytest.param(ind(operator=QUAL, target_grade="优"), "0.00", ("missing",), "未填报完成值",
                 id="missing_qualitative_actual_scores_zero"),
    pytest.param(ind(actual=5), "0.00", ("target",), "指标值未填报，无法计分",
                 id="missing_target_scores_zero_and_asks_to_check_target"),
    pytest.param(ind(target=-5, actual=5), "0.00", ("target",), "指标值为 -5，无法计分",
                 id="negative_target_scores_zero_and_asks_to_check_target"),
    # rounding half-up at .005
    pytest.param(ind(target=8, actual="0.9"), "1.13", ("shortfall",), "10 × 0.9 / 8 = 1.13",
                 id="pro_rata_exact_half_cent_rounds_up"),
    pytest.param(ind(weight=3, operator=LE, target=8, actual=9), "2.63", ("shortfall",),
                 "= 2.63", id="linear_exact_half_cent_rounds_up"),
    # overshoot
    pytest.param(ind(target=100, actual=120), "10.00", ("overshoot",),
                 "完成值为指标值的 120%，达到或超过指标值的 120%，可能目标偏低，需说明",
                 id="overshoot_exactly_at_threshold_is_flagged"),
    pytest.param(ind(target=100, actual="119.99"), "10.00", (), "得满分 10.00",
                 id="overshoot_just_below_threshold_is_not_flagged"),
    pytest.param(ind(operator=EQ, target=10, actual=15), "10.00", ("overshoot",), "150%",
                 id="overshoot_flagged_for_eq_with_positive_target"),
    # deductions
    pytest.param(ind(target=100, actual=130, deduction=3), "7.00", ("overshoot",),
                 "审核扣减 3 分，最终得分 7.00", id="deduction_subtracted_after_rounding"),
    pytest.param(ind(weight=5, target=10, actual=5, deduction=4), "0.00", ("shortfall",),
                 "扣至 0 分，最终得分 0.00", id="deduction_floors_at_zero"),
    pytest.param(ind(weight=5, target=10, actual=5, deduction="2.5"), "0.00", ("shortfall",),
                 "扣至 0 分", id="deduction_equal_to_score_leaves_zero"),
    # display
    pytest.param(ind(target="98", actual="95.00", unit="%"), "9.69", ("shortfall",),
                 "完成值 95% 低于指标值 98%", id="explanation_shows_inputs_without_trailing_zeros"),
]


@pytest.mark.parametrize("indicator, score, codes, fragment", INDICATOR_CASES)
def test_indicator_rules_table(indicator, score, codes, fragment):
    result = score_indicator(indicator)
    assert result.score == D(score)
    assert str(result.score) == score  # always 2 decimals
    assert tuple(r.code for r in result.reasons_needed) == codes
    assert result.needs_reason is bool(codes)
    assert result.missing is ("missing" in codes)
    assert result.overshoot is ("overshoot" in codes)
    assert fragment in result.explanation


RATIO_CASES = [
    pytest.param(ind(weight=6, operator=LE, target=1, actual="1.5"), "4.00",
                 "按比值得分 6 × 1 / 1.5 = 4.00", id="ratio_between_target_and_double"),
    pytest.param(ind(weight=6, operator=LE, target=1, actual=4), "1.50", "6 × 1 / 4 = 1.50",
                 id="ratio_beyond_double_still_scores"),
    pytest.param(ind(weight=6, operator=LT, target=1, actual=1), "6.00", "得满分",
                 id="ratio_actual_at_target_full"),
    pytest.param(ind(weight=6, operator=LE, target=0, actual=2), "0.00", "得 0 分",
                 id="ratio_zero_target_missed_scores_zero"),
    pytest.param(ind(weight=10, target=8, actual=4), "5.00", "10 × 4 / 8",
                 id="ratio_convention_leaves_ge_unchanged"),
]


@pytest.mark.parametrize("indicator, score, fragment", RATIO_CASES)
def test_ratio_convention_scores_less_is_better_as_target_over_actual(indicator, score, fragment):
    result = score_indicator(indicator, RATIO_POLICY)
    assert result.score == D(score)
    assert fragment in result.explanation


def test_deduction_does_not_ask_for_shortfall_reason():
    result = score_indicator(ind(target=100, actual=100, deduction=2))
    assert (result.raw_score, result.score) == (D("10.00"), D("8.00"))
    assert not result.reasons_needed


def test_score_never_exceeds_weight_with_more_decimals_than_policy_keeps():
    result = score_indicator(ind(weight="12.345", target=1, actual=1))
    assert result.score == D("12.345")


@pytest.mark.parametrize(
    "indicator, conflict",
    [
        pytest.param(ind(direction=NEG, target=100, actual=50), True, id="ge_marked_negative"),
        pytest.param(ind(operator=LE, direction=POS, target=1, actual=1), True,
                     id="le_marked_positive"),
        pytest.param(ind(operator=EQ, direction=NEG, target=0, actual=0), False,
                     id="eq_zero_marked_negative_is_fine"),
        pytest.param(ind(operator=LE, direction=NEG, target=1, actual=1), False, id="le_negative"),
        pytest.param(ind(direction=POS, target=1, actual=1), False, id="ge_positive"),
    ],
)
def test_direction_conflict_is_scored_by_operator_and_flagged(indicator, conflict):
    result = score_indicator(indicator)
    assert result.direction_conflict is conflict
    assert ("按指标性质计分" in result.explanation) is conflict
    if indicator.operator is GE:
        assert result.score == (D("5.00") if indicator.actual == 50 else D("10.00"))


def test_inputs_accept_strings_and_enum_values():
    result = score_indicator(IndicatorInput("12", "≥", "正向指标", "8000", None, "7600"))
    assert result.score == D("11.40")


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"weight": -1}, id="negative_weight"),
        pytest.param({"deduction": -1}, id="negative_deduction"),
        pytest.param({"target": "abc"}, id="non_numeric_target"),
        pytest.param({"actual": "NaN"}, id="nan_actual"),
        pytest.param({"operator": "~"}, id="unknown_operator"),
    ],
)
def test_invalid_indicator_input_is_rejected(kwargs):
    with pytest.raises(ValueError):
        ind(**kwargs)


# -- budget execution ---------------------------------------------------------------------------

EXECUTION_CASES = [
    pytest.param(ExecutionInput(100, None, 85), "8.50", "0.8500", ("execution",),
                 "预算执行率 = 支出 85 / 预算数 100 = 85.00%", id="rate_below_90_needs_reason"),
    pytest.param(ExecutionInput(100, None, 90), "9.00", "0.9000", (), "得分 10 × 90 / 100 = 9.00",
                 id="rate_exactly_90_needs_no_reason"),
    pytest.param(ExecutionInput(100, 80, 80), "10.00", "1.0000", (), "调整后预算数 80",
                 id="adjusted_budget_is_the_base"),
    pytest.param(ExecutionInput(100, None, 130), "10.00", "1.3000", (), "执行率按 100% 计",
                 id="overspending_is_capped_at_full_score"),
    pytest.param(ExecutionInput(3, None, 2), "6.67", "0.6667", ("execution",), "66.67%",
                 id="rate_kept_exact_and_shown_with_4_decimals"),
    pytest.param(ExecutionInput(1, None, "0.12345"), "1.23", "0.1235", ("execution",), "",
                 id="rate_display_rounds_half_up"),
    pytest.param(ExecutionInput(100, None, None), "0.00", None, ("missing",), "未填报预算执行数",
                 id="missing_spent_scores_zero"),
    pytest.param(ExecutionInput(0, None, 5), "0.00", None, ("no_budget",), "无法计算预算执行率",
                 id="zero_budget_scores_zero_and_needs_reason"),
    pytest.param(ExecutionInput(100, 0, 0), "0.00", None, ("no_budget",), "调整后预算数为 0",
                 id="budget_adjusted_to_zero_scores_zero"),
    pytest.param(ExecutionInput(100, None, -5), "0.00", "0.0000", ("execution",), "",
                 id="negative_spent_counts_as_zero"),
]


@pytest.mark.parametrize("exe, score, rate_display, codes, fragment", EXECUTION_CASES)
def test_execution_rules_table(exe, score, rate_display, codes, fragment):
    result = score_execution(exe)
    assert result.score == D(score)
    assert str(result.score) == score
    assert result.rate_display == (None if rate_display is None else D(rate_display))
    assert str(result.rate_display) == str(rate_display)
    assert tuple(r.code for r in result.reasons_needed) == codes
    assert result.missing is ("missing" in codes)
    assert fragment in result.explanation


def test_execution_rate_keeps_full_precision():
    assert score_execution(ExecutionInput(3, None, 2)).rate == D(2) / D(3)


# -- project ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, grade",
    [
        ("100", Grade.EXCELLENT), ("90", Grade.EXCELLENT), ("89.99", Grade.GOOD),
        ("80", Grade.GOOD), ("79.99", Grade.FAIR), ("60", Grade.FAIR), ("59.99", Grade.POOR),
        ("0", Grade.POOR),
    ],
)
def test_grade_bands_have_inclusive_lower_bounds(total, grade):
    assert grade_for(D(total)) is grade


def test_project_total_is_execution_plus_indicator_scores():
    indicators = [
        ind(key="a", weight=45, target=8000, actual=7600),  # 42.75
        ind(key="b", weight=45, operator=QUAL, actual_grade=Grade.GOOD),  # 36.00
    ]
    result = score_project(indicators, ExecutionInput(100, None, 95))
    assert result.indicator_total == D("78.75")
    assert result.execution.score == D("9.50")
    assert result.total == D("88.25")
    assert result.grade is Grade.GOOD
    assert result.weight_total == D(90) and result.weight_total_ok
    assert result.policy_name == "domain-default"
    assert result.policy_fingerprint == DEFAULT_POLICY.fingerprint
    assert result.explanation == "预算执行得分 9.50 + 指标得分 78.75 = 88.25，等级 良"
    codes = [(key, reason.code) for key, reason in result.reasons_needed]
    assert codes == [("a", "shortfall"), ("b", "shortfall")]


def test_project_with_wrong_weight_total_is_flagged():
    result = score_project([ind(key="a", weight=85, actual=1, target=1)], None)
    assert not result.weight_total_ok
    assert "指标权重合计 85，不等于 90" in result.explanation
    assert result.missing == ()
    assert result.execution.missing and result.total == D("85.00")


def test_project_lists_missing_indicators():
    result = score_project([ind(key="x", target=1), ind(key="y", target=1, actual=1)], None)
    assert result.missing == ("x",)


# -- policy -------------------------------------------------------------------------------------


def test_default_policy_holds_domain_defaults():
    p = DEFAULT_POLICY
    assert p.name == "domain-default" and p.negative_convention == "linear"
    assert dict(p.grade_fractions) == {"优": 1, "良": D("0.8"), "中": D("0.6"), "差": 0}
    assert (p.execution_weight, p.execution_reason_threshold) == (10, D("0.9"))
    assert (p.overshoot_threshold, p.expected_weight_total) == (D("1.2"), 90)
    assert dict(p.grade_bands) == {"优": 90, "良": 80, "中": 60}
    assert (p.rounding_places, p.rounding) == (2, "ROUND_HALF_UP")


def test_default_fingerprint_is_stable():
    assert DEFAULT_POLICY.fingerprint == "015f72ab786e"


def test_from_mapping_converts_str_int_and_float_through_str():
    p = ScoringPolicy.from_mapping(
        {"name": "city", "execution_reason_threshold": 0.85, "overshoot_threshold": "1.5",
         "execution_weight": 10, "grade_fractions": {"优": 1, "良": 0.85, "中": "0.6", "差": 0},
         "rounding_places": "2", "negative_convention": "ratio"}
    )
    assert p.execution_reason_threshold == D("0.85")
    assert p.fraction(Grade.GOOD) == D("0.85")
    assert p.overshoot_threshold == D("1.5") and p.negative_convention == "ratio"
    assert ScoringPolicy.from_mapping(p.as_mapping()) == p


def test_from_mapping_of_nothing_is_the_default():
    assert ScoringPolicy.from_mapping(None) == ScoringPolicy.from_mapping({}) == DEFAULT_POLICY


@pytest.mark.parametrize(
    "mapping, key",
    [
        pytest.param({"overshoot": 1.2}, "overshoot", id="unknown_key"),
        pytest.param({"negative_convention": "cubic"}, "negative_convention", id="bad_convention"),
        pytest.param({"overshoot_threshold": 0.9}, "overshoot_threshold", id="overshoot_below_1"),
        pytest.param({"execution_reason_threshold": "1.5"}, "execution_reason_threshold",
                     id="threshold_above_1"),
        pytest.param({"execution_weight": "ten"}, "execution_weight", id="not_a_number"),
        pytest.param({"execution_weight": True}, "execution_weight", id="bool_is_not_a_number"),
        pytest.param({"expected_weight_total": 0}, "expected_weight_total", id="zero_total"),
        pytest.param({"grade_fractions": {"优": 1, "良": 0.8, "中": 0.6}}, "grade_fractions",
                     id="fraction_missing_grade"),
        pytest.param({"grade_fractions": {"优": 1, "良": 0.5, "中": 0.6, "差": 0}},
                     "grade_fractions", id="fractions_rising"),
        pytest.param({"grade_fractions": {"优": 1.2, "良": 0.8, "中": 0.6, "差": 0}},
                     "grade_fractions", id="fraction_above_1"),
        pytest.param({"grade_bands": {"优": 80, "良": 80, "中": 60}}, "grade_bands",
                     id="bands_not_falling"),
        pytest.param({"grade_bands": {"优": 90, "良": 80, "甲": 60}}, "grade_bands",
                     id="band_unknown_grade"),
        pytest.param({"rounding_places": 2.5}, "rounding_places", id="places_not_whole"),
        pytest.param({"rounding": "bankers"}, "rounding", id="unknown_rounding"),
        pytest.param({"name": ""}, "name", id="empty_name"),
    ],
)
def test_from_mapping_rejects_with_error_naming_the_key(mapping, key):
    with pytest.raises(ValueError, match=repr(key)):
        ScoringPolicy.from_mapping(mapping)


@pytest.mark.parametrize(
    "change",
    [
        {"negative_convention": "ratio"},
        {"grade_fractions": {"优": 1, "良": "0.85", "中": "0.6", "差": 0}},
        {"execution_weight": 20},
        {"execution_reason_threshold": "0.8"},
        {"overshoot_threshold": "1.3"},
        {"grade_bands": {"优": 95, "良": 80, "中": 60}},
        {"expected_weight_total": 80},
        {"rounding_places": 1},
        {"rounding": "ROUND_HALF_EVEN"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_fingerprint_differs_when_a_setting_changes(change):
    assert ScoringPolicy.from_mapping(change).fingerprint != DEFAULT_POLICY.fingerprint


def test_fingerprint_ignores_name_and_number_spelling():
    p = ScoringPolicy.from_mapping({"name": "other", "overshoot_threshold": "1.20"})
    assert p.fingerprint == DEFAULT_POLICY.fingerprint
    assert len(p.fingerprint) == 12 and int(p.fingerprint, 16) >= 0


def test_policy_changes_the_score():
    policy = ScoringPolicy(grade_fractions={"优": 1, "良": "0.9", "中": "0.6", "差": 0})
    assert score_indicator(ind(operator=QUAL, actual_grade="良"), policy).score == D("9.00")


def test_scoring_package_does_not_import_django():
    root = Path(__file__).resolve().parents[1]
    code = "import sys, performance.scoring; print(any(m[:6] == 'django' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
