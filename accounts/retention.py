"""Keeping the security audit log for AUDIT_LOG_RETENTION_DAYS (at least 180, 等保 2.0) and no
longer: older events are deleted in batches, daily (accounts.tasks, CELERY_BEAT_SCHEDULE) or by
`manage.py prune_security_events`. django-axes' login log (AccessLog) follows the same rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import SecurityEvent

BATCH_SIZE = 2000
MIN_DAYS = 180


@dataclass(frozen=True)
class Pruned:
    events: int
    access_logs: int
    cutoff: object

    def summary(self) -> str:
        return (f"已删除 {timezone.localtime(self.cutoff):%Y-%m-%d %H:%M} 之前的安全审计日志 "
                f"{self.events} 条、登录记录 {self.access_logs} 条")


def prune(days: int | None = None, *, batch_size: int = BATCH_SIZE,
          max_batches: int = 1000) -> Pruned:
    """Delete events older than `days` (default AUDIT_LOG_RETENTION_DAYS, never under 180), at
    most `batch_size` per transaction and `max_batches` batches per run (the next run goes on)."""
    days = max(MIN_DAYS, settings.AUDIT_LOG_RETENTION_DAYS if days is None else int(days))
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    for _ in range(max_batches):
        with transaction.atomic():
            ids = list(SecurityEvent.objects.filter(at__lt=cutoff).order_by("at", "id")
                       .values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            deleted += SecurityEvent.objects.filter(pk__in=ids).delete()[0]
    return Pruned(events=deleted, access_logs=_prune_access_logs(days), cutoff=cutoff)


def _prune_access_logs(days: int) -> int:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.reset_logs(age_days=days) or 0
