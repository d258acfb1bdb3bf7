"""Actuals uploaded from the project list: an ImportJob restricted to the user's own units,
run now when small or by Celery, then the history and the snapshots of what it changed.

The importer writes with a raw upsert (INSERT … ON CONFLICT), which bypasses
django-simple-history. So after a real import this service finds the records the job wrote
(stamped with its user, after its start, and without a history row of their own since) and
creates their historical rows in bulk (`bulk_history_create`, reason “Excel 导入”), then
refreshes the snapshots of their projects.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from performance.access import fill_units
from performance.excel import jobs
from performance.models import (
    ImportJob,
    ImportKind,
    ImportStatus,
    IndicatorRecord,
    ProjectRecord,
)

from .entry import EntryRefused, lock_text

CHUNK = 2000


def start_upload(upload, period, user) -> ImportJob:
    """Keep the upload as an ImportJob for `period`, writing only the user's own units; run it
    now if small, else in a Celery task after the commit. Raises PermissionDenied (no unit to
    fill in), EntryRefused (locked period) or performance.excel.errors.BadFile (too large)."""
    units = list(fill_units(user).values_list("code", flat=True))
    if not units:
        raise PermissionDenied("只有填报人可以上传完成值。")
    if period.is_locked:
        raise EntryRefused(lock_text(period))
    job = jobs.create_job(upload, kind=ImportKind.ACTUALS, user=user, period=period, units=units)
    job.dry_run = False
    job.save(update_fields=["dry_run"])
    if job.file.size <= settings.EXCEL_ASYNC_THRESHOLD_BYTES:
        return run_upload(job)
    from performance.entry.tasks import run_actuals_upload

    transaction.on_commit(lambda: run_actuals_upload.delay(job.pk))
    return job


def run_upload(job: ImportJob) -> ImportJob:
    """Run the import (which refreshes the snapshots it changed), then record the history."""
    jobs.run_job(job)
    if job.status == ImportStatus.DONE and not job.dry_run:
        record_import_history(job)
    return job


def record_import_history(job: ImportJob) -> set[int]:
    """Historical rows for the records `job` wrote; returns the ids of their projects."""
    reason = f"Excel 导入：{job.original_name}"[:100]
    projects: set[int] = set()
    for model, project in ((IndicatorRecord, "indicator__project"), (ProjectRecord, "project")):
        rows = model.objects.filter(period=job.period, updated_by=job.created_by,
                                    updated_at__gte=job.started_at)
        if job.unit_codes is not None:
            rows = rows.filter(**{f"{project}__unit__code__in": job.unit_codes})
        since = model.history.filter(period_id=job.period_id, history_date__gte=job.started_at)
        rows = rows.exclude(id__in=since.values("id")).annotate(project_ref=F(f"{project}_id"))
        created, changed = [], []
        for record in rows.iterator(chunk_size=CHUNK):
            record._history_date = record.updated_at
            (created if record.version == 0 else changed).append(record)
            projects.add(record.project_ref)
        for objs, update in ((created, False), (changed, True)):
            for start in range(0, len(objs), CHUNK):
                model.history.bulk_history_create(
                    objs[start:start + CHUNK], update=update, default_user=job.created_by,
                    default_change_reason=reason)
    return projects
