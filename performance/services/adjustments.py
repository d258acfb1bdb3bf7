"""Proposals to change a project's targets (绩效目标调整) and targets of a project added
mid-year (年中追加): written, checked and compared here; moved through the approval chain by
performance.services.adjustment_chain (docs/adjustments.md).

A proposal is a complete version: every indicator of the version it is based on (changed or
not, a removed one marked), the added ones, the budget and the 年度目标. Its checks are the
ones 表13 gets: each target matches its operator, names are unique, the weights add up to the
expected total (90), and the target-review rules run on it. Every change needs its reason
before the proposal is submitted. Whoever proposed or submitted a proposal approves it at no
level (separation of duties, `own_proposal`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from budget.models import Project
from performance.access import ProjectRights, separation_of_duties
from performance.chain import EDITABLE, OPEN, ChainAction, VersionStatus
from performance.domain import Grade, Operator
from performance.models import (
    AnnualGoal,
    Indicator,
    IndicatorTarget,
    RowChange,
    TargetVersion,
    VersionKind,
)
from performance.review.facts import IndicatorFacts, ProjectFacts
from performance.review.rules import review_projects
from performance.review.service import expected_weight_total, rule_settings
from performance.workflow import Capacity, Channel

from .workflow import Problem

TARGET_FIELDS = ("level1_id", "level2_id", "name", "operator", "target_value", "target_grade",
                 "unit", "weight", "direction", "cumulative")
COMPARED = ("level1_id", "level2_id", "name", "operator", "target_value", "target_grade", "unit",
            "weight", "direction")
MAX_INDICATORS = 60


class AdjustmentRefused(Exception):
    """The proposal or the step is refused; `problems` say where (each has an anchor)."""

    def __init__(self, problems):
        self.problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
        super().__init__("；".join(self.problems))


@dataclass
class TargetDraft:
    """One indicator as a proposal sets it; `indicator_id` None for an added one."""

    level1_id: int
    level2_id: int
    name: str
    operator: str
    target_value: Decimal | None = None
    target_grade: str = ""
    unit: str = ""
    weight: Decimal | None = None
    direction: str = ""
    cumulative: bool | None = None
    indicator_id: int | None = None
    remove: bool = False
    reason: str = ""


@dataclass
class ProposalInput:
    indicators: list[TargetDraft]
    reason: str
    adjusted_amount: Decimal | None = None
    budget_reason: str = ""
    goal: str | None = None  # None: unchanged
    effective_from: date | None = None


@dataclass
class DiffLine:
    """One indicator of a proposal beside the version it is based on (原目标 → 调整后)."""

    change: str  # RowChange value
    old: IndicatorTarget | None
    new: IndicatorTarget
    changed_fields: frozenset = field(default_factory=frozenset)

    @property
    def change_label(self) -> str:
        return RowChange(self.change).label


# -- reading ---------------------------------------------------------------------------------------


def current_version(project) -> TargetVersion | None:
    """The latest approved version (None: never adjusted, the Indicator rows are version 1)."""
    return (TargetVersion.objects.filter(project=project, status=VersionStatus.APPROVED)
            .order_by("-number").first())


def open_proposal(project) -> TargetVersion | None:
    """The project's proposal not yet approved or withdrawn (at most one)."""
    return (TargetVersion.objects.filter(project=project, status__in=list(OPEN))
            .select_related("created_by").first())


def version_history(project) -> list[TargetVersion]:
    return list(TargetVersion.objects.filter(project=project)
                .select_related("created_by", "decided_by").prefetch_related("steps__by")
                .order_by("number"))


def ensure_initial_version(project, user=None) -> TargetVersion:
    """Version 1 (年初批复) kept as rows, from the Indicator rows as they are: done when the
    first adjustment is proposed, so what was approved stays readable afterwards."""
    found = TargetVersion.objects.filter(project=project, number=1).first()
    if found is not None:
        return found
    version = TargetVersion(
        project=project, number=1, kind=VersionKind.INITIAL, status=VersionStatus.APPROVED,
        effective_from=date(project.year, 1, 1), channel=Channel.SYSTEM, created_by=user,
        decided_at=timezone.now())
    copy_in_force(version)
    return version


def copy_in_force(version: TargetVersion) -> None:
    """Make `version` (saved or not) hold what is in force now: the project's budget, its
    年度目标 and its indicators as rows (version 1 when it is first kept, and again when an
    import rewrites targets not yet in use)."""
    project = version.project
    goal = AnnualGoal.objects.filter(project=project).first()
    version.budget_amount, version.adjusted_amount = project.budget_amount, project.adjusted_amount
    version.goal = goal.text if goal else ""
    version.save()
    version.rows.all().delete()
    IndicatorTarget.objects.bulk_create([
        IndicatorTarget(version=version, indicator_id=i.id, position=i.position,
                        **{f: getattr(i, f) for f in TARGET_FIELDS})
        for i in Indicator.objects.filter(project=project).order_by("position", "id")])


def draft_from(version_or_project) -> ProposalInput:
    """A proposal prefilled from a version (or, for a project never adjusted, its indicators)."""
    if isinstance(version_or_project, TargetVersion):
        version = version_or_project
        rows = version.rows.order_by("position", "id")
        drafts = [TargetDraft(indicator_id=r.indicator_id, remove=r.change == RowChange.REMOVED,
                              reason=r.reason, **{f: getattr(r, f) for f in TARGET_FIELDS})
                  for r in rows]
        return ProposalInput(drafts, reason=version.reason,
                             adjusted_amount=version.adjusted_amount,
                             budget_reason=version.budget_reason, goal=version.goal,
                             effective_from=version.effective_from)
    project = version_or_project
    drafts = [TargetDraft(indicator_id=i.id, **{f: getattr(i, f) for f in TARGET_FIELDS})
              for i in Indicator.objects.filter(project=project).order_by("position", "id")]
    goal = AnnualGoal.objects.filter(project=project).first()
    # read again: the caller's object may predate an approval that changed it
    adjusted = Project.objects.filter(pk=project.pk).values_list("adjusted_amount",
                                                                  flat=True).first()
    return ProposalInput(drafts, reason="", adjusted_amount=adjusted,
                         goal=goal.text if goal else "")


def diff(version: TargetVersion) -> list[DiffLine]:
    """The proposal's indicators beside those of its base version, in the proposal's order."""
    base = {}
    if version.based_on_id:
        base = {r.indicator_id: r for r in IndicatorTarget.objects.filter(
            version_id=version.based_on_id).exclude(change=RowChange.REMOVED)
            .select_related("level1", "level2")}
    lines = []
    for row in version.rows.select_related("level1", "level2").order_by("position", "id"):
        old = base.get(row.indicator_id) if row.indicator_id else None
        changed = frozenset(f for f in COMPARED
                            if old is not None and getattr(old, f) != getattr(row, f))
        lines.append(DiffLine(row.change, old, row, changed))
    return lines


def review_findings(version: TargetVersion) -> list:
    """The target-review findings (docs/review.md) on the indicators the version keeps."""
    project = version.project
    rows = [r for r in version.rows.select_related("level1", "level2").order_by("position", "id")
            if r.change != RowChange.REMOVED]
    facts = ProjectFacts(
        name=project.name, budget=version.effective_budget, unit_code=project.unit.code,
        year=project.year, id=project.id,
        indicators=tuple(IndicatorFacts(
            name=r.name, level1=r.level1.name, level2=r.level2.name, operator=r.operator,
            target_value=r.target_value, target_grade=r.target_grade, unit=r.unit,
            weight=r.weight, direction=r.direction, id=r.indicator_id) for r in rows))
    return review_projects([facts], None, settings=rule_settings(),
                           expected_weight_total=expected_weight_total())


def new_findings(version: TargetVersion) -> list:
    """The findings of the proposal that its base version does not have: what the change
    itself would bring in (a proposal is not held up by what was approved before it)."""
    found = review_findings(version)
    if version.based_on_id is None:
        return found
    before = {(f.rule, f.indicator_name) for f in review_findings(version.based_on)}
    return [f for f in found if (f.rule, f.indicator_name) not in before]


# -- writing ---------------------------------------------------------------------------------------


def save_proposal(project: Project, user, data: ProposalInput, *, channel: str = Channel.PAGE,
                  kind: str = VersionKind.ADJUSTMENT) -> TargetVersion:
    """Create the project's proposal, or replace the content of its draft or returned one.

    Only a filler of the unit proposes (the admin and the command line correct as
    administrators). Raises AdjustmentRefused with every problem found."""
    capacities = ProjectRights(user, project.unit_id).capacities(channel)
    if not capacities & {Capacity.FILLER, Capacity.ADMIN}:
        raise AdjustmentRefused(["只有本单位的填报人可以提出目标调整。"])
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        proposal = open_proposal(project)
        if proposal is not None and proposal.status not in EDITABLE:
            raise AdjustmentRefused([f"该项目已有{proposal.get_status_display()}的调整申请，"
                                     "审核完成或退回后才能修改。"])
        if proposal is not None:
            base = proposal.based_on
            kind = proposal.kind
        elif kind == VersionKind.MIDYEAR:
            base = None
        else:
            if not Indicator.objects.filter(project=project).exists():
                raise AdjustmentRefused(["该项目还没有经批复的绩效目标，无法调整。"])
            ensure_initial_version(project, user)
            base = current_version(project)
        base_rows = ({r.indicator_id: r for r in base.rows.exclude(change=RowChange.REMOVED)}
                     if base is not None else {})
        rows, problems = _rows(data, base_rows, project)
        problems += _version_problems(project, data, base, rows)
        if not any(r.change != RowChange.UNCHANGED for r in rows) and not _budget_or_goal_changed(
                data, base):
            problems.append(Problem("与现行目标相比没有任何调整。"))
        if problems:
            raise AdjustmentRefused(problems)
        if proposal is None:
            number = (TargetVersion.objects.filter(project=project).order_by("-number")
                      .values_list("number", flat=True).first() or 0) + 1
            proposal = TargetVersion(project=project, number=number, kind=kind, based_on=base,
                                     created_by=user, channel=channel)
        proposal.budget_amount = project.budget_amount
        proposal.adjusted_amount = data.adjusted_amount
        proposal.budget_reason = data.budget_reason.strip()
        proposal.goal = (data.goal if data.goal is not None
                         else (base.goal if base is not None else "")).strip()
        proposal.reason = data.reason.strip()
        proposal.effective_from = data.effective_from
        proposal.save()
        proposal.rows.all().delete()
        for row in rows:
            row.version = proposal
        IndicatorTarget.objects.bulk_create(rows)
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return proposal


def _rows(data: ProposalInput, base_rows: dict, project) -> tuple[list[IndicatorTarget], list]:
    problems: list[Problem] = []
    rows: list[IndicatorTarget] = []
    names: set[str] = set()
    seen: set[int] = set()
    if len(data.indicators) > MAX_INDICATORS:
        return [], [Problem(f"指标过多（{len(data.indicators)} 个），一个项目最多 {MAX_INDICATORS} 个。")]
    for position, draft in enumerate(data.indicators, start=1):
        where = f"第 {position} 个指标“{draft.name or '（未命名）'}”"
        anchor = f"id_t{position - 1}-"
        name = (draft.name or "").strip()
        if not name:
            problems.append(Problem(f"{where}：未填写三级指标名称。", anchor + "name"))
        elif name in names:
            problems.append(Problem(f"{where}：与其他指标重名。", anchor + "name"))
        names.add(name)
        old = None
        if draft.indicator_id is not None:
            old = base_rows.get(draft.indicator_id)
            if old is None or draft.indicator_id in seen:
                problems.append(Problem(f"{where}：不是该项目现行目标中的指标。", anchor + "name"))
                continue
            seen.add(draft.indicator_id)
        problems += _target_problems(draft, where, anchor)
        row = IndicatorTarget(indicator_id=draft.indicator_id, position=position,
                              reason=(draft.reason or "").strip(),
                              **{f: getattr(draft, f) for f in TARGET_FIELDS})
        row.name = name
        row.unit = (draft.unit or "").strip()
        if draft.operator == Operator.QUALITATIVE:
            row.target_value = None
        else:
            row.target_grade = ""
        if old is None:
            row.change = RowChange.ADDED
        elif draft.remove:
            row.change = RowChange.REMOVED
        elif any(getattr(old, f) != getattr(row, f) for f in COMPARED):
            row.change = RowChange.CHANGED
        else:
            row.change = RowChange.UNCHANGED
        rows.append(row)
    for indicator_id, old in base_rows.items():
        if indicator_id not in seen:  # left out of the form: kept as it was
            rows.append(IndicatorTarget(indicator_id=indicator_id, position=len(rows) + 1,
                                        change=RowChange.UNCHANGED,
                                        **{f: getattr(old, f) for f in TARGET_FIELDS}))
    return rows, problems


def _target_problems(draft: TargetDraft, where: str, anchor: str) -> list[Problem]:
    problems = []
    if draft.operator not in {o.value for o in Operator}:
        problems.append(Problem(f"{where}：指标性质应为 ≥、≤、＝ 或 定性。", anchor + "operator"))
    elif draft.operator == Operator.QUALITATIVE:
        if draft.target_grade not in {g.value for g in Grade}:
            problems.append(Problem(f"{where}：定性指标的指标值应为优、良、中或差。",
                                    anchor + "target_grade"))
    elif draft.target_value is None:
        problems.append(Problem(f"{where}：未填写指标值。", anchor + "target_value"))
    if not draft.remove and (draft.weight is None or draft.weight <= 0):
        problems.append(Problem(f"{where}：权重必须大于 0。", anchor + "weight"))
    if not draft.direction:
        problems.append(Problem(f"{where}：未选择指标方向性。", anchor + "direction"))
    return problems


def _version_problems(project, data: ProposalInput, base, rows) -> list[Problem]:
    problems = []
    if not data.reason.strip():
        problems.append(Problem("未填写调整原因。", "id_reason"))
    kept = [r for r in rows if r.change != RowChange.REMOVED]
    if not kept:
        problems.append(Problem("调整后至少应保留一个指标。"))
    expected = expected_weight_total()
    total = sum((r.weight or Decimal(0) for r in kept), Decimal(0))
    if kept and total != expected:
        problems.append(Problem(f"调整后各指标权重合计 {total.normalize():f}，应为 "
                                f"{expected.normalize():f}。", "weights"))
    if data.adjusted_amount is not None and data.adjusted_amount < 0:
        problems.append(Problem("调整后预算数不能为负数。", "id_adjusted_amount"))
    old_adjusted = base.adjusted_amount if base is not None else project.adjusted_amount
    if data.adjusted_amount != old_adjusted and not data.budget_reason.strip():
        problems.append(Problem("调整了预算数，请填写预算调整原因。", "id_budget_reason"))
    day = data.effective_from
    if day is not None:
        if day.year != project.year:
            problems.append(Problem(f"生效日期应在 {project.year} 年内。", "id_effective_from"))
        elif base is not None and base.effective_from and day < base.effective_from:
            problems.append(Problem(f"生效日期不能早于现行版本的生效日期 {base.effective_from:%Y-%m-%d}。",
                                    "id_effective_from"))
    return problems


def _budget_or_goal_changed(data: ProposalInput, base) -> bool:
    if base is None:
        return True
    return (data.adjusted_amount != base.adjusted_amount
            or (data.goal is not None and data.goal.strip() != base.goal.strip()))


def missing_reasons(version: TargetVersion) -> list[Problem]:
    """The changes without a reason: a proposal is submitted only with every one written.
    (年中追加 sets up a new project's targets: its own reason covers them all.)"""
    problems = []
    if version.kind == VersionKind.MIDYEAR:
        return problems
    for index, row in enumerate(version.rows.order_by("position", "id")):
        if row.change != RowChange.UNCHANGED and not row.reason.strip():
            problems.append(Problem(f"指标“{row.name}”{RowChange(row.change).label}，请填写调整理由。",
                                    f"id_t{index}-reason"))
    return problems


# -- separation of duties --------------------------------------------------------------------------

SELF_APPROVAL = "提出或提交调整申请的人不能审核自己的申请（职责分离）。"


def own_proposal(version: TargetVersion, user, steps=None) -> bool:
    """Whether separation of duties (SEPARATION_OF_DUTIES) keeps `user` from approving
    `version` at any level: they proposed it (created_by) or submitted it (a 提交 step).
    `steps`: the version's VersionSteps when already read (no query then); else one query."""
    if not separation_of_duties() or user is None or user.pk is None:
        return False
    if version.created_by_id == user.pk:
        return True
    if steps is not None:
        return any(step.action == ChainAction.SUBMIT and step.by_id == user.pk for step in steps)
    return version.steps.filter(action=ChainAction.SUBMIT, by_id=user.pk).exists()


def submission_problems(version: TargetVersion) -> list[Problem]:
    """What keeps the proposal from being submitted: a change without its reason, and a
    target-review error the change itself brings in."""
    return missing_reasons(version) + [Problem(f"目标审核：{f.message}")
                                       for f in new_findings(version) if f.severity == "error"]
