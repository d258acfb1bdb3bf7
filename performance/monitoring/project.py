"""One project at a period's cut-off: score so far, projected year-end score and lights.

Pure module: no Django import. The services read rows from the database and call
`monitor_project`; tests call it directly.

* **Score so far**: the scoring engine on the values reached (当前完成值 / 全年实际完成值) and the
  money spent.
* **Projected year-end score** (monitoring periods): the same engine on the expected full-year
  values (全年预计完成值), with execution projected at the spending pace, spent × 12 / m. An
  indicator without an expected value scores 0 there, as the engine scores a missing actual; a
  project with indicators of which none has an expected value has no projection (None). For a
  self-evaluation (m = 12, actual full-year values) the projection is the score itself.
* **Lights**: one per indicator (lights.indicator_light), one for execution, and the worst of
  them for the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from performance.domain import Light
from performance.monitoring.lights import execution_light, indicator_light, worst
from performance.scoring import (
    DEFAULT_POLICY,
    ExecutionInput,
    IndicatorInput,
    ProjectScore,
    ScoringPolicy,
    score_project,
)

TWELVE = Decimal(12)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class IndicatorFacts:
    """One indicator with what was entered for it in the period."""

    key: str
    name: str
    weight: Decimal
    operator: str
    direction: str | None
    target: Decimal | None
    target_grade: str | None
    cumulative: bool
    actual: Decimal | None = None
    actual_grade: str | None = None
    expected: Decimal | None = None
    expected_grade: str | None = None
    deduction: Decimal = ZERO
    unit: str = ""

    @property
    def has_expected(self) -> bool:
        return self.expected is not None or bool(self.expected_grade)

    def scoring_input(self, *, expected: bool = False) -> IndicatorInput:
        return IndicatorInput(
            weight=self.weight,
            operator=self.operator,
            direction=self.direction,
            target=self.target,
            target_grade=self.target_grade or None,
            actual=self.expected if expected else self.actual,
            actual_grade=(self.expected_grade if expected else self.actual_grade) or None,
            deduction=self.deduction or ZERO,
            key=self.key,
            name=self.name,
            unit=self.unit,
        )


@dataclass(frozen=True, slots=True)
class ProjectMonitor:
    score: ProjectScore
    projected: ProjectScore | None
    indicator_lights: tuple[Light | None, ...]
    execution_light: Light | None
    light: Light | None
    missing: int

    @property
    def score_total(self) -> Decimal:
        return self.score.total

    @property
    def projected_total(self) -> Decimal | None:
        return None if self.projected is None else self.projected.total


def projected_spent(spent: Decimal | None, month: int) -> Decimal | None:
    """Money spent by year end at the pace so far: spent × 12 / m (spent itself at m = 12)."""
    if spent is None or month == 12:
        return spent
    return spent * TWELVE / month


def monitor_project(
    indicators: Sequence[IndicatorFacts],
    *,
    budget: Decimal | None,
    adjusted_budget: Decimal | None = None,
    spent: Decimal | None,
    month: int,
    monitoring: bool,
    policy: ScoringPolicy = DEFAULT_POLICY,
) -> ProjectMonitor:
    score = score_project(
        [facts.scoring_input() for facts in indicators],
        ExecutionInput(budget=budget, adjusted_budget=adjusted_budget, spent=spent),
        policy,
    )
    if not monitoring:
        projected = score
    elif indicators and not any(facts.has_expected for facts in indicators):
        projected = None
    else:
        projected = score_project(
            [facts.scoring_input(expected=True) for facts in indicators],
            ExecutionInput(budget=budget, adjusted_budget=adjusted_budget,
                           spent=projected_spent(spent, month)),
            policy,
        )
    lights = tuple(
        indicator_light(
            operator=facts.operator, direction=facts.direction, target=facts.target,
            target_grade=facts.target_grade, actual=facts.actual,
            actual_grade=facts.actual_grade, cumulative=facts.cumulative, month=month,
        )
        for facts in indicators
    )
    base = budget if adjusted_budget is None else adjusted_budget
    execution = execution_light(spent=spent, budget=base, month=month)
    return ProjectMonitor(
        score=score,
        projected=projected,
        indicator_lights=lights,
        execution_light=execution,
        light=worst((*lights, execution)),
        missing=sum(1 for s in score.indicator_scores if s.missing),
    )
