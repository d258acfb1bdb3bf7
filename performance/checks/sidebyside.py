"""A checked project's self-scores and 复核 scores side by side, indicator by indicator: what the
project page's 复核 panel, the overview's 复核明细 sheet and `score --json` show (docs/checks.md).

Built from the self-score as scoring computes it (a `ProjectResult`) and the check's stored
scores, with the pure rules of performance.scoring.checks: an indicator not scored yet counts
at the unit's own score, the execution score is the reviewer's own, else the one from the
verified 预算执行数, else the unit's. No queries here: callers read the checks in bulk."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from performance.scoring import ScoringPolicy
from performance.scoring.checks import (
    CheckedIndicator,
    CheckTotals,
    check_execution_score,
    check_totals,
)
from performance.services.scoring import current_policy


@dataclass(frozen=True)
class Entry:
    """One stored 复核 score (a CheckScore row, or its values)."""

    score: Decimal
    deduction_reason: str = ""
    opinion: str = ""
    weight: Decimal | None = None  # the weight it was scored against


@dataclass(frozen=True)
class Side:
    """A check's own figures (a CheckedProject row, or its values)."""

    execution_score: Decimal | None = None  # the reviewer's own execution score
    verified_spent: Decimal | None = None  # 核实预算执行数


@dataclass(frozen=True)
class SideRow:
    indicator_id: int
    level1: str
    level2: str
    name: str
    weight: Decimal
    self_score: Decimal
    check_score: Decimal | None  # None: not scored yet
    deduction_reason: str = ""
    opinion: str = ""
    reweighted: bool = False  # scored against another weight: to be scored again

    @property
    def difference(self) -> Decimal | None:
        """复核 − 自评 (negative: the check took points off); None while not scored."""
        return None if self.check_score is None else self.check_score - self.self_score


@dataclass(frozen=True)
class SideBySide:
    rows: list[SideRow]
    execution_self: Decimal
    totals: CheckTotals
    self_grade: str | None  # as the self-evaluation shows it (None: nothing entered)

    @property
    def execution_check(self) -> Decimal:
        return self.totals.execution_score

    @property
    def execution_difference(self) -> Decimal:
        return self.totals.execution_score - self.execution_self

    @property
    def self_total(self) -> Decimal:
        return self.totals.self_total

    @property
    def check_total(self) -> Decimal:
        return self.totals.total

    @property
    def check_grade(self) -> str:
        return self.totals.grade.value

    @property
    def total_difference(self) -> Decimal:
        """复核 total − self total (the panel's 差异 column; the deviation negated)."""
        return self.totals.total - self.totals.self_total

    @property
    def deviation(self) -> Decimal:
        """自评偏差 of this project: self total − 复核 total."""
        return self.totals.deviation

    @property
    def grade_changed(self) -> bool:
        return self.self_grade != self.check_grade


def side_by_side(result, entries: Mapping[int, Entry], side: Side,
                 policy: ScoringPolicy | None = None) -> SideBySide:
    """`result` (a ProjectResult of the checked period) beside the check's `entries` (by
    indicator id) and its own execution figures; the check page builds on it too
    (performance.services.check_sheet). A score stored against another weight than the one in
    force counts as not scored; scores stored for an indicator the period is not measured
    against are left out (they cannot be compared)."""
    policy = policy or current_policy()
    rows = []
    for line, scored in zip(result.lines, result.score.indicator_scores, strict=True):
        entry = entries.get(line.id)
        # scored against another weight (the targets changed since): not counted
        reweighted = bool(entry and entry.weight is not None and entry.weight != scored.weight)
        rows.append(SideRow(
            indicator_id=line.id, level1=line.level1, level2=line.level2, name=line.name,
            weight=scored.weight, self_score=scored.score,
            check_score=None if entry is None or reweighted else entry.score,
            deduction_reason=entry.deduction_reason if entry else "",
            opinion=entry.opinion if entry else "", reweighted=reweighted))
    execution_self = result.score.execution.score
    execution = check_execution_score(execution_self, override=side.execution_score,
                                      budget=result.budget, verified_spent=side.verified_spent,
                                      policy=policy)
    totals = check_totals((CheckedIndicator(r.weight, r.self_score, r.check_score) for r in rows),
                          execution, result.score.total, policy)
    return SideBySide(rows=rows, execution_self=execution_self, totals=totals,
                      self_grade=result.grade)


def number(value: Decimal | None) -> float | None:
    """A Decimal as `score --json` writes numbers."""
    return None if value is None else float(value)
