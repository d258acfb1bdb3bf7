"""The 整改 steps of the reminder scan (docs/rectification.md, "Raised automatically and
reminded"): what open 整改事项 owe today, as unsaved ReminderLog claim rows that the scan
claims and delivers like every other reminder — so each step reaches each person exactly once
(the unique (period, scope, recipient, step) claim is inserted before anything is sent).

Steps, for an item still 待整改 or 整改中 (已整改 / 已确认 items owe nothing):
  * `rect-<id>-response-due` — a monitoring warning whose response deadline has passed without
    the unit's choice (继续执行 / 调剂 / 取消): once, to the unit's 填报人 and 单位审核人;
  * `rect-<id>-overdue-<d>` — the item past its deadline by d days, d from
    REMINDERS["rectification_overdue_days"] (default 1, 7, 14, 30): the latest step reached
    only (a day the beat missed is caught up, never as a backlog), to the same people;
  * `rect-overdue-<Monday>` — finance: a weekly summary of the overdue items per unit, one per
    period with overdue items (scope "*"), claimed by the week's first scan.
Scope is the unit's code (or "*"), period the item's period; the audience reuses the existing
choices (填报人 FILLER, 单位审核人 REVIEWER, 财政 FINANCE): the step says it is a 整改 reminder.
Two queries when something is owed (the items, the people), one otherwise.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse

from budget.models import Membership, Role
from performance.models import Rectification, ReminderAudience, ReminderLog
from performance.rectifying import OPEN, WARNING_SOURCES

from .messages import absolute, unit_label

logger = logging.getLogger(__name__)

PREFIX = "rect-"
OVERDUE_DAYS = [1, 7, 14, 30]
MAX_ITEMS = 2000  # per scan, oldest deadline first; the rest wait for the next scan
FINANCE_LIST_LIMIT = 200
PROBLEM_CHARS = 200


def response_step(item_id: int) -> str:
    return f"{PREFIX}{item_id}-response-due"


def overdue_step(item_id: int, days: int) -> str:
    return f"{PREFIX}{item_id}-overdue-{days}"


def finance_step(today: datetime.date) -> str:
    """The week's step: keyed by its Monday, so the week's first scan claims it."""
    monday = today - datetime.timedelta(days=today.weekday())
    return f"{PREFIX}overdue-{monday.isoformat()}"


def overdue_days(cfg: dict) -> list[int]:
    return sorted({d for d in cfg.get("rectification_overdue_days", OVERDUE_DAYS) if d > 0})


def overdue_reached(deadline: datetime.date, today: datetime.date, cfg: dict) -> int | None:
    """The latest overdue step reached on `today` (days past the deadline), or None."""
    late = (today - deadline).days
    reached = [d for d in overdue_days(cfg) if d <= late]
    return reached[-1] if reached else None


def owed(today: datetime.date, cfg: dict) -> list[ReminderLog]:
    """Unsaved claim rows for every 整改 step owed on `today`."""
    response_due = Q(source__in=WARNING_SOURCES, response="", response_deadline__lt=today)
    items = list(
        Rectification.objects.filter(status__in=OPEN)
        .filter(Q(deadline__lt=today) | response_due)
        .order_by("deadline", "id")
        .values_list("id", "period_id", "unit_id", "unit__code", "unit__name", "project__name",
                     "problem", "required_action", "deadline", "response_deadline", "source",
                     "response")[:MAX_ITEMS]
    )
    if not items:
        return []
    if len(items) == MAX_ITEMS:
        logger.warning("整改 reminders: more than %d items owed; the rest next scan", MAX_ITEMS)
    units = {unit_id for _, _, unit_id, *_ in items}
    finance_due = any(deadline < today for *_, deadline, _, _, _ in items)
    roles = Q(role__in=[Role.FILLER, Role.UNIT_REVIEWER], unit_id__in=units)
    if finance_due and cfg.get("finance_summary", True):
        roles |= Q(role=Role.FINANCE_REVIEWER)
    people = defaultdict(list)  # unit id → [(user id, audience)]
    finance = []
    for user_id, unit_id, role in (Membership.objects.filter(roles, user__is_active=True)
                                   .order_by("user_id").values_list("user_id", "unit_id", "role")
                                   .distinct()):
        if role == Role.FINANCE_REVIEWER:
            if user_id not in finance:
                finance.append(user_id)
        elif unit_id in units:
            audience = (ReminderAudience.FILLER if role == Role.FILLER
                        else ReminderAudience.REVIEWER)
            if (user_id, audience) not in people[unit_id]:
                people[unit_id].append((user_id, audience))

    rows = []
    overdue_by_period = defaultdict(lambda: defaultdict(list))
    for (pk, period_id, unit_id, code, unit_name, project, problem, action, deadline,
         response_deadline, source, response) in items:
        steps = []
        if source in WARNING_SOURCES and not response and response_deadline is not None \
                and response_deadline < today:
            steps.append((response_step(pk), response_subject(project, response_deadline)))
        days = overdue_reached(deadline, today, cfg) if deadline < today else None
        if days is not None:
            steps.append((overdue_step(pk, days), overdue_subject(project, deadline, today)))
        if deadline < today:
            overdue_by_period[period_id][(code, unit_name)].append((project, deadline))
        if not steps:
            continue
        body = item_section(pk, (code, unit_name), project, problem, action, deadline,
                            response_deadline if source in WARNING_SOURCES else None)
        for step, subject in steps:
            for user_id, audience in people.get(unit_id, ()):
                rows.append(ReminderLog(period_id=period_id, unit_id=unit_id, scope=code,
                                        recipient_id=user_id, audience=audience, step=step,
                                        subject=subject, body=body))
    if finance:
        step = finance_step(today)
        for period_id, by_unit in overdue_by_period.items():
            count = sum(len(v) for v in by_unit.values())
            subject = finance_subject(count, len(by_unit))
            body = finance_section(by_unit, today)
            rows += [ReminderLog(period_id=period_id, unit_id=None, scope="*",
                                 recipient_id=user_id, audience=ReminderAudience.FINANCE,
                                 step=step, subject=subject, body=body)
                     for user_id in finance]
    return rows


# --- text --------------------------------------------------------------------------------------


def item_link(item_id: int) -> str:
    return absolute(reverse("rectification:detail", args=[item_id]))


def list_link(query: str = "") -> str:
    return absolute(reverse("rectification:list") + (f"?{query}" if query else ""))


def response_subject(project: str, response_deadline: datetime.date) -> str:
    return (f"【绩效通】整改事项未按期选择应对方式：{project}"
            f"（期限 {response_deadline:%Y-%m-%d}）")[:200]


def overdue_subject(project: str, deadline: datetime.date, today: datetime.date) -> str:
    return (f"【绩效通】整改事项已逾期 {(today - deadline).days} 天：{project}"
            f"（整改期限 {deadline:%Y-%m-%d}）")[:200]


def finance_subject(items: int, units: int) -> str:
    return f"【绩效通】整改逾期周报：{units} 个单位 {items} 项整改事项已逾期"


def item_section(item_id, unit, project, problem, action, deadline, response_deadline) -> str:
    problem = problem if len(problem) <= PROBLEM_CHARS else problem[:PROBLEM_CHARS] + "……"
    lines = [f"{unit_label(*unit)}：{project}", f"  问题：{problem}", f"  整改要求：{action}",
             f"  整改期限：{deadline:%Y-%m-%d}"]
    if response_deadline is not None:
        lines.append(f"  应对方式（继续执行、调剂或取消）选择期限：{response_deadline:%Y-%m-%d}")
    lines.append(f"  处理：{item_link(item_id)}")
    return "\n".join(lines)


def finance_section(by_unit: dict, today: datetime.date) -> str:
    """by_unit = {(code, name): [(project, deadline)]}, listed by unit code."""
    units = sorted(by_unit.items())
    lines = [f"截至 {today:%Y-%m-%d} 已逾期的整改事项（未报送整改完成）："]
    for (code, name), items in units[:FINANCE_LIST_LIMIT]:
        oldest = min(deadline for _, deadline in items)
        lines.append(f"  · {unit_label(code, name)}：{len(items)} 项，最早期限 {oldest:%Y-%m-%d}")
    if len(units) > FINANCE_LIST_LIMIT:
        lines.append(f"  …… 另有 {len(units) - FINANCE_LIST_LIMIT} 个单位，请在系统中查看")
    lines.append(f"逾期整改事项：{list_link('overdue=on')}")
    return "\n".join(lines)
