"""Celery tasks: each only fetches by id and calls a service."""

from celery import shared_task

from performance.models import ImportJob
from performance.reminders.tasks import scan_reminders, send_reminder  # noqa: F401 (registers them)


@shared_task
def run_import_job(job_id: int) -> str:
    from performance.excel.jobs import run_job

    job = ImportJob.objects.get(pk=job_id)
    return run_job(job).status
