"""The Chinese texts of the scoring engine: number formatting, reasons and explanations.

Pure module: no Django import. Inputs are shown as entered, without trailing zeros (7600, not
7600.00); scores always with the policy's decimal places (11.40).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Reason(NamedTuple):
    """Something the filler must explain or fix before submitting: a short code and its text."""

    code: str
    text: str


SHORTFALL = "shortfall"
OVERSHOOT = "overshoot"
MISSING = "missing"
TARGET = "target"
EXECUTION = "execution"
NO_BUDGET = "no_budget"

REASON_SHORTFALL = Reason(SHORTFALL, "未达到指标值，需填写未完成原因")
REASON_OVERSHOOT = Reason(OVERSHOOT, "完成值大幅超过指标值，可能目标偏低，需说明")
REASON_MISSING = Reason(MISSING, "未填报完成值，需填报完成值或说明原因")
REASON_TARGET = Reason(TARGET, "指标值缺失或为负数，无法计分，需核对指标值")
REASON_SPENT_MISSING = Reason(MISSING, "未填报预算执行数，需填报或说明原因")
REASON_NO_BUDGET = Reason(NO_BUDGET, "预算数为 0 或未填报，无法计算预算执行率，需说明原因")


def indicator_reasons(
    missing: bool, target_invalid: bool, below_weight: bool, overshoot: bool
) -> tuple[Reason, ...]:
    """What an indicator needs explained; a shortfall only when the value itself is usable."""
    reasons = [r for r, on in ((REASON_MISSING, missing), (REASON_TARGET, target_invalid)) if on]
    if below_weight and not reasons:
        reasons.append(REASON_SHORTFALL)
    if overshoot:
        reasons.append(REASON_OVERSHOOT)
    return tuple(reasons)


def reason_execution(threshold: Decimal) -> Reason:
    return Reason(EXECUTION, f"预算执行率低于 {pct(threshold)}，需说明原因")


def num(value: Decimal) -> str:
    """An input number without trailing noise: 7600, 0.8, 1.5, -3."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def qty(value: Decimal, unit: str = "") -> str:
    """An input number followed by its unit as printed in 表13: 95%, 7600人次."""
    return f"{num(value)}{unit.strip()}"


def score(value: Decimal, places: int) -> str:
    """A score: always `places` decimals (value is already rounded)."""
    return format(value, f".{places}f")


def pct(ratio: Decimal, places: int = 2) -> str:
    """A ratio as a percentage without trailing zeros: 1.2 → 120%, 1.225 → 122.5%."""
    return f"{num((ratio * 100).quantize(Decimal(1).scaleb(-places)))}%"


def pct_fixed(ratio: Decimal, places: int = 2) -> str:
    """A ratio as a percentage with fixed decimals: 0.85 → 85.00%."""
    return f"{(ratio * 100).quantize(Decimal(1).scaleb(-places)):f}%"


# -- indicator sentences -------------------------------------------------------------------------
# Each returns the sentence up to and including the score; the engine appends notes.


def missing_actual() -> str:
    return "未填报完成值，得 0 分"


def invalid_target(target: Decimal | None, unit: str) -> str:
    shown = "未填报" if target is None else f"为 {qty(target, unit)}"
    return f"指标值{shown}，无法计分，得 0 分"


def negative_actual(actual: Decimal, unit: str) -> str:
    return f"完成值 {qty(actual, unit)} 为负数，按 0 计；"


def full_marks(lead: str, weight: str) -> str:
    return f"{lead}，得满分 {weight}"


def zero_marks(lead: str) -> str:
    return f"{lead}，得 0 分"


def more_met(a: str, t: str) -> str:
    return f"完成值 {a} 达到指标值 {t}"


def more_zero_target(a: str) -> str:
    return f"指标值为 0，完成值 {a} 不低于指标值"


def more_pro_rata(a: str, t: str, w: Decimal, av: Decimal, tv: Decimal, result: str) -> str:
    return f"完成值 {a} 低于指标值 {t}，按比例得分 {num(w)} × {num(av)} / {num(tv)} = {result}"


def equal_zero(a: str, met: bool) -> str:
    if met:
        return "指标值为 0，完成值 0 等于指标值"
    return f"完成值 {a} 不等于指标值 0"


def less_met(a: str, t: str) -> str:
    return f"完成值 {a} 不高于指标值 {t}（反向）"


def less_zero_target(a: str, met: bool) -> str:
    if met:
        return "指标值为 0（反向），完成值 0 不高于指标值"
    return f"完成值 {a} 高于指标值 0（反向）"


def less_linear(a: str, t: str, w: Decimal, av: Decimal, tv: Decimal, result: str) -> str:
    lead = f"完成值 {a} 高于指标值 {t}（反向）"
    return f"{lead}，得分 {num(w)} × (1 − ({num(av)} − {num(tv)}) / {num(tv)}) = {result}"


def less_beyond_double(a: str, t: str) -> str:
    return f"完成值 {a} 达到或超过指标值 {t} 的 2 倍（反向），得 0 分"


def less_ratio(a: str, t: str, w: Decimal, av: Decimal, tv: Decimal, result: str) -> str:
    lead = f"完成值 {a} 高于指标值 {t}（反向）"
    return f"{lead}，按比值得分 {num(w)} × {num(tv)} / {num(av)} = {result}"


def qualitative(grade: str, w: Decimal, fraction: Decimal, result: str) -> str:
    return f"完成等级 {grade}，得分 {num(w)} × {num(fraction)} = {result}"


def overshoot_note(ratio: Decimal, threshold: Decimal) -> str:
    lead = f"；完成值为指标值的 {pct(ratio)}，达到或超过指标值的 {pct(threshold)}"
    return f"{lead}，可能目标偏低，需说明"


def deduction_note(deduction: Decimal, final: str, floored: bool) -> str:
    if floored:
        return f"；审核扣减 {num(deduction)} 分，扣至 0 分，最终得分 {final}"
    return f"；审核扣减 {num(deduction)} 分，最终得分 {final}"


def direction_conflict_note(operator: str, direction: str) -> str:
    conflict = f"指标方向性为{direction}，与指标性质 {operator} 不一致"
    return f"（注意：{conflict}，按指标性质计分，请核对）"


# -- the whole explanation of an indicator, written on first read --------------------------------
# The engine records which rule applied as one of these cases and keeps the input and the policy;
# `indicator` writes the text from them and the score only when `explanation` is read.

MISSING_ACTUAL = "missing_actual"
INVALID_TARGET = "invalid_target"
EQUAL_ZERO = "equal_zero"  # ＝ 0
MORE_ZERO_TARGET = "more_zero_target"  # ≥ ＞ 0
MORE_MET = "more_met"
MORE_PRO_RATA = "more_pro_rata"
LESS_ZERO_TARGET = "less_zero_target"  # ≤ ＜ 0
LESS_MET = "less_met"
LESS_BEYOND_DOUBLE = "less_beyond_double"
LESS_LINEAR = "less_linear"
LESS_RATIO = "less_ratio"
QUALITATIVE = "qualitative"


def indicator(s, case: str, ind, policy) -> str:
    """The explanation of IndicatorScore `s`, scored from input `ind` by `policy` under `case`."""
    places, unit = policy.rounding_places, ind.unit
    w, t, raw = ind.weight, ind.target, s.raw_score
    sr = score(raw, places)  # the earned score (full marks in the full-marks cases)
    if case == MISSING_ACTUAL:
        text = missing_actual()
    elif case == INVALID_TARGET:
        text = invalid_target(t, unit)
    elif case == QUALITATIVE:
        grade = ind.actual_grade
        text = qualitative(grade.value, w, policy.fraction(grade), sr)
    else:
        actual = ind.actual
        prefix = negative_actual(actual, unit) if actual < 0 else ""
        a = max(actual, Decimal(0))
        sa, st = qty(a, unit), qty(t, unit)
        if case == EQUAL_ZERO or case == LESS_ZERO_TARGET:
            met = a == 0
            lead = equal_zero(sa, met) if case == EQUAL_ZERO else less_zero_target(sa, met)
            text = full_marks(lead, sr) if met else zero_marks(lead)
        elif case == MORE_ZERO_TARGET:
            text = full_marks(more_zero_target(sa), sr)
        elif case == MORE_MET:
            text = full_marks(more_met(sa, st), sr)
            if s.overshoot:
                text += overshoot_note(a / t, policy.overshoot_threshold)
        elif case == MORE_PRO_RATA:
            text = more_pro_rata(sa, st, w, a, t, sr)
        elif case == LESS_MET:
            text = full_marks(less_met(sa, st), sr)
        elif case == LESS_BEYOND_DOUBLE:
            text = less_beyond_double(sa, st)
        elif case == LESS_LINEAR:
            text = less_linear(sa, st, w, a, t, sr)
        else:
            text = less_ratio(sa, st, w, a, t, sr)
        text = prefix + text
    if ind.deduction > 0:
        text += deduction_note(ind.deduction, score(s.score, places), ind.deduction >= raw)
    if s.direction_conflict:
        text += direction_conflict_note(ind.operator.value, ind.direction.value)
    return text


# -- execution and project ------------------------------------------------------------------------


def execution_missing() -> str:
    return "未填报预算执行数，预算执行得 0 分"


def execution_no_budget(base_label: str) -> str:
    return f"{base_label}为 0 或未填报，无法计算预算执行率，预算执行得 0 分，需说明原因"


def execution(
    spent: Decimal,
    base: Decimal,
    base_label: str,
    rate: Decimal,
    weight: Decimal,
    result: str,
    threshold: Decimal,
) -> str:
    head = f"预算执行率 = 支出 {num(spent)} / {base_label} {num(base)} = {pct_fixed(rate)}"
    if rate >= 1:
        over = "，超过预算" if rate > 1 else ""
        return f"{head}{over}，执行率按 100% 计，得满分 {result}"
    text = f"{head}，得分 {num(weight)} × {num(spent)} / {num(base)} = {result}"
    if rate < threshold:
        text += f"；执行率低于 {pct(threshold)}，需说明原因"
    return text


def execution_explanation(
    s, spent: Decimal | None, base: Decimal | None, base_label: str, threshold: Decimal, places: int
) -> str:
    """The explanation of ExecutionScore `s` (spent already counted as ≥ 0)."""
    if s.missing:
        return execution_missing()
    if s.rate is None:
        return execution_no_budget(base_label)
    result = score(s.score, places)
    return execution(spent, base, base_label, s.rate, s.weight, result, threshold)


def project_explanation(s, expected: Decimal, places: int) -> str:
    """The explanation of ProjectScore `s`."""
    shown = [score(v, places) for v in (s.execution.score, s.indicator_total, s.total)]
    return project(*shown, s.grade.value, s.weight_total, expected)


def project(
    execution_score: str,
    indicator_total: str,
    total: str,
    grade: str,
    weight_total: Decimal,
    expected: Decimal,
) -> str:
    text = f"预算执行得分 {execution_score} + 指标得分 {indicator_total} = {total}，等级 {grade}"
    if weight_total != expected:
        text += f"；指标权重合计 {num(weight_total)}，不等于 {num(expected)}，请核对"
    return text
