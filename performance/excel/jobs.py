"""Imports started in the web (the admin's import pages and the units' upload): an ImportJob
keeps the file, who started it, by which channel and with which options, and the outcome;
small files run at once, larger ones in a Celery task (performance.tasks) enqueued after the
commit. Actuals go through the one write path like every other channel."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from performance.models import ImportJob, ImportKind, ImportStatus
from performance.services.values import EntryRefused
from performance.workflow import Channel

from .actuals_import import import_actuals
from .cli import finding_text
from .errors import BadFile, ExcelImportError
from .reader import Limits
from .targets_import import import_targets

MAX_NOTES = 500


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
    """Run the job now when its file is small, else enqueue it (after the commit)."""
    if job.file.size <= settings.EXCEL_ASYNC_THRESHOLD_BYTES:
        return run_job(job)
    from performance.tasks import run_import_job

    run_import_job.delay_on_commit(job.pk)
    return job


def confirm(job: ImportJob) -> ImportJob:
    """Run a previewed (dry-run) job for real."""
    if not (job.dry_run and job.status == ImportStatus.DONE):
        raise ValueError("只有预览成功的导入任务可以确认导入")
    job.dry_run = False
    job.status, job.progress, job.errors, job.notes = ImportStatus.PENDING, 0, [], []
    job.save(update_fields=["dry_run", "status", "progress", "errors", "notes"])
    return start(job)


def run_job(job: ImportJob) -> ImportJob:
    """Run the import the job describes and record its outcome (never raises on bad input)."""
    _update(job, status=ImportStatus.RUNNING, progress=0, started_at=timezone.now())
    try:
        with job.file.open("rb") as handle:
            summary, notes = _run(job, handle)
    except ExcelImportError as exc:
        _update(job, status=ImportStatus.FAILED, errors=[exc.headline(), *exc.messages()],
                finished_at=timezone.now())
        return job
    except EntryRefused as exc:
        _update(job, status=ImportStatus.FAILED, errors=[str(exc)], finished_at=timezone.now())
        return job
    _update(job, status=ImportStatus.DONE, progress=100, summary=summary, notes=notes[:MAX_NOTES],
            errors=[], finished_at=timezone.now())
    return job


def _run(job: ImportJob, handle) -> tuple[str, list[str]]:
    limits = Limits.from_settings()
    name = job.original_name or job.file.name
    if job.kind == ImportKind.TARGETS:
        outcome = import_targets(handle, job.year, dry_run=job.dry_run, replace=job.replace,
                                 filename=name, limits=limits, user=job.created_by,
                                 channel=job.channel or Channel.ADMIN)
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
        progress=lambda percent: _update(job, progress=percent),
    )
    return result.summary(), []


def _update(job: ImportJob, **fields) -> None:
    """Write the job's state at once, outside the import's transaction."""
    for name, value in fields.items():
        setattr(job, name, value)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(**fields)
