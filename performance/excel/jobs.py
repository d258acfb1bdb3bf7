"""Imports started in the web (the admin's import pages and the units' upload): an ImportJob
keeps the file, who started it, by which channel and with which options, and the outcome;
small files run at once, larger ones in a Celery task (performance.tasks) enqueued after the
commit. Actuals go through the one write path like every other channel.

Bounded and never stuck (docs/limits.md): a job keeps at most IMPORT_MAX_ERRORS problems and
counts the rest (error_count); any error ends it failed with a message; it beats its
heartbeat at each stage, so performance.services.stale_jobs fails one whose worker died; a
failed job can be retried. When the broker cannot be reached, a file up to
UPLOAD_INLINE_MAX_BYTES is imported in the request, a larger one fails at once with
“稍后再试” — never a 500, never an orphan job. Each finished import is a security event.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.audit import record
from accounts.models import SecurityEventKind
from performance.models import ImportJob, ImportKind, ImportStatus
from performance.services.values import EntryRefused
from performance.workflow import Channel

from .actuals_import import import_actuals
from .cli import finding_text
from .errors import BadFile, ExcelImportError
from .reader import Limits
from .targets_import import import_targets

logger = logging.getLogger(__name__)
MAX_NOTES = 500
BROKER_DOWN = "后台任务服务暂时不可用，文件较大无法立即处理，请稍后再试。"


def create_job(upload, *, kind: str, user=None, year: int | None = None, period=None,
               replace: bool = False, units=None, channel: str = Channel.ADMIN,
               clear_blanks: bool = False, overwrite: bool = False,
               dry_run: bool = True) -> ImportJob:
    """Keep the upload in an ImportJob (a dry run until confirmed). Refuses, before saving
    anything, an upload over EXCEL_MAX_UPLOAD_BYTES."""
    limit = settings.EXCEL_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise BadFile(f"文件大小 {upload.size / 2**20:.1f} MB，超过上限 {limit / 2**20:.0f} MB",
                      upload.name)
    return ImportJob.objects.create(
        file=upload, original_name=upload.name[:255], kind=kind, year=year, period=period,
        replace=replace, unit_codes=None if units is None else sorted(_codes(units)),
        created_by=user, channel=channel, clear_blanks=clear_blanks, overwrite=overwrite,
        dry_run=dry_run,
    )


def _codes(units) -> set[str]:
    return {getattr(unit, "code", unit) for unit in units}


def start(job: ImportJob) -> ImportJob:
    """Run the job now when its file is small, else enqueue it after the commit (see the
    module for a broker that cannot be reached)."""
    if job.file.size <= settings.EXCEL_ASYNC_THRESHOLD_BYTES:
        return run_job(job)
    transaction.on_commit(partial(enqueue, job.pk))
    job.refresh_from_db()  # run or failed already when the broker was down, outside a transaction
    return job


def enqueue(job_id: int) -> None:
    """Send the job to Celery: no result stored and no retrying, so a broker that is down
    fails at once; then import a small file here, or fail the job with the reason."""
    from performance.tasks import run_import_job, send_at_once

    try:
        send_at_once(run_import_job, job_id)
    except (OperationalError, OSError, RuntimeError):  # RuntimeError: a result backend given up
        logger.warning("import job %s: the Celery broker is unreachable", job_id, exc_info=True)
        job = ImportJob.objects.get(pk=job_id)
        if job.file.size <= settings.UPLOAD_INLINE_MAX_BYTES:
            run_job(job)
        else:
            _update(job, status=ImportStatus.FAILED, errors=[BROKER_DOWN], error_count=1,
                    finished_at=timezone.now())


def confirm(job: ImportJob) -> ImportJob:
    """Run a previewed (dry-run) job for real."""
    if not (job.dry_run and job.status == ImportStatus.DONE):
        raise ValueError("只有预览成功的导入任务可以确认导入")
    _update(job, dry_run=False)
    _reset(job)
    return start(job)


def retry(job: ImportJob) -> ImportJob:
    """Start a failed job again from its kept file (its creator or an administrator: the
    views check). Raises ValueError when the job has not failed, or was retried already."""
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.FAILED).update(
            status=ImportStatus.PENDING):
        raise ValueError("只有失败的导入任务可以重试")
    _reset(job)
    return start(job)


def _reset(job: ImportJob) -> None:
    """Pending again; the heartbeat says when (performance.services.stale_jobs)."""
    _update(job, status=ImportStatus.PENDING, progress=0, errors=[], error_count=0, notes=[],
            summary="", started_at=None, finished_at=None, heartbeat_at=timezone.now())


def omitted(job: ImportJob) -> int:
    """The problems counted but not kept (the first error line is the headline)."""
    listed = len(job.errors) - 1 if len(job.errors) > 1 else len(job.errors)
    return max(job.error_count - listed, 0)


def run_job(job: ImportJob) -> ImportJob:
    """Run the import the job describes and record its outcome. Never raises: a bad file or a
    refusal keeps its messages; anything else is logged and ends the job failed."""
    now = timezone.now()
    _update(job, status=ImportStatus.RUNNING, progress=0, started_at=now, heartbeat_at=now)
    try:
        with job.file.open("rb") as handle:
            summary, notes = _run(job, handle)
    except ExcelImportError as exc:
        _update(job, status=ImportStatus.FAILED, errors=[exc.headline(), *exc.messages()],
                error_count=exc.total, finished_at=timezone.now())
    except EntryRefused as exc:
        _update(job, status=ImportStatus.FAILED, errors=[str(exc)], error_count=1,
                finished_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 — the job ends failed, the worker goes on
        logger.exception("import job %s (%s) failed", job.pk, job.original_name)
        _update(job, status=ImportStatus.FAILED, error_count=1, finished_at=timezone.now(),
                errors=[f"导入失败：内部错误（{type(exc).__name__}）。请联系管理员。"])
    else:
        _update(job, status=ImportStatus.DONE, progress=100, summary=summary,
                notes=notes[:MAX_NOTES], errors=[], error_count=0, finished_at=timezone.now())
    _audit(job)
    return job


def _audit(job: ImportJob) -> None:
    what = "预览" if job.dry_run else "导入"
    outcome = job.summary if job.status == ImportStatus.DONE else (job.errors or [""])[0]
    record(SecurityEventKind.IMPORT, user=job.created_by, target=job.original_name,
           detail=f"{job.get_kind_display()}{what}（{job.get_channel_display()}，任务 {job.pk}）"
                  f"{job.get_status_display()}：{outcome}"[:2000])


def _run(job: ImportJob, handle) -> tuple[str, list[str]]:
    limits = Limits.from_settings()
    name = job.original_name or job.file.name

    def beat(percent: int) -> None:
        _update(job, progress=percent, heartbeat_at=timezone.now())

    if job.kind == ImportKind.TARGETS:
        outcome = import_targets(handle, job.year, dry_run=job.dry_run, replace=job.replace,
                                 filename=name, limits=limits, user=job.created_by,
                                 channel=job.channel or Channel.ADMIN, progress=beat)
        notes = [f"调整申请：{notice}" for notice in outcome.result.notices]
        notes += [f"文件中缺少的指标：{m}" for m in outcome.result.missing]
        notes += [f"文件中缺少的项目：{m}" for m in outcome.missing_projects]
        notes += outcome.link_notes()
        notes += [finding_text(f) for f in outcome.findings]
        return outcome.summary(), notes
    result = import_actuals(
        handle, job.period, units=job.unit_codes, dry_run=job.dry_run, filename=name,
        user=job.created_by, limits=limits, channel=job.channel,
        clear_blanks=job.clear_blanks, overwrite=job.overwrite,
        progress=beat,
    )
    return result.summary(), []


def _update(job: ImportJob, **fields) -> None:
    """Write the job's state at once, outside the import's transaction."""
    for name, value in fields.items():
        setattr(job, name, value)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(**fields)
