"""Celery tasks of the reminders: plain arguments in, a service call, nothing scheduled ahead.

scan_reminders runs hourly (CELERY_BEAT_SCHEDULE); it claims what is owed and enqueues one
send_reminder per message once the claims are committed.
"""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import delivery, service


@shared_task
def scan_reminders(now: str | None = None) -> dict:
    result = service.scan(parse_datetime(now) if now else None)
    for message in result.messages:
        send_reminder.delay_on_commit(message.log_ids, message.attempt)
    return result.summary()


@shared_task
def send_reminder(log_ids: list[int], attempt: int = 0) -> str:
    return delivery.deliver(log_ids, attempt)
