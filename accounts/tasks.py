"""Celery tasks of the accounts app: each calls a service."""

from celery import shared_task


@shared_task(ignore_result=True)
def prune_security_events() -> str:
    """Daily (CELERY_BEAT_SCHEDULE): delete audit events older than AUDIT_LOG_RETENTION_DAYS."""
    from .retention import prune

    return prune().summary()
