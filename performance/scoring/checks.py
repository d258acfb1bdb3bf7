"""复核 (finance's check of a self-evaluation) in numbers: pure, Decimal only, no Django.

Rules (docs/checks.md):

* Each indicator's 复核 score is entered by the reviewer, 0 ≤ score ≤ its weight. While the
  check is under way an indicator not yet scored counts at the unit's own score, so the
  provisional total moves from the self-score towards the 复核 score as work goes on; a check
  is concluded only when every indicator is scored.
* Budget execution: the reviewer's own execution score when given; else the policy's execution
  rule applied to the verified 预算执行数 (核实预算执行数) when given; else the unit's score.
* 复核 total = execution + Σ indicator scores, rounded and graded like the self-score.
* Deviation (自评偏差) = self total − 复核 total: positive when the unit scored itself higher
  than the check did. A unit's deviation is the mean over its concluded checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from performance.domain import Grade
from performance.scoring.engine import ExecutionInput, score_execution
from performance.scoring.policy import DEFAULT_POLICY, ScoringPolicy

ZERO = Decimal(0)


@dataclass(frozen=True)
class CheckedIndicator:
    weight: Decimal
    self_score: Decimal
    check_score: Decimal | None = None  # None: not scored yet

    @property
    def difference(self) -> Decimal | None:
        """复核 − self for this indicator (negative: the check took points off)."""
        return None if self.check_score is None else self.check_score - self.self_score


@dataclass(frozen=True)
class CheckTotals:
    indicator_total: Decimal
    execution_score: Decimal
    total: Decimal
    grade: Grade
    scored: int
    unscored: int
    self_total: Decimal
    self_grade: Grade

    @property
    def complete(self) -> bool:
        return self.unscored == 0

    @property
    def deviation(self) -> Decimal:
        """自评偏差: self total − 复核 total."""
        return self.self_total - self.total

    @property
    def grade_changed(self) -> bool:
        return self.grade != self.self_grade


def score_out_of_range(score: Decimal, weight: Decimal) -> str | None:
    """Why a 复核 score cannot be stored, or None ("核查分数必须小于等于权重")."""
    if score < ZERO:
        return "复核得分不能为负数。"
    if score > weight:
        return f"复核得分不能超过权重 {weight.normalize():f}。"
    return None


def check_execution_score(self_score: Decimal, *, override: Decimal | None = None,
                          budget: Decimal | None = None, adjusted_budget: Decimal | None = None,
                          verified_spent: Decimal | None = None,
                          policy: ScoringPolicy = DEFAULT_POLICY) -> Decimal:
    """The execution score the check counts (see the module's rules)."""
    if override is not None:
        return policy.quantize(override)
    if verified_spent is not None:
        return score_execution(ExecutionInput(budget=budget, adjusted_budget=adjusted_budget,
                                              spent=verified_spent), policy).score
    return self_score


def check_totals(indicators: Iterable[CheckedIndicator], execution_score: Decimal,
                 self_total: Decimal, policy: ScoringPolicy = DEFAULT_POLICY) -> CheckTotals:
    indicator_total, scored, unscored = ZERO, 0, 0
    for ind in indicators:
        if ind.check_score is None:
            unscored += 1
            indicator_total += ind.self_score
        else:
            scored += 1
            indicator_total += ind.check_score
    indicator_total = policy.quantize(indicator_total)
    total = policy.quantize(execution_score + indicator_total)
    return CheckTotals(indicator_total=indicator_total, execution_score=execution_score,
                       total=total, grade=policy.grade_for(total), scored=scored,
                       unscored=unscored, self_total=self_total,
                       self_grade=policy.grade_for(self_total))


@dataclass(frozen=True)
class UnitDeviation:
    """A unit's checks compared: how far its self-scores sit above the checks'."""

    checked: int
    self_average: Decimal | None
    check_average: Decimal | None
    grade_changed: int

    @property
    def deviation(self) -> Decimal | None:
        if self.self_average is None or self.check_average is None:
            return None
        return self.self_average - self.check_average


def unit_deviation(pairs: Iterable[tuple[Decimal, Grade | str, Decimal, Grade | str]],
                   policy: ScoringPolicy = DEFAULT_POLICY) -> UnitDeviation:
    """From (self total, self grade, 复核 total, 复核 grade) of a unit's concluded checks."""
    count = changed = 0
    self_sum = check_sum = ZERO
    for self_total, self_grade, check_total, check_grade in pairs:
        count += 1
        self_sum += self_total
        check_sum += check_total
        changed += str(self_grade) != str(check_grade)
    if not count:
        return UnitDeviation(0, None, None, 0)
    return UnitDeviation(count, policy.quantize(self_sum / count),
                         policy.quantize(check_sum / count), changed)
