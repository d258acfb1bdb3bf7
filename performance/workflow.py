"""The workflow, in one place: the statuses of a project's values in a period, the states of a
period, every transition, who may make it, and in which period state (docs/workflow.md).

Pure: no queries. Services ask `record_refusal` / `period_refusal` before they change
anything, pages ask `allowed` to decide which buttons to show, and lists, dashboards and
reminders use the status sets below instead of their own.

    草稿 ──提交──▶ 已提交 ──审核通过──▶ 已审核
      ▲ 保存          │ 退回(原因)          │ 重新打开(财政, 原因)
      └──── 已退回 ◀──┘◀────────────────────┘

Where the project's unit passes its 主管部门 (performance.access.department_tier: the
deployment's DEPARTMENT_TIER is on and the unit's department has a reviewer), the unit's
approval is not the last word: it hands the project to the department, which approves it or
returns it to the level below (the unit reviewer) with a reason:

    草稿 ──提交──▶ 已提交 ──审核通过──▶ 单位已审核 ──主管部门审核通过──▶ 已审核
      ▲ 保存        │  ▲                    │                              │
      │             │  └─退回单位审核(原因)─┘                              │
      └── 已退回 ◀──┴ 退回(原因) ◀──── 重新打开(财政, 原因) ───────────────┘

Only the target of 审核通过 depends on the tier, so callers pass it (`target_status`); the
steps from 单位已审核 do not, so a project left there when the tier is turned off is still
decided by finance.

A period is 填报中 (open) or 已锁定 (locked, read-only for everyone, imports included); a
locked period may be opened again for one unit (a late correction) while it stays locked for
the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    UNIT_APPROVED = "unit_approved", "单位已审核"  # 待主管部门审核; only where the tier is on
    APPROVED = "approved", "已审核"
    RETURNED = "returned", "已退回"


class PeriodStatus(models.TextChoices):
    OPEN = "open", "填报中"
    LOCKED = "locked", "已锁定"


class PeriodState(models.TextChoices):
    """A period as one unit sees it: open, locked, or locked but opened for this unit."""

    OPEN = "open", "填报中"
    LOCKED = "locked", "已锁定"
    UNIT_OPEN = "unit_open", "已锁定（本单位已解锁）"


class Capacity(models.TextChoices):
    """In which capacity someone acts on a project (a person may hold several)."""

    FILLER = "filler", "填报人"
    UNIT_REVIEWER = "unit_reviewer", "单位审核人"
    DEPARTMENT_REVIEWER = "department_reviewer", "主管部门审核人"
    FINANCE = "finance", "财政审核人"
    ADMIN = "admin", "管理员"  # the Django admin and the command line: corrections


class Action(models.TextChoices):
    SAVE = "save", "保存"
    SUBMIT = "submit", "提交审核"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回修改"
    REOPEN = "reopen", "重新打开"
    DEPARTMENT_APPROVE = "department_approve", "主管部门审核通过"
    DEPARTMENT_RETURN = "department_return", "退回单位审核"
    LOCK = "lock", "锁定期间"
    UNLOCK = "unlock", "解锁期间"
    UNLOCK_UNIT = "unlock_unit", "为单位解锁"
    RELOCK_UNIT = "relock_unit", "重新锁定单位"


class Channel(models.TextChoices):
    """The way a change arrived; kept on every history row and shown in 修改记录."""

    PAGE = "page", "页面"
    UPLOAD = "upload", "Excel 上传"
    ADMIN = "admin", "管理后台"
    COMMAND = "command", "命令行"
    SYSTEM = "system", "系统"
    API = "api", "API"  # another system, with a person's API token (docs/api.md)


# Whose capacities each channel grants besides the person's memberships: the admin site and the
# command line are for administrators' corrections; pages and uploads act only as the person.
CHANNEL_CAPACITY = {Channel.ADMIN: Capacity.ADMIN, Channel.COMMAND: Capacity.ADMIN}

EDITABLE = frozenset({WorkflowStatus.DRAFT, WorkflowStatus.RETURNED})
# handed in: 已报
DONE = frozenset({WorkflowStatus.SUBMITTED, WorkflowStatus.UNIT_APPROVED, WorkflowStatus.APPROVED})
AWAITING_UNIT_REVIEW = frozenset({WorkflowStatus.SUBMITTED})  # the unit reviewer's queue
AWAITING_DEPARTMENT_REVIEW = frozenset({WorkflowStatus.UNIT_APPROVED})  # the department's
AWAITING_REVIEW = AWAITING_UNIT_REVIEW | AWAITING_DEPARTMENT_REVIEW
REVIEWERS = frozenset({Capacity.UNIT_REVIEWER, Capacity.FINANCE})
# finance may act at every level, so a project is never stuck for want of a department reviewer
DEPARTMENT_REVIEWERS = frozenset({Capacity.DEPARTMENT_REVIEWER, Capacity.FINANCE})
PERIOD_KEEPERS = frozenset({Capacity.FINANCE, Capacity.ADMIN})
WRITABLE_STATES = frozenset({PeriodState.OPEN, PeriodState.UNIT_OPEN})


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset  # statuses (records) or period states it starts from
    target: str | None  # None: the status stays (a saved draft)
    who: frozenset  # capacities that may make it
    needs_reason: bool = False
    tiered_target: str | None = None  # the target instead, where the 主管部门 tier applies

    @property
    def label(self) -> str:
        return self.action.label


RECORD_TRANSITIONS = {t.action: t for t in (
    Transition(Action.SAVE, EDITABLE, None, frozenset({Capacity.FILLER, Capacity.ADMIN})),
    Transition(Action.SUBMIT, EDITABLE, WorkflowStatus.SUBMITTED, frozenset({Capacity.FILLER})),
    Transition(Action.APPROVE, AWAITING_UNIT_REVIEW, WorkflowStatus.APPROVED, REVIEWERS,
               tiered_target=WorkflowStatus.UNIT_APPROVED),
    Transition(Action.RETURN, AWAITING_UNIT_REVIEW, WorkflowStatus.RETURNED, REVIEWERS,
               needs_reason=True),
    Transition(Action.DEPARTMENT_APPROVE, AWAITING_DEPARTMENT_REVIEW, WorkflowStatus.APPROVED,
               DEPARTMENT_REVIEWERS),
    # back to the level below (the unit reviewer), not to the filler: the unit decides whether
    # its filler has to change anything
    Transition(Action.DEPARTMENT_RETURN, AWAITING_DEPARTMENT_REVIEW, WorkflowStatus.SUBMITTED,
               DEPARTMENT_REVIEWERS, needs_reason=True),
    # only from 已审核: at 单位已审核 finance returns to the unit reviewer (退回单位审核) like
    # the department would, so no level is skipped
    Transition(Action.REOPEN, frozenset({WorkflowStatus.APPROVED}), WorkflowStatus.RETURNED,
               frozenset({Capacity.FINANCE}), needs_reason=True),
)}
RETURNS = frozenset({Action.RETURN, Action.DEPARTMENT_RETURN})

PERIOD_TRANSITIONS = {t.action: t for t in (
    Transition(Action.LOCK, frozenset({PeriodState.OPEN}), PeriodStatus.LOCKED, PERIOD_KEEPERS,
               needs_reason=True),
    Transition(Action.UNLOCK, frozenset({PeriodState.LOCKED, PeriodState.UNIT_OPEN}),
               PeriodStatus.OPEN, PERIOD_KEEPERS, needs_reason=True),
    Transition(Action.UNLOCK_UNIT, frozenset({PeriodState.LOCKED}), PeriodState.UNIT_OPEN,
               PERIOD_KEEPERS, needs_reason=True),
    Transition(Action.RELOCK_UNIT, frozenset({PeriodState.UNIT_OPEN}), PeriodState.LOCKED,
               PERIOD_KEEPERS, needs_reason=False),
)}

# Who does what, in the words a refusal uses.
_WHO_TEXT = {
    Action.SAVE: "本单位的填报人",
    Action.SUBMIT: "本单位的填报人",
    Action.APPROVE: "本单位审核人或财政审核人",
    Action.RETURN: "本单位审核人或财政审核人",
    Action.REOPEN: "财政审核人",
    Action.DEPARTMENT_APPROVE: "主管部门审核人或财政审核人",
    Action.DEPARTMENT_RETURN: "主管部门审核人或财政审核人",
}


def status_label(status: str | None) -> str:
    return WorkflowStatus(status or WorkflowStatus.DRAFT).label


def target_status(action: Action, tiered: bool = False) -> str | None:
    """The status `action` moves a project to; `tiered`: its unit passes its 主管部门."""
    transition = RECORD_TRANSITIONS[action]
    if tiered and transition.tiered_target is not None:
        return transition.tiered_target
    return transition.target


def waiting_for(status: str | None) -> str:
    """Whose turn it is, in the words of the page ("" when nobody's but the filler's)."""
    return {WorkflowStatus.SUBMITTED: "等待本单位审核人审核",
            WorkflowStatus.UNIT_APPROVED: "等待主管部门审核"}.get(status or "", "")


def record_refusal(action: Action, status: str | None, capacities, state: str,
                   *, reason: str = "") -> str | None:
    """Why `action` is not possible on a project whose values are in `status` (None: no record
    yet, a draft) for someone acting in `capacities`, in a period in `state`; None when it is.

    The period state comes first (a locked period changes for no one), then the person, then
    the status."""
    transition = RECORD_TRANSITIONS[action]
    status = status or WorkflowStatus.DRAFT
    if state not in WRITABLE_STATES:
        return "填报期间已锁定，所有人只能查看。"
    if not transition.who & frozenset(capacities):
        if action == Action.SAVE and Capacity.FINANCE in capacities:
            return "财政审核人只审核，不能修改单位填报的数据。"
        return f"只有{_WHO_TEXT[action]}可以{_verb(action)}。"
    if status not in transition.sources:
        if action == Action.SAVE:
            return f"本项目本期{status_label(status)}，不能修改（如需修改，请审核人退回）。"
        if action == Action.RETURN and status == WorkflowStatus.APPROVED:
            return "本项目本期已审核，只有财政审核人可以重新打开。"
        if status in AWAITING_DEPARTMENT_REVIEW:
            return _at_department(action)
        if (action in (Action.DEPARTMENT_APPROVE, Action.DEPARTMENT_RETURN)
                and status in AWAITING_UNIT_REVIEW):
            return "本项目本期已提交，尚未经本单位审核人审核，主管部门暂不能审核。"
        return f"本项目本期{status_label(status)}，不能{_verb(action)}。"
    if transition.needs_reason and not reason.strip():
        return "退回时须填写退回原因。" if action in RETURNS else f"{transition.label}时须填写原因。"
    return None


def _at_department(action: Action) -> str:
    if action == Action.REOPEN:
        return "本项目本期单位已审核、尚待主管部门审核，请用“退回单位审核”退回。"
    if action == Action.RETURN:
        return "本项目本期单位已审核，待主管部门审核；如需修改，须由主管部门退回单位审核。"
    return f"本项目本期单位已审核，待主管部门审核，不能{_verb(action)}。"


def allowed(action: Action, status: str | None, capacities, state: str) -> bool:
    """Whether the page offers `action` (the reason is asked for on the form)."""
    return record_refusal(action, status, capacities, state, reason="-") is None


def period_refusal(action: Action, state: str, capacities, *, reason: str = "") -> str | None:
    """Why `action` is not possible on a period in `state` (for one unit, for the unit
    actions) for someone acting in `capacities`; None when it is."""
    transition = PERIOD_TRANSITIONS[action]
    if not transition.who & frozenset(capacities):
        return f"只有财政审核人或管理员可以{transition.label}。"
    if state not in transition.sources:
        return {
            Action.LOCK: "该期间已锁定。",
            Action.UNLOCK: "该期间未锁定。",
            Action.UNLOCK_UNIT: ("该期间未锁定，无需为单位解锁。" if state == PeriodState.OPEN
                                 else "该单位已解锁。"),
            Action.RELOCK_UNIT: "该单位没有单独解锁。",
        }[action]
    if transition.needs_reason and not reason.strip():
        return f"{transition.label}时须填写原因。"
    return None


def _verb(action: Action) -> str:
    return {Action.SAVE: "填写和修改", Action.SUBMIT: "提交", Action.APPROVE: "审核",
            Action.RETURN: "退回", Action.REOPEN: "重新打开已审核的项目",
            Action.DEPARTMENT_APPROVE: "进行主管部门审核",
            Action.DEPARTMENT_RETURN: "退回单位审核"}[action]
