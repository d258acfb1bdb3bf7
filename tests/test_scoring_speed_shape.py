"""The shape of the fast scoring path: lazy explanations, cheap records, fast input conversion.

The numbers themselves are covered by test_scoring_engine.py and test_scoring_properties.py; these
tests pin what the speed-ups must not change (dataclass behaviour, conversions, errors).
"""

import copy
import dataclasses
import pickle
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
    IndicatorScore,
    ScoringPolicy,
    score_execution,
    score_indicator,
    score_project,
)

GE, LE, QUAL = Operator.GE, Operator.LE, Operator.QUALITATIVE
EXPLAINED = [
    (IndicatorInput(D(6), "≥", "正向指标", D(100), None, D(130), deduction=D(1), unit="人次"),
     "完成值 130人次 达到指标值 100人次，得满分 6.00；完成值为指标值的 130%，达到或超过指标值的 "
     "120%，可能目标偏低，需说明；审核扣减 1 分，最终得分 5.00"),
    (IndicatorInput(D(6), LE, Direction.POSITIVE, D(1), actual=D("1.5")),
     "完成值 1.5 高于指标值 1（反向），得分 6 × (1 − (1.5 − 1) / 1) = 3.00"
     "（注意：指标方向性为正向指标，与指标性质 ≤ 不一致，按指标性质计分，请核对）"),
    (IndicatorInput(D(10), GE, target=D(10), actual=D(-2)),
     "完成值 -2 为负数，按 0 计；完成值 0 低于指标值 10，按比例得分 10 × 0 / 10 = 0.00"),
    (IndicatorInput(D(10), QUAL, actual_grade=Grade.GOOD, deduction=D(9)),
     "完成等级 良，得分 10 × 0.8 = 8.00；审核扣减 9 分，扣至 0 分，最终得分 0.00"),
]


@pytest.mark.parametrize("indicator, text", EXPLAINED)
def test_explanation_is_written_on_first_read_and_kept(indicator, text):
    result = score_indicator(indicator)
    assert type(result) is IndicatorScore
    assert result.explanation == text
    assert result.explanation is result.explanation  # stored, not rewritten


def test_lazy_explanation_is_an_ordinary_dataclass_field():
    indicator, text = EXPLAINED[0]
    a, b = score_indicator(indicator), score_indicator(indicator)
    assert "explanation" in [f.name for f in dataclasses.fields(IndicatorScore)]
    assert dataclasses.asdict(a)["explanation"] == text
    assert f"explanation={text!r}" in repr(b)
    assert a == b and hash(a) == hash(b)
    assert pickle.loads(pickle.dumps(score_indicator(indicator))) == a
    assert copy.copy(score_indicator(indicator)).explanation == text
    assert dataclasses.replace(a, score=D(0)).explanation == text
    assert a != dataclasses.replace(a, explanation="x")


def test_records_stay_frozen_and_slotted():
    result = score_indicator(EXPLAINED[0][0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = D(0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        EXPLAINED[0][0].actual = D(0)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        result.nope  # noqa: B018
    assert not hasattr(result, "__dict__")


def test_project_and_execution_explanations_are_lazy_too():
    project = score_project([EXPLAINED[0][0]], ExecutionInput(100, None, 85))
    assert project.execution.explanation.startswith("预算执行率 = 支出 85 / 预算数 100 = 85.00%")
    assert project.explanation == (
        "预算执行得分 8.50 + 指标得分 5.00 = 13.50，等级 差；指标权重合计 6，不等于 90，请核对"
    )
    assert pickle.loads(pickle.dumps(project)) == project
    assert score_execution(None).explanation == "未填报预算执行数，预算执行得 0 分"


@pytest.mark.parametrize(
    "fast, general",
    [
        ((D("12"), GE, Direction.POSITIVE, D("8000"), None, D("7600")),
         ("12", "≥", "正向指标", "8000", "", 7600)),
        ((D("6"), QUAL, None, None, Grade.EXCELLENT, None, Grade.GOOD),
         (6, "定性", "  ", " ", "优", None, "良")),
    ],
)
def test_fast_and_general_input_conversion_agree(fast, general):
    assert IndicatorInput(*fast) == IndicatorInput(*general)


@pytest.mark.parametrize("deduction", [None, "", 0, "0.00", D("0.00"), D("-0")])
def test_every_zero_deduction_is_stored_as_zero(deduction):
    indicator = IndicatorInput(D(6), GE, target=D(1), actual=D(1), deduction=deduction)
    assert str(indicator.deduction) == "0"
    assert score_indicator(indicator).explanation == "完成值 1 达到指标值 1，得满分 6.00"


@pytest.mark.parametrize(
    "kwargs",
    [{"weight": D("NaN")}, {"target": D("Infinity")}, {"actual": D("-Infinity")},
     {"operator": ["≥"]}, {"direction": "正向"}, {"actual_grade": "A"},
     {"deduction": D("-1")}],
)
def test_fast_path_still_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        IndicatorInput(**{"weight": D(6), "operator": GE, **kwargs})


def test_subclass_copy_pickle_and_replace_of_an_input():
    class Row(IndicatorInput):
        pass

    row = Row(D(6), "≥", target=D(1), actual=D(2), unit=" % ")
    assert type(row) is Row and row.unit == "%" and row.operator is GE
    original = IndicatorInput(D(6), "≥", target=D(1), actual=D(2))
    assert copy.copy(original) == pickle.loads(pickle.dumps(original)) == original
    assert dataclasses.replace(original, actual="0.5").actual == D("0.5")


def test_policy_precomputes_without_changing_fields_or_fingerprint():
    policy = ScoringPolicy(rounding_places=3)
    assert (policy.quantum, str(policy.zero)) == (D("0.001"), "0.000")
    assert policy.fraction(Grade.GOOD) == D("0.8")
    assert "quantum" not in [f.name for f in dataclasses.fields(ScoringPolicy)]
    assert DEFAULT_POLICY.fingerprint == "015f72ab786e" == ScoringPolicy().fingerprint


def test_bench_script_runs():
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "bench/score_engine.py", "600"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "µs/indicator" in out.stdout
