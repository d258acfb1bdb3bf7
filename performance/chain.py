"""The approval chain of a project's targets (绩效目标调整 and 年中追加), in one place
(docs/adjustments.md).

Pure: no queries. A proposal is written by a filler of the unit and approved level by level:
单位审核 → 主管部门审核 (only where the deployment turns the tier on and the unit's department
has reviewers; decided when the proposal is submitted) → 财政审核. Each level approves it on to
the next one or returns it, with a reason, to the level below; the filler may withdraw it
while no reviewer has approved it.

    草稿 ──提交──▶ 待单位审核 ──▶ 待主管部门审核 ──▶ 待财政审核 ──▶ 已批复
      ▲              │ 退回            │ 退回              │ 退回
      └── 已退回 ◀───┘  ◀── (上一级) ──┘  ◀── (上一级) ────┘
"""

from __future__ import annotations

from django.db import models

from performance.workflow import Capacity


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    RETURNED = "returned", "已退回"
    AT_UNIT = "at_unit", "待单位审核"
    AT_DEPARTMENT = "at_department", "待主管部门审核"
    AT_FINANCE = "at_finance", "待财政审核"
    APPROVED = "approved", "已批复"
    WITHDRAWN = "withdrawn", "已撤回"


class Level(models.TextChoices):
    UNIT = "unit", "单位审核"
    DEPARTMENT = "department", "主管部门审核"
    FINANCE = "finance", "财政审核"


class ChainAction(models.TextChoices):
    SUBMIT = "submit", "提交"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回"
    WITHDRAW = "withdraw", "撤回"


EDITABLE = frozenset({VersionStatus.DRAFT, VersionStatus.RETURNED})
PENDING = frozenset({VersionStatus.AT_UNIT, VersionStatus.AT_DEPARTMENT, VersionStatus.AT_FINANCE})
OPEN = EDITABLE | PENDING  # a project has at most one open proposal

STATUS_OF_LEVEL = {Level.UNIT: VersionStatus.AT_UNIT,
                   Level.DEPARTMENT: VersionStatus.AT_DEPARTMENT,
                   Level.FINANCE: VersionStatus.AT_FINANCE}
LEVEL_OF_STATUS = {status: level for level, status in STATUS_OF_LEVEL.items()}
CAPACITY_OF_LEVEL = {Level.UNIT: Capacity.UNIT_REVIEWER,
                     Level.DEPARTMENT: Capacity.DEPARTMENT_REVIEWER,
                     Level.FINANCE: Capacity.FINANCE}
REVIEWER_TEXT = {Level.UNIT: "本单位审核人", Level.DEPARTMENT: "主管部门审核人",
                 Level.FINANCE: "财政审核人"}


def levels(department_tier: bool) -> tuple[Level, ...]:
    """The levels a proposal passes, in order."""
    if department_tier:
        return (Level.UNIT, Level.DEPARTMENT, Level.FINANCE)
    return (Level.UNIT, Level.FINANCE)


def next_status(action: ChainAction, status: str, department_tier: bool) -> str:
    """Where `action` takes a proposal in `status` (assumes `refusal` said yes)."""
    chain = levels(department_tier)
    if action == ChainAction.SUBMIT:
        return STATUS_OF_LEVEL[chain[0]]
    if action == ChainAction.WITHDRAW:
        return VersionStatus.WITHDRAWN
    index = chain.index(LEVEL_OF_STATUS[status])
    if action == ChainAction.APPROVE:
        return (STATUS_OF_LEVEL[chain[index + 1]] if index + 1 < len(chain)
                else VersionStatus.APPROVED)
    # return: to the level below, or to the filler from the first level
    return STATUS_OF_LEVEL[chain[index - 1]] if index > 0 else VersionStatus.RETURNED


def refusal(action: ChainAction, status: str, capacities, department_tier: bool, *,
            reason: str = "") -> str | None:
    """Why `action` is not possible on a proposal in `status` for someone acting in
    `capacities`; None when it is."""
    capacities = frozenset(capacities)
    label = VersionStatus(status).label
    if action in (ChainAction.SUBMIT, ChainAction.WITHDRAW):
        if Capacity.FILLER not in capacities:
            return f"只有本单位的填报人可以{action.label}调整申请。"
        allowed = EDITABLE if action == ChainAction.SUBMIT else EDITABLE | {VersionStatus.AT_UNIT}
        if status not in allowed:
            return f"该申请{label}，不能{action.label}。"
        return None
    level = LEVEL_OF_STATUS.get(status)
    if level is None or level not in levels(department_tier):
        return f"该申请{label}，不在审核中。"
    if CAPACITY_OF_LEVEL[level] not in capacities:
        return f"该申请{label}，只有{REVIEWER_TEXT[level]}可以{action.label}。"
    if action == ChainAction.RETURN and not reason.strip():
        return "退回时须填写退回原因。"
    return None


def allowed(action: ChainAction, status: str, capacities, department_tier: bool) -> bool:
    return refusal(action, status, capacities, department_tier, reason="-") is None


def waiting_for(status: str) -> Level | None:
    """The level whose reviewers the proposal waits for (None: not in review)."""
    return LEVEL_OF_STATUS.get(status)
