"""The scoring engine: pure functions over small frozen dataclasses, Decimal only, no Django.

Rules: docs/scoring.md; every number is a setting of ScoringPolicy. Decisions the rules need:

* **The operator decides the formula, not the direction**: ≥ ＞ ＝ score "more is better", ≤ ＜
  "less is better". 指标性质 is the approved wording of the target (its sign says what meets it);
  指标方向性 is a secondary label, often mis-filled, and a score must stay reproducible from the
  printed 表13 row. On a mismatch (反向 with ≥ ＞, or ＝ with T > 0; 正向 with ≤ ＜) the operator
  rules, the score is flagged ``direction_conflict`` and the explanation says so; correcting the
  row is a target-review matter. The overshoot flag (A ≥ 1.2 T, T > 0) also goes by operator.
* ≥ and ＞ score alike (the table gives both "A ≥ T → W"); with T = 0 any A (negative A counts as
  0) meets them → W. ＜ with T = 0 is ≤ with T = 0: A = 0 → W, else 0.
* No target or a negative one: score 0, ``target_invalid``, reason ``target`` (not "missing",
  which is about the actual). Missing actual: 0, ``missing=True``, reason ``missing``.
* 未完成原因 (reason ``shortfall``) is asked when the earned score (before a reviewer's manual
  deduction) is below W: the deduction is the reviewer's finding, not the unit's shortfall.
  ``score`` is after the deduction, floor 0. Scores are rounded, then capped at W.
* Execution base = adjusted budget if given, else budget. Base ≤ 0 or none: ``rate=None``, score 0,
  reason ``no_budget``. Missing spent: score 0, ``missing=True``. Negative spent counts as 0.

Speed: a period is scored in bulk (up to a million indicators), so `score_indicator` is written as
plain branches over precomputed policy values, builds its record cheaply and leaves the Chinese
explanation to be written on first read (records.py; ``bench/score_engine.py`` measures it).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from performance.domain import Direction, Grade, Operator
from performance.scoring import explain as txt
from performance.scoring.policy import DEFAULT_POLICY, LINEAR, ScoringPolicy, to_decimal
from performance.scoring.records import (
    ZERO,
    ExecutionBuilder,
    ExecutionInput,
    ExecutionScore,
    IndicatorInput,
    IndicatorScore,
    ProjectBuilder,
    ProjectScore,
    ScoreBuilder,
)

__all__ = [
    "ExecutionInput",
    "ExecutionScore",
    "IndicatorInput",
    "IndicatorScore",
    "ProjectScore",
    "grade_for",
    "score_execution",
    "score_indicator",
    "score_project",
]

ONE = Decimal(1)
RATE_DISPLAY = Decimal("0.0001")  # the execution rate is shown with 4 decimals
MORE_IS_BETTER = frozenset({Operator.GE, Operator.GT, Operator.EQ})
LESS_IS_BETTER = frozenset({Operator.LE, Operator.LT})
_EQ, _QUALITATIVE = Operator.EQ, Operator.QUALITATIVE
_POSITIVE, _NEGATIVE = Direction.POSITIVE, Direction.NEGATIVE
_new = object.__new__
_reason_execution = lru_cache(maxsize=32)(txt.reason_execution)  # equal thresholds, equal texts

# reasons_needed of an indicator, shared (tuples of constants)
_NO_REASON: tuple = ()
_MISSING = (txt.REASON_MISSING,)
_MISSING_AND_TARGET = (txt.REASON_MISSING, txt.REASON_TARGET)
_TARGET = (txt.REASON_TARGET,)
_SHORTFALL = (txt.REASON_SHORTFALL,)
_SHORTFALL_AND_OVERSHOOT = (txt.REASON_SHORTFALL, txt.REASON_OVERSHOOT)
_OVERSHOOT = (txt.REASON_OVERSHOOT,)


def score_indicator(ind: IndicatorInput, policy: ScoringPolicy = DEFAULT_POLICY) -> IndicatorScore:
    """Score one indicator by the rules of `policy`.

    Written for bulk scoring: plain branches, no intermediate objects. The rule that applied is
    recorded as a case of ``explain.indicator``, which writes the explanation on first read.
    """
    w, op, quantum, rounding = ind.weight, ind.operator, policy.quantum, policy.rounding
    overshoot = target_invalid = conflict = False
    if op is _QUALITATIVE:
        grade = ind.actual_grade
        missing = grade is None
        if missing:
            raw, case = policy.zero, txt.MISSING_ACTUAL
        else:
            raw = (w * policy.fractions[grade]).quantize(quantum, rounding)
            if w < raw:
                raw = w
            case = txt.QUALITATIVE
    else:
        full = w.quantize(quantum, rounding)  # rounded, capped at W
        if w < full:
            full = w
        t, a = ind.target, ind.actual
        missing = a is None
        if missing:
            raw, case = policy.zero, txt.MISSING_ACTUAL
            target_invalid = t is None or t < ZERO
        elif t is None or t < ZERO:
            raw, case, target_invalid = policy.zero, txt.INVALID_TARGET, True
        else:
            if a < ZERO:
                a = ZERO  # a negative actual counts as 0
            if op in MORE_IS_BETTER:
                if t == ZERO:
                    if op is _EQ:
                        raw, case = (full if a == ZERO else policy.zero), txt.EQUAL_ZERO
                    else:
                        raw, case = full, txt.MORE_ZERO_TARGET
                elif a >= t:
                    raw, case = full, txt.MORE_MET
                    overshoot = a >= policy.overshoot_threshold * t
                else:
                    raw, case = (w * a / t).quantize(quantum, rounding), txt.MORE_PRO_RATA
                    if w < raw:
                        raw = w
            elif t == ZERO:
                raw, case = (full if a == ZERO else policy.zero), txt.LESS_ZERO_TARGET
            elif a <= t:
                raw, case = full, txt.LESS_MET
            elif policy.negative_convention == LINEAR:
                if a >= 2 * t:
                    raw, case = policy.zero, txt.LESS_BEYOND_DOUBLE
                else:
                    raw, case = (w * (2 * t - a) / t).quantize(quantum, rounding), txt.LESS_LINEAR
                    if w < raw:
                        raw = w
            else:
                raw, case = (w * t / a).quantize(quantum, rounding), txt.LESS_RATIO
                if w < raw:
                    raw = w
        direction = ind.direction
        if direction is not None:
            if op in LESS_IS_BETTER:
                conflict = direction is _POSITIVE
            elif not (op is _EQ and t == ZERO):  # "＝ 0" reads the same either way
                conflict = direction is _NEGATIVE

    score, deduction = raw, ind.deduction
    if deduction is not ZERO and deduction > ZERO:
        score = raw - deduction
        if score < ZERO:
            score = ZERO
        score = score.quantize(quantum, rounding)

    if missing:
        reasons = _MISSING_AND_TARGET if target_invalid else _MISSING
    elif target_invalid:
        reasons = _TARGET
    elif raw < w:
        reasons = _SHORTFALL_AND_OVERSHOOT if overshoot else _SHORTFALL
    else:
        reasons = _OVERSHOOT if overshoot else _NO_REASON

    s = _new(ScoreBuilder)
    s.key = ind.key
    s.name = ind.name
    s.weight = w
    s.score = score
    s.raw_score = raw
    s.deduction = deduction
    s.missing = missing
    s.overshoot = overshoot
    s.needs_reason = reasons is not _NO_REASON
    s.reasons_needed = reasons
    s.direction_conflict = conflict
    s.target_invalid = target_invalid
    s._text_args = (txt.indicator, case, ind, policy)
    s.__class__ = IndicatorScore
    return s


def score_execution(
    exe: ExecutionInput | None, policy: ScoringPolicy = DEFAULT_POLICY
) -> ExecutionScore:
    """Score budget execution: weight × min(spent / base, 1)."""
    exe = exe or ExecutionInput(budget=None)
    w, threshold = policy.execution_weight, policy.execution_reason_threshold
    adjusted = exe.adjusted_budget is not None
    base = exe.adjusted_budget if adjusted else exe.budget
    label = "调整后预算数" if adjusted else "预算数"
    spent, rate, shown, score, overspent = exe.spent, None, None, policy.zero, False
    if spent is None:
        missing, reasons = True, (txt.REASON_SPENT_MISSING,)
    elif base is None or base <= 0:
        missing, reasons = False, (txt.REASON_NO_BUDGET,)
    else:
        missing = False
        if spent < ZERO:
            spent = ZERO
        rate = spent / base
        shown = rate.quantize(RATE_DISPLAY, rounding=ROUND_HALF_UP)
        score = policy.quantize(w * (ONE if rate > ONE else rate))
        if w < score:
            score = w
        reasons = (_reason_execution(threshold),) if rate < threshold else ()
        overspent = rate > 1

    s = _new(ExecutionBuilder)
    s.rate, s.rate_display, s.score, s.weight = rate, shown, score, w
    s.missing, s.overspent, s.needs_reason = missing, overspent, bool(reasons)
    s.reasons_needed = reasons
    places = policy.rounding_places
    s._text_args = (txt.execution_explanation, spent, base, label, threshold, places)
    s.__class__ = ExecutionScore
    return s


def grade_for(total: Decimal, policy: ScoringPolicy = DEFAULT_POLICY) -> Grade:
    """Project grade of a total: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (by default)."""
    return policy.grade_for(to_decimal(total, "total"))


def score_project(
    indicators: Iterable[IndicatorInput],
    execution: ExecutionInput | None,
    policy: ScoringPolicy = DEFAULT_POLICY,
) -> ProjectScore:
    """Score a project: execution score + Σ indicator scores, graded by the policy's bands."""
    scores = tuple([score_indicator(ind, policy) for ind in indicators])
    exe = score_execution(execution, policy)
    indicator_total = weight_total = ZERO
    for s in scores:
        indicator_total += s.score
        weight_total += s.weight
    indicator_total = policy.quantize(indicator_total)
    total = policy.quantize(exe.score + indicator_total)

    p = _new(ProjectBuilder)
    p.indicator_scores, p.execution = scores, exe
    p.indicator_total, p.total, p.grade = indicator_total, total, policy.grade_for(total)
    p.policy_name, p.policy_fingerprint = policy.name, policy.fingerprint
    p.weight_total = weight_total
    p.weight_total_ok = weight_total == policy.expected_weight_total
    p._text_args = (txt.project_explanation, policy.expected_weight_total, policy.rounding_places)
    p.__class__ = ProjectScore
    return p
