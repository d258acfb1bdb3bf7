"""Celery tasks: each only fetches by id and calls a service."""

from celery import shared_task

from performance.models import ImportJob
from performance.reminders.tasks import scan_reminders, send_reminder  # noqa: F401 (registers them)


def send_at_once(task, *args, **options) -> None:
    """Send `task` without waiting on a broker that is down: its own connection, tried once,
    and no publish retry (kombu's defaults retry for several seconds). Raises kombu's
    OperationalError (or OSError) at once; the caller degrades."""
    with task.app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)
        task.apply_async(args, retry=False, connection=connection, **options)


@shared_task(ignore_result=True)
def run_import_job(job_id: int) -> str | None:
    """An upload's import (performance.excel.jobs). No result is stored: the job row keeps
    the outcome, and sending needs only the broker, failing at once when it is down. A job
    that is not pending any more (a redelivery, or failed as stale meanwhile) is left alone."""
    from performance.excel.jobs import run_job
    from performance.models import ImportStatus

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.PENDING:
        return None
    return run_job(job).status


@shared_task(ignore_result=True)
def fail_stale_jobs() -> dict:
    """Every 5 minutes (CELERY_BEAT_SCHEDULE): imports and report zips whose worker died are
    marked failed, so they can be retried (performance.services.stale_jobs)."""
    from performance.services.stale_jobs import fail_stale_jobs as fail

    return fail()


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
