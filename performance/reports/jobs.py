"""A unit's reports exported together as one zip (ReportJob), built by a Celery task that
records its progress after each report (docs/reports.md).

* `start_zip(unit, period, user)` creates the job (queued, with the number of reports) and
  enqueues `performance.tasks.build_report_zip` after the commit. When the broker cannot be
  reached the job is built at once if it holds at most REPORT_ZIP_INLINE_MAX reports, else it
  is marked failed with the reason: never a 500.
* `build_zip(job_id)` claims the job with a conditional UPDATE (queued → running), so a task
  delivered twice builds it once; writes each report into the zip and counts it (`done`, a
  conditional UPDATE a polling page sees at once); stores the zip in the private (evidence)
  storage; done. Any error marks the job failed with a message naming the report, and the
  project, that failed.
* Each report beats the job's heartbeat (heartbeat_at), so performance.services.stale_jobs
  fails a job whose worker died; `retry_zip(job)` queues a failed job again (docs/limits.md).

What a zip holds: in a self-evaluation period every project's 自评报告 (Word) and the unit's
自评表 (Excel); in a monitoring period the unit's 监控报告 (Word) and its 监控表 (Excel).
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from budget.models import Project
from performance.excel.report import report_workbook
from performance.excel.sheets import to_bytes
from performance.models import ReportJob, ReportJobStatus

from . import render

logger = logging.getLogger(__name__)
SPOOL_BYTES = 32 * 1024 * 1024  # the zip is kept in memory up to this size, then on disk
ERROR_LIMIT = 300


@dataclass(frozen=True)
class ReportItem:
    name: str  # the file name in the zip
    label: str  # what the error message names: 项目“…”的自评报告
    make: Callable[[], bytes]


def _projects(unit, period):
    return (Project.objects.filter(unit=unit, year=period.year)
            .select_related("unit", "goal").order_by("name", "id"))


def report_count(unit, period) -> int:
    """How many reports the unit's zip holds in `period` (one query)."""
    if period.is_monitoring:
        return 2
    return _projects(unit, period).count() + 1


def report_items(unit, period) -> list[ReportItem]:
    """The reports of the zip, in order, each made when asked (one query for the projects)."""
    kind = "监控表" if period.is_monitoring else "自评表"
    workbook = ReportItem(
        render.safe_name(f"{period.year}_{kind}_{unit.code}_{period.code}", ".xlsx"),
        f"本单位{kind}（Excel）", lambda: to_bytes(report_workbook(period, unit)))
    if period.is_monitoring:
        return [ReportItem(render.monitoring_name(unit, period), "本单位监控报告",
                           partial(render.render_monitoring, unit, period)), workbook]
    items, seen = [], set()
    for project in _projects(unit, period):
        name = render.self_evaluation_name(project, period)
        if name in seen:  # two projects of the same name: keep both
            name = render.safe_name(f"{name.removesuffix('.docx')}_{project.pk}")
        seen.add(name)
        items.append(ReportItem(name, f"项目“{project.name}”的自评报告",
                                partial(render.render_self_evaluation, project, period)))
    return [*items, workbook]


def start_zip(unit, period, user) -> ReportJob:
    """Create the job and have it built by Celery after the commit (see the module)."""
    job = ReportJob.objects.create(unit=unit, period=period, created_by=user,
                                   total=report_count(unit, period))
    transaction.on_commit(partial(enqueue, job.pk))
    job.refresh_from_db()  # built already when the broker was down outside a transaction
    return job


def enqueue(job_id: int) -> None:
    """Send the job to Celery; when the broker cannot be reached, degrade (see the module)."""
    from performance.tasks import build_report_zip, send_at_once

    try:
        send_at_once(build_report_zip, job_id)  # tried once: a broker that is down fails at once
    except (OperationalError, OSError, RuntimeError):  # RuntimeError: a result backend given up
        logger.warning("report zip %s: the Celery broker is unreachable", job_id, exc_info=True)
        job = ReportJob.objects.get(pk=job_id)
        limit = settings.REPORT_ZIP_INLINE_MAX
        if job.total <= limit:
            build_zip(job_id)
        else:
            _fail(job_id, f"后台任务服务暂时无法连接，本单位共 {job.total} 份报告，超过可立即生成的"
                          f" {limit} 份，未能打包。请稍后重试，或联系管理员检查后台任务服务。")


def retry_zip(job: ReportJob) -> ReportJob:
    """Queue a failed job again and send it after the commit (as start_zip). Raises
    ValueError when the job has not failed (or another retry got there first)."""
    if not ReportJob.objects.filter(pk=job.pk, status=ReportJobStatus.FAILED).update(
            status=ReportJobStatus.QUEUED, done=0, error="", file="", started_at=None,
            finished_at=None, heartbeat_at=timezone.now()):
        raise ValueError("只有失败的打包任务可以重试")
    transaction.on_commit(partial(enqueue, job.pk))
    job.refresh_from_db()
    return job


def build_zip(job_id: int) -> str | None:
    """Build the job's zip (see the module). Returns the final status, or None when the job
    was not queued (already claimed by another delivery of the task, or finished)."""
    now = timezone.now()
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJobStatus.QUEUED).update(
        status=ReportJobStatus.RUNNING, started_at=now, heartbeat_at=now, done=0)
    if not claimed:
        logger.info("report zip %s: not queued any more, nothing to do", job_id)
        return None
    job = ReportJob.objects.select_related("unit", "period").get(pk=job_id)
    label = "报告清单"
    try:
        items = report_items(job.unit, job.period)
        ReportJob.objects.filter(pk=job_id).update(total=len(items))
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
                for item in items:
                    label = item.label
                    archive.writestr(item.name, item.make())
                    ReportJob.objects.filter(pk=job_id, status=ReportJobStatus.RUNNING).update(
                        done=F("done") + 1, heartbeat_at=timezone.now())
            label = "压缩包"
            spool.seek(0)
            name = render.safe_name(f"{job.period.year}_报告_{job.unit.code}_{job.period.code}",
                                    ".zip")
            job.file.save(name, File(spool, name=name), save=False)
    except Exception as exc:  # noqa: BLE001 — any error ends the job with its message
        logger.exception("report zip %s failed at %s", job_id, label)
        detail = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
        _fail(job_id, f"生成{label}时出错，压缩包未完成。错误：{detail}")
        return ReportJobStatus.FAILED
    ReportJob.objects.filter(pk=job_id, status=ReportJobStatus.RUNNING).update(
        file=job.file.name, status=ReportJobStatus.DONE, done=len(items),
        finished_at=timezone.now())
    return ReportJobStatus.DONE


def _fail(job_id: int, message: str) -> None:
    ReportJob.objects.filter(pk=job_id).exclude(status=ReportJobStatus.DONE).update(
        status=ReportJobStatus.FAILED, error=message, finished_at=timezone.now())
