"""The light rules of docs/monitoring.md, one test per row of the table."""

import subprocess
import sys
from decimal import Decimal as D

import pytest

from performance.domain import Direction, Light, Operator
from performance.monitoring.lights import (
    execution_light,
    indicator_light,
    is_cumulative,
    time_progress,
    worst,
)

RED, YELLOW, GREEN, BLUE = Light.RED, Light.YELLOW, Light.GREEN, Light.BLUE


def light(actual, target="100", *, operator=Operator.GE, cumulative=False, month=7, grade=None):
    return indicator_light(
        operator=operator, direction=Direction.POSITIVE, target=None if target is None else D(target),
        target_grade=None, actual=None if actual is None else D(actual), actual_grade=grade,
        cumulative=cumulative, month=month,
    )


# ---------------------------------------------------------------- 正向, cumulative: A / (T × m / 12)

@pytest.mark.parametrize(("actual", "expected"), [
    ("29.99", RED),     # 29.99 / 50 = 59.98 %
    ("30", YELLOW),     # 60 % exactly
    ("39.99", YELLOW),
    ("40", GREEN),      # 80 %
    ("59.99", GREEN),
    ("60", BLUE),       # 120 %
    ("500", BLUE),
])
def test_positive_cumulative_bands_against_target_times_months_over_twelve(actual, expected):
    assert light(actual, cumulative=True, month=6) is expected


@pytest.mark.parametrize(("actual", "expected"), [
    ("59.99", RED), ("60", YELLOW), ("79.99", YELLOW), ("80", GREEN), ("119.99", GREEN),
    ("120", BLUE),
])
def test_positive_level_bands_against_the_target_itself(actual, expected):
    assert light(actual, cumulative=False, month=6) is expected


def test_a_level_indicator_ignores_the_month():
    assert light("90", month=1) is light("90", month=12) is GREEN


def test_at_month_12_a_cumulative_indicator_is_compared_with_the_whole_target():
    assert light("79", cumulative=True, month=12) is YELLOW
    assert light("80", cumulative=True, month=12) is GREEN
    assert light("120", cumulative=True, month=12) is BLUE


def test_early_in_the_year_a_small_count_is_on_track():
    assert light("9", target="100", cumulative=True, month=1) is GREEN  # 9 / 8.33 = 108 %


def test_equal_with_a_positive_target_is_read_as_at_least():
    assert light("100", operator=Operator.EQ) is GREEN
    assert light("50", operator=Operator.EQ) is RED
    assert light("100", operator=Operator.GT) is GREEN


def test_a_negative_actual_counts_as_zero():
    assert light("-5") is RED
    assert light("-5", operator=Operator.LE, target="3") is GREEN


# ---------------------------------------------------------------- 反向: green if A ≤ T, else red

@pytest.mark.parametrize(("operator", "actual", "expected"), [
    (Operator.LE, "6.99", GREEN), (Operator.LE, "7", GREEN), (Operator.LE, "7.01", RED),
    (Operator.LT, "7", GREEN), (Operator.LT, "30", RED),
])
def test_less_is_better_is_green_at_or_under_the_target_else_red(operator, actual, expected):
    assert light(actual, target="7", operator=operator, cumulative=True, month=3) is expected


def test_less_is_better_goes_by_operator_even_when_direction_is_mislabelled():
    result = indicator_light(operator=Operator.LE, direction=Direction.POSITIVE, target=D(1),
                             actual=D(2), cumulative=False, month=7)
    assert result is RED


# ---------------------------------------------------------------- T = 0

@pytest.mark.parametrize(("operator", "actual", "expected"), [
    (Operator.GE, "0", GREEN), (Operator.GE, "3", GREEN), (Operator.GT, "0", GREEN),
    (Operator.EQ, "0", GREEN), (Operator.EQ, "1", RED),
    (Operator.LE, "0", GREEN), (Operator.LE, "0.01", RED), (Operator.LT, "2", RED),
])
def test_a_zero_target(operator, actual, expected):
    assert light(actual, target="0", operator=operator, cumulative=True, month=7) is expected


# ---------------------------------------------------------------- 定性

@pytest.mark.parametrize(("grade", "expected"), [
    ("优", GREEN), ("良", YELLOW), ("中", YELLOW), ("差", RED),
])
def test_qualitative_light_is_by_grade(grade, expected):
    result = indicator_light(operator=Operator.QUALITATIVE, direction=None, target=None,
                             target_grade="优", actual=None, actual_grade=grade,
                             cumulative=False, month=7)
    assert result is expected


# ---------------------------------------------------------------- nothing entered

def test_no_light_when_nothing_is_entered():
    assert light(None) is None
    assert indicator_light(operator="定性", target=None, target_grade="优", actual=None,
                           actual_grade="", cumulative=False, month=7) is None


def test_no_light_without_a_valid_target():
    assert light("5", target=None) is None
    assert light("5", target="-1") is None


def test_month_must_be_1_to_12():
    with pytest.raises(ValueError):
        light("5", month=0)
    with pytest.raises(ValueError):
        execution_light(spent=D(1), budget=D(1), month=13)


# ---------------------------------------------------------------- budget execution: rate / (m / 12)

@pytest.mark.parametrize(("spent", "expected"), [
    ("0", RED), ("34.99", RED),    # budget 100, m = 7: 34.99 / 58.33 = 59.98 %
    ("35", YELLOW),                # 60 %
    ("46.66", YELLOW), ("46.67", GREEN),  # 46.67 × 12 = 560.04 ≥ 0.8 × 700
    ("100", GREEN), ("150", GREEN),  # no blue for execution
])
def test_execution_light_compares_the_rate_with_time_progress(spent, expected):
    assert execution_light(spent=D(spent), budget=D(100), month=7) is expected


def test_execution_at_month_12_is_the_rate_itself():
    assert execution_light(spent=D("79.99"), budget=D(100), month=12) is YELLOW
    assert execution_light(spent=D("80"), budget=D(100), month=12) is GREEN


def test_no_execution_light_without_money_spent_or_a_budget():
    assert execution_light(spent=None, budget=D(100), month=7) is None
    assert execution_light(spent=D(5), budget=D(0), month=7) is None
    assert execution_light(spent=D(5), budget=None, month=7) is None


def test_time_progress_is_months_over_twelve():
    assert time_progress(7) == D("0.5833") and time_progress(12) == 1


# ---------------------------------------------------------------- project: the worst

def test_the_project_light_is_the_worst_by_severity():
    assert worst([GREEN, BLUE]) is BLUE
    assert worst([BLUE, YELLOW, GREEN]) is YELLOW
    assert worst([GREEN, None, "red", YELLOW]) is RED
    assert worst([None, ""]) is None and worst([]) is None


# ---------------------------------------------------------------- cumulative or level

@pytest.mark.parametrize(("level1", "level2", "unit", "expected"), [
    ("产出指标", "数量指标", "人次", True),
    ("产出指标", "数量指标", "次", True),
    ("产出指标", "数量指标", "户", True),
    ("产出指标", "数量指标", "台/套", True),
    ("产出指标", "数量指标", "份", True),
    ("产出指标", "数量指标", "批次", True),
    ("产出指标", "数量指标", "期", True),
    ("产出指标", "数量指标", "万条", True),
    ("产出指标", "数量指标", "平方米/公里", True),
    ("产出指标", "数量指标", "%", False),       # a rate filed as a count
    ("产出指标", "数量指标", "万人", False),     # people covered: a level (参保人数)
    ("产出指标", "质量指标", "%", False),
    ("产出指标", "时效指标", "年", False),
    ("成本指标", "经济成本指标", "万元", True),
    ("成本指标", "经济成本指标", "万元/年", True),
    ("成本指标", "经济成本指标", "元", True),
    ("成本指标", "社会成本指标", "%", False),
    ("效益指标", "社会效益指标", "%", False),
    ("效益指标", "可持续影响指标", "级", False),
    ("满意度指标", "满意度指标", "%", False),
    ("满意度指标", "服务对象满意度指标", "%", False),
])
def test_cumulative_is_inferred_from_level2_and_unit(level1, level2, unit, expected):
    assert is_cumulative(level1, level2, unit, None) is expected


def test_the_indicator_override_wins():
    assert is_cumulative("产出指标", "数量指标", "人次", False) is False
    assert is_cumulative("满意度指标", "满意度指标", "%", True) is True


def test_the_monitoring_rules_import_no_django():
    code = ("import sys, performance.monitoring.lights, performance.monitoring.project; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
