"""The reminder scan: what is owed today, claimed once, handed to delivery.

`scan(now)` looks at every open period with a deadline and, in a constant number of queries
per period (no per-unit loop), finds
  * fillers of units with projects not yet submitted (the latest filler step reached),
  * unit reviewers of projects submitted and not reviewed for `review_after_days` (daily),
  * 主管部门审核人 of projects their units approved and the department has not decided for
    `review_after_days` (daily; only where the tier put projects at 单位已审核),
  * finance staff: a daily summary of overdue units, once the deadline has passed.
  * open 整改事项 past their response deadline or deadline, of any period (rectification_steps).
Each (period, unit or "*", recipient, step) is claimed by inserting its ReminderLog row (bulk;
the unique constraint makes a concurrent scan lose, IntegrityError = someone else has it).
The claims of one recipient and step form one message. Failed sends, claims never tried, and
sends a crash left unfinished (stuck.py) are picked up again by later scans. `dry_run` claims nothing. In the quiet hours
(22:00–08:00 by default) a scan does nothing: no reminder arrives at midnight.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from budget.models import Membership, Project, Role
from performance import workflow
from performance.models import (
    Indicator,
    IndicatorRecord,
    PeriodStatus,
    ProjectRecord,
    ReminderAudience,
    ReminderLog,
    ReminderStatus,
    ReportingPeriod,
)

from . import messages as text
from . import rectification_steps, stuck
from .steps import (
    config,
    department_step,
    filler_step,
    finance_step,
    quiet,
    retry_due,
    review_step,
)
from .workflow_notices import PREFIX as WORKFLOW_PREFIX

logger = logging.getLogger(__name__)



@dataclass
class Message:
    """What one recipient receives for one step of one period: one or more claimed rows."""

    period_id: int
    recipient_id: int
    recipient: str
    audience: str
    step: str
    subject: str
    scopes: list[str] = field(default_factory=list)
    log_ids: list[int] = field(default_factory=list)
    attempt: int = 0  # the ReminderLog.attempts value delivery expects (its fence)

    def describe(self) -> str:
        return f"{self.step} {self.audience} {self.recipient} [{', '.join(self.scopes)}] {self.subject}"


@dataclass
class ScanResult:
    new: list[Message] = field(default_factory=list)
    retries: list[Message] = field(default_factory=list)
    already_claimed: int = 0  # owed today but claimed earlier (or by a concurrent scan)
    quiet: bool = False  # the scan ran in the quiet hours and did nothing

    @property
    def messages(self) -> list[Message]:
        return self.new + self.retries

    def summary(self) -> dict:
        return {"new": len(self.new), "retries": len(self.retries),
                "claims": sum(len(m.log_ids) for m in self.new),
                "already_claimed": self.already_claimed, "quiet": self.quiet}


def scan(now: datetime.datetime | None = None, *, dry_run: bool = False) -> ScanResult:
    now = now or timezone.now()
    today = timezone.localdate(now)
    cfg = config()
    if quiet(timezone.localtime(now), cfg):
        return ScanResult(quiet=True)
    periods = list(ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, deadline__isnull=False))
    owed = [row for period in periods for row in _owed(period, today, now, cfg)]
    owed += rectification_steps.owed(today, cfg)  # open 整改事项 of any period
    claimed = _claimed_keys(owed)
    todo = [row for row in owed if _key(row) not in claimed]
    result = ScanResult(already_claimed=len(owed) - len(todo))
    if dry_run:
        result.new = _messages(todo, names=_names(todo))
        result.retries = _retries(periods, now, cfg, exclude=(), dry_run=True)
        return result
    won = _claim(todo)
    result.already_claimed += len(todo) - len(won)
    result.new = _messages(won, names=_names(won))
    result.retries = _retries(periods, now, cfg, exclude={row.pk for row in won})
    for message in result.new:
        logger.debug("reminder claimed: %s", message.describe())
    logger.info("reminder scan at %s: %s", now.isoformat(), result.summary())
    return result


# --- what is owed ---------------------------------------------------------------------------

def _owed(period, today, now, cfg) -> list[ReminderLog]:
    """Unsaved ReminderLog rows for everything this period owes today (recipient names aside)."""
    step = filler_step(period.deadline, today, cfg)
    offset = (period.deadline - today).days
    summary = cfg["finance_summary"] and offset < 0
    incomplete = _incomplete(period) if step or summary else Project.objects.none()
    waiting = _waiting(period, now - datetime.timedelta(days=cfg["review_after_days"]))
    at_unit = waiting.filter(status__in=workflow.AWAITING_UNIT_REVIEW)
    at_department = waiting.filter(status__in=workflow.AWAITING_DEPARTMENT_REVIEW)
    roles = (Q(role=Role.UNIT_REVIEWER, unit_id__in=at_unit.values("project__unit_id"))
             | Q(role=Role.DEPARTMENT_REVIEWER,
                 department_id__in=at_department.values("project__unit__department_id")))
    if step:
        roles |= Q(role=Role.FILLER, unit_id__in=incomplete.values("unit_id"))
    if summary:
        roles |= Q(role=Role.FINANCE_REVIEWER)
    members = list(Membership.objects.filter(roles, user__is_active=True)
                   .values_list("user_id", "unit_id", "role", "department_id").distinct())

    units, projects = {}, defaultdict(list)
    if step or summary:
        for pid, name, unit_id, code, unit_name, status, missing in incomplete.values_list(
            "id", "name", "unit_id", "unit__code", "unit__name", "record_status", "missing"
        ):
            units[unit_id] = (code, unit_name)
            projects[unit_id].append((pid, name, status, missing))
    reviews, decisions, department_units = defaultdict(list), defaultdict(list), defaultdict(list)
    for pid, name, unit_id, code, unit_name, department_id, status, since in waiting.values_list(
        "project_id", "project__name", "project__unit_id", "project__unit__code",
        "project__unit__name", "project__unit__department_id", "status", "since",
    ):
        units[unit_id] = (code, unit_name)
        if status in workflow.AWAITING_UNIT_REVIEW:
            reviews[unit_id].append((pid, name, timezone.localtime(since)))
            continue
        if unit_id not in decisions:
            department_units[department_id].append(unit_id)
        decisions[unit_id].append((pid, name, timezone.localtime(since)))

    fillers, reviewers, departments, finance = (defaultdict(list), defaultdict(list),
                                                defaultdict(list), [])
    for user_id, unit_id, role, department_id in members:
        if role == Role.FILLER and step and unit_id in projects:
            fillers[user_id].append(unit_id)
        elif role == Role.UNIT_REVIEWER and unit_id in reviews:
            reviewers[user_id].append(unit_id)
        elif role == Role.DEPARTMENT_REVIEWER and department_id in department_units:
            departments[user_id] += department_units[department_id]
        elif role == Role.FINANCE_REVIEWER and summary and projects:
            finance.append(user_id)

    rows = []
    sections = {}
    subject = text.filler_subject(period, offset)
    for user_id, unit_ids in fillers.items():
        for unit_id in unit_ids:
            if unit_id not in sections:
                sections[unit_id] = text.filler_section(units[unit_id], projects[unit_id],
                                                         period)
            rows.append(_row(period, unit_id, units[unit_id][0], user_id, ReminderAudience.FILLER,
                             step.key, subject, sections[unit_id]))
    for user_id, unit_ids in reviewers.items():
        count = sum(len(reviews[unit_id]) for unit_id in unit_ids)
        subject = text.reviewer_subject(period, count, cfg["review_after_days"])
        for unit_id in unit_ids:
            body = text.reviewer_section(units[unit_id], reviews[unit_id], period)
            rows.append(_row(period, unit_id, units[unit_id][0], user_id,
                             ReminderAudience.REVIEWER, review_step(today), subject, body))
    for user_id, unit_ids in departments.items():
        count = sum(len(decisions[unit_id]) for unit_id in unit_ids)
        subject = text.department_subject(period, count, cfg["review_after_days"])
        for unit_id in unit_ids:
            body = text.department_section(units[unit_id], decisions[unit_id], period)
            rows.append(_row(period, unit_id, units[unit_id][0], user_id,
                             ReminderAudience.DEPARTMENT, department_step(today), subject, body))
    if finance:
        overdue = sorted(
            ((units[u], len(ps), sum(p[3] for p in ps)) for u, ps in projects.items()),
            key=lambda item: item[0][0],
        )
        subject = text.finance_subject(period, len(overdue), offset)
        body = text.finance_section(period, overdue)
        for user_id in finance:
            rows.append(_row(period, None, "*", user_id, ReminderAudience.FINANCE,
                             finance_step(today), subject, body))
    return rows


def _incomplete(period):
    """The period's projects not submitted, with their record's status and missing indicators."""
    done = ProjectRecord.objects.filter(project=OuterRef("pk"), period=period, status__in=workflow.DONE)
    status = ProjectRecord.objects.filter(project=OuterRef("pk"), period=period).values("status")
    filled = IndicatorRecord.objects.filter(indicator=OuterRef("pk"), period=period).filter(
        Q(actual_value__isnull=False) | ~Q(actual_grade="")
    )
    missing = (Indicator.objects.filter(project=OuterRef("pk")).filter(~Exists(filled))
               .order_by().values("project").annotate(n=Count("pk")).values("n"))
    return (
        Project.objects.filter(year=period.year).filter(~Exists(done))
        .annotate(record_status=Subquery(status[:1]),
                  missing=Coalesce(Subquery(missing, output_field=IntegerField()), Value(0)))
        .order_by("unit__code", "id")
    )


def _waiting(period, cutoff):
    """The period's records waiting for a review since `cutoff` or earlier, with that time
    (`since`): submitted (the unit reviewer's turn) since their submission, 单位已审核 (the
    主管部门's) since the status last changed — the unit's decision for rows written without
    that stamp."""
    since = Case(When(status__in=workflow.AWAITING_UNIT_REVIEW, then=F("submitted_at")),
                 default=Coalesce("status_changed_at", "reviewed_at"))
    return (ProjectRecord.objects.filter(period=period, status__in=workflow.AWAITING_REVIEW)
            .annotate(since=since).filter(since__lte=cutoff)
            .order_by("project__unit__code", "since", "project_id"))


def _row(period, unit_id, scope, user_id, audience, step, subject, body) -> ReminderLog:
    return ReminderLog(period=period, unit_id=unit_id, scope=scope, recipient_id=user_id,
                       audience=audience, step=step, subject=subject, body=body)


def _key(row) -> tuple:
    return (row.period_id, row.scope, row.recipient_id, row.step)


def _claimed_keys(rows) -> set:
    if not rows:
        return set()
    periods = {row.period_id for row in rows}
    steps = {row.step for row in rows}
    return set(ReminderLog.objects.filter(period_id__in=periods, step__in=steps)
               .values_list("period_id", "scope", "recipient_id", "step"))


# --- claiming -------------------------------------------------------------------------------

def _claim(rows: list[ReminderLog]) -> list[ReminderLog]:
    """Insert the claim rows; return those this scan won. Bulk, unless another scan races us."""
    for _ in range(3):
        if not rows:
            return []
        try:
            with transaction.atomic():
                return ReminderLog.objects.bulk_create(rows)
        except IntegrityError:
            # A concurrent scan committed some of the same claims first: drop those, try again.
            taken = _claimed_keys(rows)
            logger.info("reminder claims raced by another scan: %d of %d taken", len(taken), len(rows))
            rows = [_fresh(row) for row in rows if _key(row) not in taken]
    won = []
    for row in rows:  # still racing: one row at a time, losing only the contested ones
        try:
            with transaction.atomic():
                _fresh(row).save(force_insert=True)
        except IntegrityError:
            continue
        won.append(row)
    return won


def _fresh(row: ReminderLog) -> ReminderLog:
    row.pk = None
    row._state.adding = True
    return row


# --- messages -------------------------------------------------------------------------------

def _names(rows) -> dict:
    from django.contrib.auth import get_user_model

    ids = {row.recipient_id for row in rows}
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}


def _messages(rows, names: dict) -> list[Message]:
    grouped: dict[tuple, Message] = {}
    for row in rows:
        attempt = row.attempts
        key = (row.period_id, row.recipient_id, row.audience, row.step, attempt)
        message = grouped.get(key)
        if message is None:
            message = grouped[key] = Message(
                period_id=row.period_id, recipient_id=row.recipient_id,
                recipient=names.get(row.recipient_id, str(row.recipient_id)),
                audience=row.audience, step=row.step, subject=row.subject, attempt=attempt,
            )
        message.scopes.append(row.scope)
        message.log_ids.append(row.pk)
    return list(grouped.values())


def _retries(periods, now, cfg, exclude, *, dry_run=False) -> list[Message]:
    """Claims of open periods to try again: failed ones after their backoff, claims whose
    send task never ran (lost before it reached the broker) after a grace period, and claims
    whose send began but never finished (a killed worker: stuck.py) after
    REMINDER_CLAIM_TIMEOUT_MINUTES; 整改 claims and workflow notices (workflow_notices)
    whatever their period's status. Delivery's fence on `attempts` makes a duplicate dispatch
    a no-op. One query, and one more per stuck message."""
    grace = now - datetime.timedelta(minutes=cfg["unsent_grace_minutes"])
    rows = [
        row for row in ReminderLog.objects.filter(
            Q(status=ReminderStatus.FAILED, attempts__lt=cfg["retry_max_attempts"])
            | Q(status=ReminderStatus.CLAIMED, attempts=0, claimed_at__lt=grace)
            | Q(status=ReminderStatus.CLAIMED, attempts__gt=0, claimed_at__lt=stuck.cutoff(now)),
            Q(period__in=periods) | Q(step__startswith=rectification_steps.PREFIX)
            | Q(step__startswith=WORKFLOW_PREFIX),
        ).select_related("recipient").only(
            "period_id", "scope", "recipient__username", "audience", "step", "subject",
            "status", "attempts", "claimed_at",
        ).order_by("period_id", "recipient_id", "step", "scope")
        if row.pk not in exclude
        and (row.status == ReminderStatus.CLAIMED or retry_due(row.claimed_at, row.attempts, now, cfg))
    ]
    names = {row.recipient_id: row.recipient.username for row in rows}
    halted = [row for row in rows if stuck.is_stuck(row)]
    messages = _messages([row for row in rows if not stuck.is_stuck(row)], names=names)
    if halted:
        messages += stuck.reclaim(_messages(halted, names=names), now, cfg, dry_run=dry_run)
    return messages
