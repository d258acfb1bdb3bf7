"""补充说明: the 复核 reviewer asks the project's unit a question and waits for its answer
(docs/checks.md).

Asking opens one ExplanationRequest (at most one is open per check; a 待复核 check becomes
复核中) and sends a notice to every active filler and unit reviewer of the unit; a filler or
unit reviewer of that unit answers it (the asker is notified); finance may withdraw it. The
requests are the record (who asked, answered or withdrew, and when); each step also leaves a
history row of the check saying what happened, with the channel.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from budget.models import Membership, Role
from performance import checking
from performance.access import project_rights
from performance.checking import CheckAction
from performance.models import (
    CheckedProject,
    ExplanationRequest,
    ExplanationStatus,
    Notice,
)
from performance.workflow import Channel

from .checks import CheckRefused, _capacities, _locked, _write, record_history


def explanation_url(request: ExplanationRequest) -> str:
    return reverse("checks:explanation", args=[request.pk])


def open_explanations_for(project, period) -> list[ExplanationRequest]:
    """The questions of finance's 复核 of `project` in `period` still waiting for the unit
    (the project page shows them with a link; one query)."""
    return list(ExplanationRequest.objects.filter(
        checked__project=project, checked__period=period, status=ExplanationStatus.OPEN)
        .select_related("indicator", "asked_by"))


def ask_explanation(checked: CheckedProject, user, question: str, *, indicator=None,
                    channel: str = Channel.PAGE) -> ExplanationRequest:
    """Ask the unit to explain (about one `indicator` of the project, or the project)."""
    question = (question or "").strip()
    with transaction.atomic():
        checked = _locked(checked, user, None, channel, None)
        open_now = checked.explanations.filter(status=ExplanationStatus.OPEN).exists()
        refusal = checking.refusal(CheckAction.ASK, checked.status,
                                   _capacities(user, checked, channel), open_now, text=question)
        if refusal:
            raise CheckRefused(refusal)
        if indicator is not None and indicator.project_id != checked.project_id:
            raise CheckRefused("所选指标不属于本项目。")
        now = timezone.now()
        try:
            with transaction.atomic():
                request = ExplanationRequest.objects.create(
                    checked=checked, indicator=indicator, question=question, asked_by=user,
                    asked_at=now)
        except IntegrityError as exc:  # another reviewer asked meanwhile
            raise CheckRefused("已有待单位说明的问题，请刷新页面查看。") from exc
        what = f"{CheckAction.ASK.label}：{question}"
        target = checking.target_status(CheckAction.ASK, checked.status)
        if target != checked.status:
            fields = {"status": target}
            if checked.started_at is None:
                fields["started_at"] = now
            if checked.reviewer_id is None:
                fields["reviewer"] = user
            _write(checked, user, now, what, channel, **fields)
        else:
            record_history(checked, user, now, what, channel)
        _notify_unit(checked, request)
    return request


def answer_explanation(request: ExplanationRequest, user, answer: str, *,
                       channel: str = Channel.PAGE) -> ExplanationRequest:
    """The unit's answer, by a filler or unit reviewer of the project's unit."""
    answer = (answer or "").strip()
    with transaction.atomic():
        request = _locked_request(request)
        checked = request.checked
        capacities = project_rights(user, checked.project).capacities(channel)
        refusal = checking.refusal(CheckAction.ANSWER, checked.status, capacities,
                                   request.status == ExplanationStatus.OPEN, text=answer)
        if refusal:
            raise CheckRefused(refusal)
        now = timezone.now()
        request.status = ExplanationStatus.ANSWERED
        request.answer, request.answered_by, request.answered_at = answer, user, now
        request.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        record_history(checked, user, now, f"单位补充说明：{answer}", channel)
        if request.asked_by_id is not None:
            Notice.objects.create(
                recipient_id=request.asked_by_id,
                subject=f"单位已补充说明：{checked.project.name}"[:200],
                body=(f"{checked.project.unit.name}对复核提出的问题“{request.question}”"
                      f"作了说明：\n{answer}"),
                url=explanation_url(request))
    return request


def withdraw_explanation(request: ExplanationRequest, user, *,
                         channel: str = Channel.PAGE) -> ExplanationRequest:
    """Finance withdraws an open question (the unit no longer needs to answer)."""
    with transaction.atomic():
        request = _locked_request(request)
        checked = request.checked
        capacities = project_rights(user, checked.project).capacities(channel)
        refusal = checking.refusal(CheckAction.WITHDRAW, checked.status, capacities,
                                   request.status == ExplanationStatus.OPEN)
        if refusal:
            raise CheckRefused(refusal)
        now = timezone.now()
        request.status = ExplanationStatus.WITHDRAWN
        request.withdrawn_by, request.withdrawn_at = user, now
        request.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
        record_history(checked, user, now, f"{CheckAction.WITHDRAW.label}：{request.question}",
                       channel)
    return request


def _locked_request(request: ExplanationRequest) -> ExplanationRequest:
    """The request and its check, both under a row lock (the check's first, as every writer
    of a check takes it)."""
    list(CheckedProject.objects.select_for_update().filter(pk=request.checked_id)
         .values_list("pk", flat=True))
    return (ExplanationRequest.objects.select_for_update(of=("self",))
            .select_related("checked__project__unit", "checked__period")
            .get(pk=request.pk))


def _notify_unit(checked: CheckedProject, request: ExplanationRequest) -> None:
    project = checked.project
    about = f"（指标“{request.indicator.name}”）" if request.indicator is not None else ""
    recipients = (Membership.objects.filter(unit_id=project.unit_id,
                                            role__in=[Role.FILLER, Role.UNIT_REVIEWER],
                                            user__is_active=True)
                  .order_by().values_list("user_id", flat=True).distinct())
    url = explanation_url(request)
    Notice.objects.bulk_create([Notice(
        recipient_id=user_id, subject=f"财政复核要求补充说明：{project.name}"[:200],
        body=(f"财政复核{checked.period.name}“{project.name}”{about}，请单位补充说明：\n"
              f"{request.question}"),
        url=url) for user_id in recipients])
