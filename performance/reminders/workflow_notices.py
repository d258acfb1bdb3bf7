"""Workflow notices: who hears of a step of a project's values, exactly once, in-app and by
e-mail (docs/workflow.md, "Queues and notices").

    提交审核           → the unit reviewers of the project's unit (待填报审核)
    审核通过, tiered    → the department reviewers of the unit's 主管部门 (待主管部门审核)
    审核通过 / 主管部门审核通过 (→ 已审核) → the unit's fillers
    退回修改 / 重新打开 → the unit's fillers, with the reason
    退回单位审核       → the unit reviewers, with the department's reason

The person who took the step is not told of it. Each recipient's notice is claimed like a
reminder: a ReminderLog row (period, scope = the unit code, recipient, step =
"wf-<record>-v<version>-<action>"), inserted in the step's own transaction, so a step that
rolls back claims nothing and a step that commits has its claims. After the commit each claim
is handed to Celery (send_reminder → delivery.deliver, whose fence sends it once however often
it is delivered); when the broker cannot be reached the claim is delivered at once, in the
request, and a claim whose task was lost is sent again by the next reminder scan
(service._retries). Nothing here can make a step fail.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from budget.models import Membership, Role
from performance.models import ReminderAudience, ReminderLog, WorkflowStatus
from performance.workflow import Action

from . import messages as text

logger = logging.getLogger(__name__)

PREFIX = "wf-"
# short: ReminderLog.step holds 30 characters ("wf-1234567-v1234-dapprove" is 25)
_CODES = {Action.SUBMIT: "submit", Action.APPROVE: "approve", Action.RETURN: "return",
          Action.DEPARTMENT_APPROVE: "dapprove", Action.DEPARTMENT_RETURN: "dreturn",
          Action.REOPEN: "reopen"}
_AUDIENCE = {Role.FILLER: ReminderAudience.FILLER, Role.UNIT_REVIEWER: ReminderAudience.REVIEWER,
             Role.DEPARTMENT_REVIEWER: ReminderAudience.DEPARTMENT}
NAME_LIMIT = 60  # characters of the project's name in a subject (ReminderLog.subject: 200)


def step_key(record, action: Action) -> str:
    return f"{PREFIX}{record.pk}-v{record.version}-{_CODES[action]}"


def audience_role(action: Action, status: str) -> str | None:
    """Whose turn the step makes it, or who should hear of it; None: nobody is told."""
    if action == Action.SUBMIT or action == Action.DEPARTMENT_RETURN:
        return Role.UNIT_REVIEWER
    if action == Action.APPROVE and status == WorkflowStatus.UNIT_APPROVED:
        return Role.DEPARTMENT_REVIEWER
    if action in (Action.APPROVE, Action.DEPARTMENT_APPROVE, Action.RETURN, Action.REOPEN):
        return Role.FILLER
    return None


def subject(action: Action, status: str, project, period) -> str:
    name = project.name if len(project.name) <= NAME_LIMIT else project.name[:NAME_LIMIT] + "…"
    what = {
        Action.SUBMIT: "已提交，待您填报审核",
        Action.RETURN: "已退回修改，请按退回原因修改后重新提交",
        Action.DEPARTMENT_RETURN: "被主管部门退回单位审核，待您重新填报审核",
        Action.DEPARTMENT_APPROVE: "填报审核已通过（主管部门）",
        Action.REOPEN: "已由财政重新打开，请按原因修改后重新提交",
    }.get(action)
    if action == Action.APPROVE:
        what = ("单位已审核，待主管部门填报审核" if status == WorkflowStatus.UNIT_APPROVED
                else "填报审核已通过")
    return f"【绩效通】{period.name}：项目“{name}”{what}"


def section(action: Action, record, project, period, actor, reason: str) -> str:
    unit = project.unit
    when = timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M")
    lines = [f"单位：{text.unit_label(unit.code, unit.name)}", f"项目：{project.name}",
             f"期间：{period.name}", f"填报状态：{record.get_status_display()}",
             f"{action.label}：{actor.get_full_name() or actor.username}（{when}）"]
    if reason:
        lines.append(f"原因：{reason}")
    lines.append(f"查看项目：{text.project_link(project.pk, period)}")
    return "\n".join(lines)


def recipients(role: str, project, actor) -> list[int]:
    """The active users holding `role` for the project's unit (its department's, for a
    department reviewer), but the actor; one query."""
    unit = project.unit
    if role == Role.DEPARTMENT_REVIEWER:
        if unit.department_id is None:
            return []
        scope = Q(department_id=unit.department_id)
    else:
        scope = Q(unit_id=unit.pk)
    return list(Membership.objects.filter(scope, role=role, user__is_active=True)
                .exclude(user_id=actor.pk).order_by("user_id")
                .values_list("user_id", flat=True).distinct())


def notify(action: Action, record, project, period, actor, reason: str = "") -> list[int]:
    """Claim the notices of `action`, just taken on `record` (its new status and version), and
    send them after the commit. Call inside the step's transaction. Returns the claim ids."""
    role = audience_role(action, record.status)
    if role is None:
        return []
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the step intact
            users = recipients(role, project, actor)
            if not users:
                return []
            title = subject(action, record.status, project, period)
            body = section(action, record, project, period, actor, reason)
            step = step_key(record, action)
            rows = ReminderLog.objects.bulk_create([
                ReminderLog(period=period, unit_id=project.unit_id, scope=project.unit.code,
                            recipient_id=user_id, audience=_AUDIENCE[role], step=step,
                            subject=title, body=body)
                for user_id in users])
    except DatabaseError:
        logger.exception("workflow notice of %s on record %s not claimed", action, record.pk)
        return []
    ids = [row.pk for row in rows]
    transaction.on_commit(partial(enqueue, ids), robust=True)
    return ids


def enqueue(log_ids: list[int]) -> None:
    """Hand each claim to Celery; when the broker cannot be reached, deliver it now."""
    from kombu.exceptions import OperationalError

    from performance import tasks as celery_tasks

    from . import delivery
    from .tasks import send_reminder

    for log_id in log_ids:
        try:
            # no result is kept, and the broker is tried once: one that is down fails at once
            celery_tasks.send_at_once(send_reminder, [log_id], 0, ignore_result=True)
            continue
        except (OperationalError, OSError, RuntimeError):
            logger.warning("workflow notice %s: the Celery broker is unreachable, sending now",
                           log_id, exc_info=True)
        try:
            delivery.deliver([log_id], 0)
        except Exception:  # never a failed page for a notice: the scan retries the claim
            logger.exception("workflow notice %s could not be delivered", log_id)
