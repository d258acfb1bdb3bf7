"""Celery task of the actuals upload (registered through CELERY_IMPORTS): fetch by id and call
the service."""

from celery import shared_task

from performance.models import ImportJob


@shared_task
def run_actuals_upload(job_id: int) -> str:
    from performance.services.uploads import run_upload

    job = ImportJob.objects.select_related("period", "created_by").get(pk=job_id)
    return run_upload(job).status
