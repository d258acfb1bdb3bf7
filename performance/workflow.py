"""The workflow, in one place: the statuses of a project's values in a period, the states of a
period, every transition, who may make it, and in which period state (docs/workflow.md).

Pure: no queries. Services ask `record_refusal` / `period_refusal` before they change
anything, pages ask `allowed` to decide which buttons to show, and lists, dashboards and
reminders use the status sets below instead of their own.

    草稿 ──提交──▶ 已提交 ──审核通过──▶ 已审核
      ▲ 保存          │ 退回(原因)          │ 重新打开(财政, 原因)
      └──── 已退回 ◀──┘◀────────────────────┘

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


# Whose capacities each channel grants besides the person's memberships: the admin site and the
# command line are for administrators' corrections; pages and uploads act only as the person.
CHANNEL_CAPACITY = {Channel.ADMIN: Capacity.ADMIN, Channel.COMMAND: Capacity.ADMIN}

EDITABLE = frozenset({WorkflowStatus.DRAFT, WorkflowStatus.RETURNED})
DONE = frozenset({WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED})  # handed in: 已报
AWAITING_REVIEW = frozenset({WorkflowStatus.SUBMITTED})
REVIEWERS = frozenset({Capacity.UNIT_REVIEWER, Capacity.FINANCE})
PERIOD_KEEPERS = frozenset({Capacity.FINANCE, Capacity.ADMIN})
WRITABLE_STATES = frozenset({PeriodState.OPEN, PeriodState.UNIT_OPEN})


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset  # statuses (records) or period states it starts from
    target: str | None  # None: the status stays (a saved draft)
    who: frozenset  # capacities that may make it
    needs_reason: bool = False

    @property
    def label(self) -> str:
        return self.action.label


RECORD_TRANSITIONS = {t.action: t for t in (
    Transition(Action.SAVE, EDITABLE, None, frozenset({Capacity.FILLER, Capacity.ADMIN})),
    Transition(Action.SUBMIT, EDITABLE, WorkflowStatus.SUBMITTED, frozenset({Capacity.FILLER})),
    Transition(Action.APPROVE, frozenset({WorkflowStatus.SUBMITTED}), WorkflowStatus.APPROVED,
               REVIEWERS),
    Transition(Action.RETURN, frozenset({WorkflowStatus.SUBMITTED}), WorkflowStatus.RETURNED,
               REVIEWERS, needs_reason=True),
    Transition(Action.REOPEN, frozenset({WorkflowStatus.APPROVED}), WorkflowStatus.RETURNED,
               frozenset({Capacity.FINANCE}), needs_reason=True),
)}

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
}


def status_label(status: str | None) -> str:
    return WorkflowStatus(status or WorkflowStatus.DRAFT).label


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
        return f"本项目本期{status_label(status)}，不能{_verb(action)}。"
    if transition.needs_reason and not reason.strip():
        return "退回时须填写退回原因。" if action == Action.RETURN else f"{transition.label}时须填写原因。"
    return None


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
            Action.RETURN: "退回", Action.REOPEN: "重新打开已审核的项目"}[action]
