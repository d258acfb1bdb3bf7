"""Celery tasks: each only fetches by id and calls a service."""

from celery import shared_task

from performance.models import ImportJob
from performance.reminders.tasks import scan_reminders, send_reminder  # noqa: F401 (registers them)


@shared_task
def run_import_job(job_id: int) -> str:
    from performance.excel.jobs import run_job

    job = ImportJob.objects.get(pk=job_id)
    return run_job(job).status


@shared_task
def raise_rectifications(period_code: str | None = None) -> dict:
    """Daily (CELERY_BEAT_SCHEDULE): raise the 整改事项 of monitoring warnings and 复核
    deductions of this and last year's periods (or of one period), once per source."""
    from performance.models import ReportingPeriod
    from performance.services.rectification_sources import raise_all

    periods = None if period_code is None else list(
        ReportingPeriod.objects.filter(code=period_code))
    return {code: report.summary() for code, report in raise_all(periods=periods).items()}


@shared_task(ignore_result=True)
def build_report_zip(job_id: int) -> str | None:
    """A unit's reports as one zip (docs/reports.md): a redelivered task does nothing. The job
    row keeps the state, so no result is stored: sending then needs only the broker, and fails
    at once when it is down instead of retrying the result backend for 20 s."""
    from performance.reports.jobs import build_zip

    return build_zip(job_id)
