"""The pure scoring engine of 绩效通 (no Django): policy, inputs, scores and explanations."""

from performance.scoring.engine import (
    ExecutionInput,
    ExecutionScore,
    IndicatorInput,
    IndicatorScore,
    ProjectScore,
    grade_for,
    score_execution,
    score_indicator,
    score_project,
)
from performance.scoring.explain import Reason
from performance.scoring.policy import (
    DEFAULT_POLICY,
    LINEAR,
    NEGATIVE_CONVENTIONS,
    RATIO,
    ScoringPolicy,
)

__all__ = [
    "DEFAULT_POLICY",
    "LINEAR",
    "NEGATIVE_CONVENTIONS",
    "RATIO",
    "ExecutionInput",
    "ExecutionScore",
    "IndicatorInput",
    "IndicatorScore",
    "ProjectScore",
    "Reason",
    "ScoringPolicy",
    "grade_for",
    "score_execution",
    "score_indicator",
    "score_project",
]
