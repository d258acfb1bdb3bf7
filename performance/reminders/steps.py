"""Which reminder step is due on a day: pure functions over settings.REMINDERS.

Filler steps are keyed by their offset from the deadline: before-7, before-3, before-1, due,
overdue-2, overdue-4, … A scan sends the latest step reached (so a day the beat missed is
caught up by the next scan, but never as a backlog of older steps). Reviewer, 主管部门 and
finance steps are daily, keyed by the date: review-2025-08-20, department-2025-08-20,
finance-2025-08-20.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

DEFAULTS = {
    "before_days": [7, 3, 1],  # days before the deadline
    "on_due_day": True,  # a reminder on the deadline day itself
    "overdue_every_days": 2,  # after the deadline: every N days while overdue …
    "overdue_max": 5,  # … at most this many overdue reminders
    "review_after_days": 3,  # reviewers: waiting for their decision for this many days
    "finance_summary": True,  # finance staff: a daily summary of overdue units
    "retry_max_attempts": 5,  # a failed send is retried by later scans up to this many tries
    "retry_backoff_minutes": 60,  # waits 1, 2, 4, 8 … × this after each failed try began
    "unsent_grace_minutes": 10,  # a claim never tried after this long is dispatched again
    "quiet_hours": [22, 8],  # local hours [from, until) in which scans send nothing; [] = never
}


def config() -> dict:
    return {**DEFAULTS, **getattr(settings, "REMINDERS", {})}


@dataclass(frozen=True)
class Step:
    key: str  # stored in ReminderLog.step
    offset: int  # deadline − day, in days: 7 … 0 … −10


def filler_steps(cfg: dict | None = None) -> list[Step]:
    """Every filler step, earliest first."""
    cfg = cfg or config()
    steps = [Step(f"before-{d}", d) for d in sorted(set(cfg["before_days"]), reverse=True) if d > 0]
    if cfg["on_due_day"]:
        steps.append(Step("due", 0))
    every = cfg["overdue_every_days"]
    if every > 0:
        steps += [Step(f"overdue-{every * n}", -every * n) for n in range(1, cfg["overdue_max"] + 1)]
    return steps


def filler_step(deadline: datetime.date, today: datetime.date, cfg: dict | None = None):
    """The latest filler step reached on `today`, or None before the first one."""
    offset = (deadline - today).days
    reached = [step for step in filler_steps(cfg) if step.offset >= offset]
    return reached[-1] if reached else None


def review_step(today: datetime.date) -> str:
    return f"review-{today.isoformat()}"


def department_step(today: datetime.date) -> str:
    """A 主管部门审核人's daily step, apart from review-…: a person may review a unit and also
    its department, and each reminder is claimed once per (unit, recipient, step)."""
    return f"department-{today.isoformat()}"


def finance_step(today: datetime.date) -> str:
    return f"finance-{today.isoformat()}"


def retry_due(claimed_at: datetime.datetime, attempts: int, now: datetime.datetime,
              cfg: dict | None = None) -> bool:
    """Whether a failed claim may be tried again: 1, 2, 4 … backoff units after its last
    attempt began (`claimed_at`, stamped by delivery at each attempt)."""
    cfg = cfg or config()
    if attempts >= cfg["retry_max_attempts"]:
        return False
    units = 2 ** (attempts - 1) if attempts > 0 else 0
    wait = datetime.timedelta(minutes=cfg["retry_backoff_minutes"] * units)
    return now >= claimed_at + wait


def quiet(local: datetime.datetime, cfg: dict | None = None) -> bool:
    """Whether `local` (a local time) falls in the quiet hours, e.g. 22:00–08:00."""
    cfg = cfg or config()
    if not cfg["quiet_hours"]:
        return False
    start, end = cfg["quiet_hours"]
    hour = local.hour
    return start <= hour < end if start < end else hour >= start or hour < end
