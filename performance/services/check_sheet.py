"""The 复核 sheet of one sampled project: the unit's self-score (the targets in force at the
period) beside finance's 复核 scores, indicator by indicator, with the totals of
performance.scoring.checks and the 补充说明 asked (docs/checks.md). Read-only; the snapshot
fields the service stores come from here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from performance.checks.sidebyside import Entry, Side, SideRow, side_by_side
from performance.models import (
    CheckedProject,
    CheckScore,
    CheckStatus,
    ExplanationRequest,
    ExplanationStatus,
)
from performance.scoring.checks import CheckTotals
from performance.scoring.policy import ScoringPolicy
from performance.services.scoring import (
    IndicatorLine,
    ProjectResult,
    current_policy,
    score_project_period,
)


@dataclass(frozen=True)
class SheetRow:
    """One indicator: the unit's self-score beside the 复核 score, as
    performance.checks.sidebyside compares them, with the stored row the page edits."""

    line: IndicatorLine
    side: SideRow
    self_missing: bool
    stored: CheckScore | None

    @property
    def weight(self) -> Decimal:  # in force at the period
        return self.side.weight

    @property
    def self_score(self) -> Decimal:
        return self.side.self_score

    @property
    def reweighted(self) -> bool:
        """Scored against another weight (the targets changed since): to be scored again."""
        return self.side.reweighted

    @property
    def check_score(self) -> Decimal | None:
        return self.side.check_score

    @property
    def difference(self) -> Decimal | None:
        return self.side.difference


@dataclass
class CheckSheet:
    checked: CheckedProject
    result: ProjectResult  # the unit's self-score in the period
    rows: list[SheetRow]
    totals: CheckTotals
    execution_weight: Decimal
    explanations: list[ExplanationRequest]

    @property
    def self_execution(self) -> Decimal:
        return self.result.score.execution.score

    @property
    def execution_source(self) -> str:
        checked = self.checked
        if checked.execution_score is not None:
            return "复核人录入"
        if checked.verified_spent is not None:
            return "按核实预算执行数计算"
        return "采用单位自评得分"

    @property
    def open_request(self) -> ExplanationRequest | None:
        return next((e for e in self.explanations if e.status == ExplanationStatus.OPEN), None)

    @property
    def self_entered(self) -> bool:
        return not self.result.nothing_entered

    def missing(self) -> list[str]:
        """What still keeps the check from being concluded, in the words of the page."""
        found = []
        if self.totals.unscored:
            found.append(f"还有 {self.totals.unscored} 项指标未录入复核得分")
        if not self.checked.conclusion.strip():
            found.append("未填写复核结论")
        if self.open_request is not None:
            found.append("有待单位补充说明的问题")
        return found


def check_sheet(checked: CheckedProject, policy: ScoringPolicy | None = None) -> CheckSheet:
    """The check of `checked` as the page shows it (a constant number of queries)."""
    policy = policy or current_policy()
    result = score_project_period(checked.project, checked.period, policy)
    stored = {s.indicator_id: s for s in
              CheckScore.objects.filter(checked=checked).select_related("updated_by").order_by()}
    view = side_by_side(
        result, {key: Entry(s.score, s.deduction_reason, s.opinion, s.weight)
                 for key, s in stored.items()},
        Side(checked.execution_score, checked.verified_spent), policy)
    rows = [SheetRow(line, side, score.missing, stored.get(line.id))
            for line, score, side in zip(result.lines, result.score.indicator_scores, view.rows,
                                         strict=True)]
    explanations = list(ExplanationRequest.objects.filter(checked=checked)
                        .select_related("indicator", "asked_by", "answered_by", "withdrawn_by"))
    return CheckSheet(checked, result, rows, view.totals, policy.execution_weight,
                      explanations)


def snapshot_fields(sheet: CheckSheet) -> dict:
    """The snapshot of a sheet: the self result (no grade when nothing is entered) and, once
    the check has started, its provisional or final total."""
    started = sheet.checked.status != CheckStatus.PENDING
    return {
        "self_total": sheet.result.score.total,
        "self_grade": sheet.result.grade or "",
        "check_total": sheet.totals.total if started else None,
        "check_grade": sheet.totals.grade.value if started else "",
        "scored_indicators": sheet.totals.scored,
    }
