"""A 复核批次 as people read it, on its page and in its workbook: the rules in plain Chinese and
one row per sampled project (self-score beside the 复核 score, 自评偏差 = self − 复核)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.urls import NoReverseMatch, reverse

from budget.models import ProjectCategory
from performance.checks.draw import STRATIFY, DrawRefused, DrawRules
from performance.models import CheckBatch, CheckedProject, SelectionReason, format_decimal
from performance.services.check_batches import CANDIDATES_KEY

CATEGORY = dict(ProjectCategory.choices)


def percent(share: Decimal) -> str:
    return format_decimal(share * 100) + "%"


def describe_rules(batch: CheckBatch) -> list[tuple[str, str]]:
    """(label, text) of each rule of `batch`, e.g. ("随机抽取", "其余项目的 20%，按单位分组…")."""
    data = batch.rules or {}
    try:
        rules = DrawRules.from_json(data)
    except DrawRefused as refused:
        return [("抽取规则", f"记录的规则无法读取：{refused.message}")]
    threshold = rules.amount_threshold
    lines = [
        ("随机种子", batch.seed),
        ("候选范围", "、".join(filter(None, [
            f"{batch.period.year} 年度的项目",
            "自评已审核" if rules.approved_only else "不论自评状态",
            "本期间其他批次未抽取"]))),
        ("限定单位", "、".join(rules.units) if rules.units else "全部单位"),
        ("限定项目类别", "、".join(CATEGORY.get(c, c) for c in rules.categories)
         if rules.categories else "全部类别"),
        ("指定抽取", f"{len(rules.hand_picked)} 个项目（不受上述范围限制）"
         if rules.hand_picked else "无"),
        ("金额标准", "不按金额抽取" if threshold is None else
         f"预算数（调整后预算数优先）≥ {format_decimal(threshold)} 万元的项目全部抽取"),
        ("随机抽取", "不随机抽取" if not rules.random_share else
         f"其余项目的 {percent(rules.random_share)}，{STRATIFY[rules.stratify]}，每组向上取整；"
         "每个项目的抽取序号 = SHA-256(种子:单位代码:项目名称)，每组取序号最小的项目"),
        ("候选项目数", str(batch.candidates)),
    ]
    if not data.get(CANDIDATES_KEY):
        lines.append(("候选项目记录", "无（无法重新抽取核对）"))
    return lines


def verification_text(result) -> str:
    if result.problem:
        return f"无法重新抽取：{result.problem}"
    if result:
        return f"一致：按记录的规则、种子和候选项目重新抽取，结果与本批次的 {len(result.recorded)} 个项目相同"
    return (f"不一致：重新抽取有 {len(result.missing)} 个项目不在本批次中，"
            f"本批次有 {len(result.extra)} 个项目不是重新抽取的结果")


def mismatches(result, limit: int = 50) -> list[str]:
    """The differences between a batch and its redraw, one a line (the first `limit`)."""
    reason = dict(SelectionReason.choices)
    lines = [f"应抽取而不在本批次：项目编号 {p.project_id}（{reason.get(p.reason, p.reason)}）"
             for p in result.missing]
    lines += [f"在本批次而重新抽取未抽到：项目编号 {p.project_id}（{reason.get(p.reason, p.reason)}）"
              for p in result.extra]
    return lines[:limit]


@dataclass
class BatchRow:
    checked: CheckedProject
    url: str | None

    @property
    def project(self):
        return self.checked.project

    @property
    def category(self) -> str:
        return self.project.get_category_display()

    @property
    def budget(self) -> Decimal:
        return self.project.effective_budget

    @property
    def stratum(self) -> str:
        return stratum_label(self.checked)

    @property
    def deviation(self) -> Decimal | None:
        """自评偏差: self total − 复核 total (positive: the unit scored itself higher)."""
        c = self.checked
        if c.self_total is None or c.check_total is None:
            return None
        return c.self_total - c.check_total


def stratum_label(checked: CheckedProject) -> str:
    if checked.reason != SelectionReason.RANDOM:
        return ""
    if not checked.stratum:
        return "全部候选"
    return CATEGORY.get(checked.stratum, checked.stratum)


def check_url(checked_id: int) -> str | None:
    """The 复核 page of a sampled project (checks:check), when the deployment has it."""
    try:
        return reverse("checks:check", args=[checked_id])
    except NoReverseMatch:
        return None


def batch_rows(checked_projects) -> list[BatchRow]:
    return [BatchRow(c, check_url(c.pk)) for c in checked_projects]


def checked_projects(batch: CheckBatch):
    """The batch's projects in the order they are shown, with what the rows read."""
    return (CheckedProject.objects.filter(batch=batch)
            .select_related("project__unit")
            .order_by("project__unit__code", "project__name", "pk"))
