"""The scoring engine: pure functions over small frozen dataclasses, Decimal only, no Django.

Rules: domain.md "Scoring"; every number is a setting of ScoringPolicy. Where domain.md is silent:

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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from performance.domain import Direction, Grade, Operator
from performance.scoring import explain as txt
from performance.scoring.explain import Reason
from performance.scoring.policy import DEFAULT_POLICY, LINEAR, ScoringPolicy, to_decimal

ZERO = Decimal(0)
RATE_DISPLAY = Decimal("0.0001")  # the execution rate is shown with 4 decimals
MORE_IS_BETTER = frozenset({Operator.GE, Operator.GT, Operator.EQ})
LESS_IS_BETTER = frozenset({Operator.LE, Operator.LT})


def _opt(convert, value: object, *args):
    """None for None or blank text, else convert(value, *args)."""
    blank = value is None or (isinstance(value, str) and not value.strip())
    return None if blank else convert(value, *args)


@dataclass(frozen=True)
class IndicatorInput:
    """One indicator to score. Numbers may be given as Decimal, int or str; enums as values."""

    weight: Decimal
    operator: Operator
    direction: Direction | None = None
    target: Decimal | None = None
    target_grade: Grade | None = None
    actual: Decimal | None = None
    actual_grade: Grade | None = None
    deduction: Decimal = ZERO
    key: str = ""
    name: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        put = object.__setattr__
        weight = to_decimal(self.weight, "weight")
        if weight < 0:
            raise ValueError(f"indicator {self.key or self.name!r}: weight must be ≥ 0")
        put(self, "weight", weight)
        put(self, "operator", Operator(self.operator))
        put(self, "direction", _opt(Direction, self.direction))
        for key in ("target", "actual"):
            put(self, key, _opt(to_decimal, getattr(self, key), key))
        for key in ("target_grade", "actual_grade"):
            put(self, key, _opt(Grade, getattr(self, key)))
        deduction = _opt(to_decimal, self.deduction, "deduction") or ZERO
        if deduction < 0:
            raise ValueError(f"indicator {self.key or self.name!r}: deduction must be ≥ 0")
        put(self, "deduction", deduction)
        put(self, "unit", (self.unit or "").strip())


@dataclass(frozen=True)
class IndicatorScore:
    key: str
    name: str
    weight: Decimal
    score: Decimal  # after deduction, rounded
    raw_score: Decimal  # earned by the rule, rounded, before deduction
    deduction: Decimal
    missing: bool
    overshoot: bool
    needs_reason: bool
    reasons_needed: tuple[Reason, ...]
    explanation: str
    direction_conflict: bool = False
    target_invalid: bool = False


@dataclass(frozen=True)
class ExecutionInput:
    budget: Decimal | None
    adjusted_budget: Decimal | None = None
    spent: Decimal | None = None

    def __post_init__(self) -> None:
        for key in ("budget", "adjusted_budget", "spent"):
            object.__setattr__(self, key, _opt(to_decimal, getattr(self, key), key))


@dataclass(frozen=True)
class ExecutionScore:
    rate: Decimal | None  # full precision
    rate_display: Decimal | None  # rounded half-up to 4 decimals (0.8523 = 85.23 %)
    score: Decimal
    weight: Decimal
    missing: bool
    overspent: bool
    needs_reason: bool
    reasons_needed: tuple[Reason, ...]
    explanation: str


@dataclass(frozen=True)
class ProjectScore:
    indicator_scores: tuple[IndicatorScore, ...]
    execution: ExecutionScore
    indicator_total: Decimal
    total: Decimal
    grade: Grade
    policy_name: str
    policy_fingerprint: str
    weight_total: Decimal
    weight_total_ok: bool
    explanation: str

    @property
    def missing(self) -> tuple[str, ...]:
        """Keys (or names) of indicators without an actual value."""
        return tuple(s.key or s.name for s in self.indicator_scores if s.missing)

    @property
    def needs_reason(self) -> bool:
        return self.execution.needs_reason or any(s.needs_reason for s in self.indicator_scores)

    @property
    def reasons_needed(self) -> tuple[tuple[str, Reason], ...]:
        """(indicator key or "execution", reason) for everything still to be explained."""
        found = [(s.key or s.name, r) for s in self.indicator_scores for r in s.reasons_needed]
        found += [("execution", r) for r in self.execution.reasons_needed]
        return tuple(found)


def _direction_conflict(ind: IndicatorInput) -> bool:
    if ind.direction is None or not ind.operator.is_quantitative:
        return False
    if ind.operator in LESS_IS_BETTER:
        return ind.direction is Direction.POSITIVE
    if ind.operator is Operator.EQ and ind.target == 0:
        return False  # "＝ 0" reads the same either way
    return ind.direction is Direction.NEGATIVE


class _Outcome(NamedTuple):
    raw: Decimal  # rounded, capped at W
    sentence: str
    overshoot: bool = False
    target_invalid: bool = False


def _rounded(exact: Decimal, ind: IndicatorInput, policy: ScoringPolicy) -> tuple[Decimal, str]:
    raw = min(policy.quantize(exact), ind.weight)
    return raw, txt.score(raw, policy.rounding_places)


def _quantitative(ind: IndicatorInput, policy: ScoringPolicy) -> _Outcome:
    w, t, unit, op = ind.weight, ind.target, ind.unit, ind.operator
    zero = policy.quantize(ZERO)
    full, sw = _rounded(w, ind, policy)
    if ind.actual is None:
        return _Outcome(zero, txt.missing_actual(), target_invalid=t is None or t < 0)
    if t is None or t < 0:
        return _Outcome(zero, txt.invalid_target(t, unit), target_invalid=True)
    prefix = txt.negative_actual(ind.actual, unit) if ind.actual < 0 else ""
    a = max(ind.actual, ZERO)
    sa, st = txt.qty(a, unit), txt.qty(t, unit)

    def all_or_nothing(met: bool, lead: str) -> _Outcome:
        if met:
            return _Outcome(full, prefix + txt.full_marks(lead, sw))
        return _Outcome(zero, prefix + txt.zero_marks(lead))

    if op in MORE_IS_BETTER:
        if op is Operator.EQ and t == 0:
            return all_or_nothing(a == 0, txt.equal_zero(sa, a == 0))
        if t == 0:
            return all_or_nothing(True, txt.more_zero_target(sa))
        if a >= t:
            text = txt.full_marks(txt.more_met(sa, st), sw)
            over = a >= policy.overshoot_threshold * t
            if over:
                text += txt.overshoot_note(a / t, policy.overshoot_threshold)
            return _Outcome(full, prefix + text, overshoot=over)
        raw, sr = _rounded(w * a / t, ind, policy)
        return _Outcome(raw, prefix + txt.more_pro_rata(sa, st, w, a, t, sr))
    # ≤ ＜: less is better
    if t == 0:
        return all_or_nothing(a == 0, txt.less_zero_target(sa, a == 0))
    if a <= t:
        return all_or_nothing(True, txt.less_met(sa, st))
    if policy.negative_convention == LINEAR:
        if a >= 2 * t:
            return _Outcome(zero, prefix + txt.less_beyond_double(sa, st))
        raw, sr = _rounded(w * (2 * t - a) / t, ind, policy)
        return _Outcome(raw, prefix + txt.less_linear(sa, st, w, a, t, sr))
    raw, sr = _rounded(w * t / a, ind, policy)
    return _Outcome(raw, prefix + txt.less_ratio(sa, st, w, a, t, sr))


def _qualitative(ind: IndicatorInput, policy: ScoringPolicy) -> _Outcome:
    if ind.actual_grade is None:
        return _Outcome(policy.quantize(ZERO), txt.missing_actual())
    fraction = policy.fraction(ind.actual_grade)
    raw, sr = _rounded(ind.weight * fraction, ind, policy)
    return _Outcome(raw, txt.qualitative(ind.actual_grade.value, ind.weight, fraction, sr))


def score_indicator(ind: IndicatorInput, policy: ScoringPolicy = DEFAULT_POLICY) -> IndicatorScore:
    """Score one indicator by the rules of `policy`."""
    scorer = _quantitative if ind.operator.is_quantitative else _qualitative
    raw, explanation, overshoot, target_invalid = scorer(ind, policy)
    w, places = ind.weight, policy.rounding_places
    score = raw
    if ind.deduction > 0:
        floored = ind.deduction >= raw
        score = policy.quantize(max(raw - ind.deduction, ZERO))
        explanation += txt.deduction_note(ind.deduction, txt.score(score, places), floored)
    conflict = _direction_conflict(ind)
    if conflict:
        explanation += txt.direction_conflict_note(ind.operator.value, ind.direction.value)

    missing = (ind.actual if ind.operator.is_quantitative else ind.actual_grade) is None
    reasons = txt.indicator_reasons(missing, target_invalid, raw < w, overshoot)
    return IndicatorScore(
        key=ind.key,
        name=ind.name,
        weight=w,
        score=score,
        raw_score=raw,
        deduction=ind.deduction,
        missing=missing,
        overshoot=overshoot,
        needs_reason=bool(reasons),
        reasons_needed=reasons,
        explanation=explanation,
        direction_conflict=conflict,
        target_invalid=target_invalid,
    )


def score_execution(
    exe: ExecutionInput | None, policy: ScoringPolicy = DEFAULT_POLICY
) -> ExecutionScore:
    """Score budget execution: weight × min(spent / base, 1)."""
    exe = exe or ExecutionInput(budget=None)
    w, places = policy.execution_weight, policy.rounding_places
    adjusted = exe.adjusted_budget is not None
    base = exe.adjusted_budget if adjusted else exe.budget
    label = "调整后预算数" if adjusted else "预算数"

    def result(rate, score, missing, reasons, text, overspent=False):
        shown = None if rate is None else rate.quantize(RATE_DISPLAY, rounding=ROUND_HALF_UP)
        reasons = tuple(reasons)
        need = bool(reasons)
        return ExecutionScore(rate, shown, score, w, missing, overspent, need, reasons, text)

    zero = policy.quantize(ZERO)
    if exe.spent is None:
        return result(None, zero, True, [txt.REASON_SPENT_MISSING], txt.execution_missing())
    if base is None or base <= 0:
        return result(None, zero, False, [txt.REASON_NO_BUDGET], txt.execution_no_budget(label))
    spent = max(exe.spent, ZERO)
    rate = spent / base
    score = min(policy.quantize(w * min(rate, Decimal(1))), w)
    threshold = policy.execution_reason_threshold
    reasons = [txt.reason_execution(threshold)] if rate < threshold else []
    text = txt.execution(spent, base, label, rate, w, txt.score(score, places), threshold)
    return result(rate, score, False, reasons, text, overspent=rate > 1)


def grade_for(total: Decimal, policy: ScoringPolicy = DEFAULT_POLICY) -> Grade:
    """Project grade of a total: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (by default)."""
    return policy.grade_for(to_decimal(total, "total"))


def score_project(
    indicators: Iterable[IndicatorInput],
    execution: ExecutionInput | None,
    policy: ScoringPolicy = DEFAULT_POLICY,
) -> ProjectScore:
    """Score a project: execution score + Σ indicator scores, graded by the policy's bands."""
    scores = tuple(score_indicator(ind, policy) for ind in indicators)
    exe = score_execution(execution, policy)
    indicator_total = policy.quantize(sum((s.score for s in scores), ZERO))
    total = policy.quantize(exe.score + indicator_total)
    weight_total = sum((s.weight for s in scores), ZERO)
    grade = policy.grade_for(total)
    expected, places = policy.expected_weight_total, policy.rounding_places
    shown = [txt.score(v, places) for v in (exe.score, indicator_total, total)]
    text = txt.project(*shown, grade.value, weight_total, expected)
    return ProjectScore(
        indicator_scores=scores,
        execution=exe,
        indicator_total=indicator_total,
        total=total,
        grade=grade,
        policy_name=policy.name,
        policy_fingerprint=policy.fingerprint,
        weight_total=weight_total,
        weight_total_ok=weight_total == expected,
        explanation=text,
    )
