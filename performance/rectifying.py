"""The rules of a 整改事项 (问题整改), in one place (docs/rectification.md).

Pure: no queries. performance.services.rectification asks `refusal` before it changes
anything and the item's page asks `allowed` to decide which forms to show.

    待整改 ──开始整改/选择应对方式──▶ 整改中 ──报送整改完成──▶ 已整改 ──确认──▶ 已确认
      │                                 ▲                        │
      └────────报送整改完成─────────────┼────────────────────────┤
                                        └──── 退回(理由) ────────┘

The unit (a 填报人 or 单位审核人 of the item's unit) starts the work, chooses how it responds
to a monitoring warning, and reports it done with what it did; finance (财政审核人; the admin
site and the command line as administrators) returns it with a reason or confirms it, and
may correct the problem, the required action and the deadline until it is confirmed.

A monitoring warning (a red light, or a 完全不可能 likelihood) asks the unit to choose
继续执行 / 调剂 / 取消 before its response deadline. The choice may be made or changed while
the item is 待整改 or 整改中; a choice made after the deadline is still taken (the work must
go on) but is marked late (`response_late`) on the page and in the history. The item cannot be
reported done before a response is chosen.

The statuses, sources and responses are the values of performance.models.rectification's
choices (kept identical here so that this module stays free of the ORM).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models

from performance.workflow import Capacity

PENDING, IN_PROGRESS, DONE, CONFIRMED = "pending", "in_progress", "done", "confirmed"
STATUS_LABELS = {PENDING: "待整改", IN_PROGRESS: "整改中", DONE: "已整改", CONFIRMED: "已确认"}
OPEN = frozenset({PENDING, IN_PROGRESS})  # the unit is still working on it
UNCONFIRMED = frozenset({PENDING, IN_PROGRESS, DONE})

RED_LIGHT, IMPOSSIBLE, CHECK_DEDUCTION, MANUAL = ("red_light", "impossible", "check_deduction",
                                                 "manual")
WARNING_SOURCES = frozenset({RED_LIGHT, IMPOSSIBLE})  # the unit chooses a response
RESPONSES = frozenset({"continue", "adjust", "cancel"})


class RectificationAction(models.TextChoices):
    START = "start", "开始整改"
    RESPOND = "respond", "选择应对方式"
    REPORT_DONE = "report_done", "报送整改完成"
    RETURN = "return", "退回整改"
    CONFIRM = "confirm", "确认整改完成"
    EDIT = "edit", "修改整改要求"


UNIT = frozenset({Capacity.FILLER, Capacity.UNIT_REVIEWER})
# finance on the pages; administrators through the admin site and the command line
FINANCE = frozenset({Capacity.FINANCE, Capacity.ADMIN})
UNIT_TEXT = "责任单位的填报人或单位审核人"
FINANCE_TEXT = "财政审核人"


@dataclass(frozen=True)
class RectificationTransition:
    action: RectificationAction
    sources: frozenset
    target: str | None  # None: the status stays
    who: frozenset
    who_text: str


TRANSITIONS = {t.action: t for t in (
    RectificationTransition(RectificationAction.START, frozenset({PENDING}), IN_PROGRESS, UNIT,
                            UNIT_TEXT),
    RectificationTransition(RectificationAction.RESPOND, OPEN, IN_PROGRESS, UNIT, UNIT_TEXT),
    RectificationTransition(RectificationAction.REPORT_DONE, OPEN, DONE, UNIT, UNIT_TEXT),
    RectificationTransition(RectificationAction.RETURN, frozenset({DONE}), IN_PROGRESS, FINANCE,
                            FINANCE_TEXT),
    RectificationTransition(RectificationAction.CONFIRM, frozenset({DONE}), CONFIRMED, FINANCE,
                            FINANCE_TEXT),
    RectificationTransition(RectificationAction.EDIT, UNCONFIRMED, None, FINANCE, FINANCE_TEXT),
)}

_VERB = {
    RectificationAction.START: "开始整改",
    RectificationAction.RESPOND: "选择应对方式",
    RectificationAction.REPORT_DONE: "报送整改完成",
    RectificationAction.RETURN: "退回整改",
    RectificationAction.CONFIRM: "确认整改完成",
    RectificationAction.EDIT: "修改问题、整改要求或期限",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def is_warning(source: str) -> bool:
    """A monitoring warning: the unit must choose 继续执行 / 调剂 / 取消."""
    return source in WARNING_SOURCES


def target_status(action: RectificationAction, status: str) -> str:
    """The status `action` leaves the item in (assumes `refusal` said yes)."""
    return TRANSITIONS[action].target or status


def is_overdue(status: str, deadline: datetime.date | None, today: datetime.date) -> bool:
    """Past its deadline and not yet reported done (已整改 and 已确认 are not overdue)."""
    return status in OPEN and deadline is not None and today > deadline


def response_missing(source: str, response: str, status: str) -> bool:
    """A warning still waiting for the unit's choice of response."""
    return is_warning(source) and not response and status in OPEN


def response_late(response_deadline: datetime.date | None,
                  responded_on: datetime.date | None) -> bool:
    """The response was chosen (or, when `responded_on` is today, would be) after its deadline."""
    return (response_deadline is not None and responded_on is not None
            and responded_on > response_deadline)


def refusal(action: RectificationAction, status: str, capacities, *, source: str = MANUAL,
            response: str = "", text: str = "", chosen: str = "",
            deadline: datetime.date | None = None) -> str | None:
    """Why `action` is not possible on an item in `status` for someone acting in `capacities`;
    None when it is.

    `source` and `response`: the item's; `text`: the progress (REPORT_DONE), the reason
    (RETURN) or the problem and required action (EDIT, both joined — empty when either is);
    `chosen`: the response picked (RESPOND); `deadline`: the new deadline (EDIT). The person
    comes first, then the status, then the rest."""
    transition = TRANSITIONS[action]
    capacities = frozenset(capacities)
    if not transition.who & capacities:
        if transition.who is UNIT and FINANCE & capacities:
            return f"{_VERB[action]}由{UNIT_TEXT}办理，财政审核人不能代为办理。"
        return f"只有{transition.who_text}可以{_VERB[action]}。"
    if status not in transition.sources:
        return _wrong_status(action, status)
    if action == RectificationAction.RESPOND:
        if not is_warning(source):
            return "只有监控预警（红灯、完成可能性为完全不可能）的整改事项需要选择应对方式。"
        if chosen not in RESPONSES:
            return "请选择应对方式：继续执行、调剂或取消。"
    elif action == RectificationAction.REPORT_DONE:
        if is_warning(source) and not response:
            return "请先选择应对方式（继续执行、调剂或取消），再报送整改完成。"
        if not text.strip():
            return "报送整改完成须填写整改情况。"
    elif action == RectificationAction.RETURN and not text.strip():
        return "退回整改须填写理由。"
    elif action == RectificationAction.EDIT:
        if not text.strip():
            return "须填写问题和整改要求。"
        if deadline is None:
            return "须填写整改期限。"
    return None


def _wrong_status(action: RectificationAction, status: str) -> str:
    if status == CONFIRMED:
        return f"该整改事项已确认，不能{_VERB[action]}。"
    if action in (RectificationAction.RETURN, RectificationAction.CONFIRM):
        return f"该整改事项{status_label(status)}，单位尚未报送整改完成，不能{_VERB[action]}。"
    if status == DONE:
        return f"该整改事项已报送整改完成，等待财政确认，不能{_VERB[action]}。"
    return f"该整改事项{status_label(status)}，不能{_VERB[action]}。"


def allowed(action: RectificationAction, status: str, capacities, *, source: str = MANUAL,
            response: str = "") -> bool:
    """Whether the page offers `action` (the texts are asked for on the form; a warning without
    a response shows REPORT_DONE only once the response is chosen)."""
    return refusal(action, status, capacities, source=source, response=response, text="-",
                   chosen="continue", deadline=datetime.date.min) is None
