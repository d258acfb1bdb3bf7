"""Jobs whose worker died: an import (ImportJob) or a report zip (ReportJob) that has shown no
sign of life for JOB_STALE_MINUTES is marked failed, so its page stops waiting and offers to
retry it (docs/limits.md). Run every 5 minutes by performance.tasks.fail_stale_jobs.

A job's last sign of life is its heartbeat (heartbeat_at: set when it starts, at each stage
of an import, after each report of a zip, and when it is retried), or its creation when it
has none yet.

* Running with no heartbeat for N minutes: the worker was killed (a deploy, the OOM killer,
  a hard time limit) → failed, “任务中断（超过 N 分钟无响应），请重试。”
* Pending (an import) or queued (a zip) for N minutes without starting: the task was lost or
  no worker is running → failed too, “任务未能开始…”. Should the task still arrive later, it
  finds the job no longer pending and does nothing; the user's retry sends a new one.

Each is one conditional UPDATE (status and age in the WHERE clause), so a job that beats or
finishes meanwhile is left alone. A worker that was only slow and finishes after all still
records its outcome on an import (the data it wrote are real); a zip that finishes after
being failed is discarded, the retry builds it again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from performance.models import ImportJob, ImportStatus, ReportJob, ReportJobStatus

logger = logging.getLogger(__name__)


def interrupted_text(minutes: int) -> str:
    return f"任务中断（超过 {minutes} 分钟无响应），请重试。"


def never_started_text(minutes: int) -> str:
    return f"任务未能开始（排队超过 {minutes} 分钟，后台任务服务可能未运行），请重试。"


def _silent_since(cutoff) -> Q:
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)


def fail_stale_jobs(now: datetime.datetime | None = None) -> dict[str, int]:
    """Fail the stale jobs (see the module); how many of each kind."""
    now = now or timezone.now()
    minutes = settings.JOB_STALE_MINUTES
    silent = _silent_since(now - datetime.timedelta(minutes=minutes))
    counts = {}
    for label, status, message in (("imports_running", ImportStatus.RUNNING,
                                    interrupted_text(minutes)),
                                   ("imports_pending", ImportStatus.PENDING,
                                    never_started_text(minutes))):
        counts[label] = ImportJob.objects.filter(silent, status=status).update(
            status=ImportStatus.FAILED, errors=[message], error_count=1, finished_at=now)
    for label, status, message in (("zips_running", ReportJobStatus.RUNNING,
                                    interrupted_text(minutes)),
                                   ("zips_queued", ReportJobStatus.QUEUED,
                                    never_started_text(minutes))):
        counts[label] = ReportJob.objects.filter(silent, status=status).update(
            status=ReportJobStatus.FAILED, error=message, finished_at=now)
    if any(counts.values()):
        logger.warning("stale jobs marked failed: %s", counts)
    return counts
