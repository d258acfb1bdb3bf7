"""Reminder claims stuck after a crash (docs/workflow.md, "Reminders after a crash").

Delivery takes an attempt by raising ReminderLog.attempts and stamping claimed_at, sends, and
marks the rows sent or failed. A worker killed in between (or a database that went away before
the last write) leaves the rows claimed with attempts > 0: nothing else would ever send them.
The scan finds them once REMINDER_CLAIM_TIMEOUT_MINUTES have passed since the attempt began
(longer than any send can take: EMAIL_TIMEOUT bounds each SMTP call) and takes them up again
with a conditional UPDATE (still claimed, same attempts, claimed_at still before the cut-off →
claimed_at = now), so of two scans only one dispatches them; delivery's fence on attempts then
sends them once. A message whose last allowed attempt (retry_max_attempts) was the one that
never finished is marked failed instead.

What a recipient may see: never a lost reminder; at most one duplicate per crash, when the
worker died after the mail server had accepted the e-mail and before the row was marked sent.
The in-app notice is not duplicated (delivery creates it once).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings

from performance.models import ReminderLog, ReminderStatus

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_MINUTES = 30


def timeout_minutes() -> int:
    return int(getattr(settings, "REMINDER_CLAIM_TIMEOUT_MINUTES", DEFAULT_TIMEOUT_MINUTES))


def cutoff(now: datetime.datetime) -> datetime.datetime:
    """Claims whose attempt began before this are stuck."""
    return now - datetime.timedelta(minutes=timeout_minutes())


def is_stuck(row: ReminderLog) -> bool:
    """A row the scan's query found claimed after an attempt began (see service._retries)."""
    return row.status == ReminderStatus.CLAIMED and row.attempts > 0


def reclaim(messages: list, now: datetime.datetime, cfg: dict, *, dry_run: bool = False) -> list:
    """The stuck `messages` (service.Message) this scan takes up again, each re-claimed by one
    conditional UPDATE; those at their last attempt are marked failed. `dry_run` changes
    nothing and returns what would be sent again."""
    taken = []
    minutes = timeout_minutes()
    for message in messages:
        rows = ReminderLog.objects.filter(pk__in=message.log_ids, status=ReminderStatus.CLAIMED,
                                          attempts=message.attempt, claimed_at__lt=cutoff(now))
        if message.attempt >= cfg["retry_max_attempts"]:
            if not dry_run and rows.update(
                    status=ReminderStatus.FAILED,
                    error=f"第 {message.attempt} 次发送超过 {minutes} 分钟未完成（进程中断？），"
                          "已达最大尝试次数，不再发送。"):
                logger.error("reminder %s to %s stuck at its last attempt: failed",
                             message.log_ids, message.recipient)
            continue
        if dry_run:
            taken.append(message)
            continue
        if rows.update(claimed_at=now,
                       error=f"第 {message.attempt} 次发送超过 {minutes} 分钟未完成"
                             "（进程中断？），已重新发送。"):
            logger.warning("reminder %s to %s stuck since attempt %s: sent again",
                           message.log_ids, message.recipient, message.attempt)
            taken.append(message)
    return taken
