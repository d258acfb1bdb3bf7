"""Sending one reminder message: e-mail (Django's backend) and an in-app Notice.

`deliver(log_ids, attempt)` first takes the attempt with a conditional UPDATE on
ReminderLog.attempts (the fence): a redelivered task, or a second dispatch of the same claims,
updates nothing and sends nothing. A failure — an SMTP error, a server that does not answer
within EMAIL_TIMEOUT seconds — marks the rows failed with the error, is logged, and is retried
by a later scan (see service._retries); the in-app notice is created once.

A worker killed mid-send leaves its rows claimed (attempts taken, not sent): a scan takes them
up again once REMINDER_CLAIM_TIMEOUT_MINUTES have passed since the attempt began
(service._retries). So a reminder is never lost; if the kill came after the mail server had
accepted the e-mail, the recipient gets it twice — at most one duplicate per such crash
(docs/workflow.md, "Reminders after a crash").
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from performance.models import Notice, ReminderLog, ReminderStatus

from . import messages as text

logger = logging.getLogger(__name__)

SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


def deliver(log_ids: list[int], attempt: int = 0) -> str:
    # claimed_at: when this attempt began (a send that never finishes is taken up again
    # REMINDER_CLAIM_TIMEOUT_MINUTES later, and a failed one waits its backoff from here)
    taken = (ReminderLog.objects.filter(pk__in=log_ids, attempts=attempt)
             .exclude(status=ReminderStatus.SENT)
             .update(attempts=F("attempts") + 1, status=ReminderStatus.CLAIMED,
                     claimed_at=timezone.now()))
    if not taken:
        logger.info("reminder %s attempt %s already taken: nothing sent", log_ids, attempt)
        return SKIPPED
    rows = list(ReminderLog.objects.filter(pk__in=log_ids, attempts=attempt + 1,
                                           status=ReminderStatus.CLAIMED)
                .select_related("recipient").order_by("scope", "pk"))
    if not rows:
        return SKIPPED
    ids = [row.pk for row in rows]
    recipient, subject = rows[0].recipient, rows[0].subject
    sections = [row.body for row in rows]
    try:
        body = text.compose_body(recipient, subject, sections)
        # A first attempt cannot have left a notice; a retry may have (the e-mail failed).
        if attempt == 0 or not Notice.objects.filter(reminder_id__in=ids).exists():
            Notice.objects.create(recipient=recipient, subject=subject, body=body,
                                  url=text.first_path(sections), reminder=rows[0])
        if recipient.email:
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]).send()
    except Exception as exc:  # any failure (an SMTP error or EMAIL_TIMEOUT): retry later
        logger.exception("reminder %s to %s failed (attempt %s)", ids, recipient, attempt + 1)
        ReminderLog.objects.filter(pk__in=ids).update(
            status=ReminderStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return FAILED
    ReminderLog.objects.filter(pk__in=ids).update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), error=""
    )
    logger.info("reminder %s sent to %s: %s", ids, recipient, subject)
    return SENT
