"""The workflow of one 复核 (finance's check of a sampled project's self-evaluation), in one
place (docs/checks.md).

Pure: no queries. performance.services.checks asks `refusal` before it changes anything and
the check page asks `allowed` to decide which buttons and forms to show.

    待复核 ──保存/要求补充说明──▶ 复核中 ──完成复核──▶ 已复核
                                  ▲                    │
                                  └── 重新打开(原因) ──┘

While the check is 复核中 the reviewer may ask the unit for an explanation (补充说明); at most
one question is open at a time, the unit's filler or unit reviewer answers it, the reviewer
may withdraw it, and the check cannot be concluded while it is open. Concluding needs every
indicator scored and a written conclusion.

The statuses are the values of performance.models.CheckStatus (kept identical here so that
this module stays free of the ORM).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from performance.workflow import Capacity

PENDING, IN_PROGRESS, DONE = "pending", "in_progress", "done"
STATUS_LABELS = {PENDING: "待复核", IN_PROGRESS: "复核中", DONE: "已复核"}
WORKING = frozenset({PENDING, IN_PROGRESS})  # finance may still change the scores


class CheckAction(models.TextChoices):
    SAVE = "save", "保存复核得分"
    ASK = "ask", "要求单位补充说明"
    ANSWER = "answer", "提交补充说明"
    WITHDRAW = "withdraw", "撤回补充说明要求"
    CONCLUDE = "conclude", "完成复核"
    REOPEN = "reopen", "重新打开复核"


# finance on the pages; administrators through the admin site and the command line
CHECKERS = frozenset({Capacity.FINANCE, Capacity.ADMIN})
UNIT = frozenset({Capacity.FILLER, Capacity.UNIT_REVIEWER})


@dataclass(frozen=True)
class CheckTransition:
    action: CheckAction
    sources: frozenset
    target: str | None  # None: the status stays
    who: frozenset
    who_text: str


TRANSITIONS = {t.action: t for t in (
    CheckTransition(CheckAction.SAVE, WORKING, IN_PROGRESS, CHECKERS, "财政审核人"),
    CheckTransition(CheckAction.ASK, WORKING, IN_PROGRESS, CHECKERS, "财政审核人"),
    CheckTransition(CheckAction.ANSWER, frozenset({IN_PROGRESS}), None, UNIT,
                    "本单位的填报人或单位审核人"),
    CheckTransition(CheckAction.WITHDRAW, frozenset({IN_PROGRESS}), None, CHECKERS,
                    "财政审核人"),
    CheckTransition(CheckAction.CONCLUDE, frozenset({IN_PROGRESS}), DONE, CHECKERS,
                    "财政审核人"),
    CheckTransition(CheckAction.REOPEN, frozenset({DONE}), IN_PROGRESS, CHECKERS, "财政审核人"),
)}

_VERB = {
    CheckAction.SAVE: "录入或修改复核得分",
    CheckAction.ASK: "要求单位补充说明",
    CheckAction.ANSWER: "提交补充说明",
    CheckAction.WITHDRAW: "撤回补充说明要求",
    CheckAction.CONCLUDE: "完成复核",
    CheckAction.REOPEN: "重新打开复核",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def target_status(action: CheckAction, status: str) -> str:
    """The status `action` leaves the check in (assumes `refusal` said yes)."""
    return TRANSITIONS[action].target or status


def refusal(action: CheckAction, status: str, capacities, has_open_request: bool, *,
            text: str = "", unscored: int = 0, conclusion: str = "") -> str | None:
    """Why `action` is not possible on a check in `status` for someone acting in `capacities`;
    None when it is.

    `has_open_request`: a question to the unit is open (for ANSWER and WITHDRAW: the one acted
    on); `text`: the question (ASK), the answer (ANSWER) or the reason (REOPEN); `unscored`
    and `conclusion` for CONCLUDE. The person comes first, then the status, then the rest."""
    transition = TRANSITIONS[action]
    if not transition.who & frozenset(capacities):
        if action == CheckAction.ANSWER and Capacity.FINANCE in capacities:
            return "补充说明由项目单位的填报人或单位审核人提交，财政审核人不能代为说明。"
        return f"只有{transition.who_text}可以{_VERB[action]}。"
    if status not in transition.sources:
        return _wrong_status(action, status)
    if action == CheckAction.ASK:
        if has_open_request:
            return "已有待单位说明的问题，请等单位说明或撤回该问题后再提出新的问题。"
        if not text.strip():
            return "请填写需要单位说明的问题。"
    elif action in (CheckAction.ANSWER, CheckAction.WITHDRAW):
        if not has_open_request:
            return "该问题已说明或已撤回，不能再" + ("提交说明。" if action == CheckAction.ANSWER
                                                 else "撤回。")
        if action == CheckAction.ANSWER and not text.strip():
            return "请填写补充说明。"
    elif action == CheckAction.CONCLUDE:
        if has_open_request:
            return "还有待单位补充说明的问题，须等单位说明或撤回该问题后才能完成复核。"
        if unscored:
            return f"还有 {unscored} 项指标未录入复核得分，不能完成复核。"
        if not conclusion.strip():
            return "完成复核须填写复核结论。"
    elif action == CheckAction.REOPEN and not text.strip():
        return "重新打开复核须填写原因。"
    return None


def _wrong_status(action: CheckAction, status: str) -> str:
    label = status_label(status)
    if status == DONE:
        return f"本项目已复核，不能{_VERB[action]}（如需修改，请先重新打开复核）。"
    if action == CheckAction.CONCLUDE:
        return "本项目尚未录入复核得分，不能完成复核。"
    if action in (CheckAction.ANSWER, CheckAction.WITHDRAW):
        return "本项目没有待单位说明的问题。"
    return f"本项目{label}，不能{_VERB[action]}。"


def allowed(action: CheckAction, status: str, capacities, has_open_request: bool) -> bool:
    """Whether the page offers `action` (the texts are asked for on the form; what CONCLUDE
    still lacks is shown on the page and refused by the service)."""
    if action == CheckAction.CONCLUDE:
        has_open_request = False
    return refusal(action, status, capacities, has_open_request, text="-",
                   conclusion="-") is None
