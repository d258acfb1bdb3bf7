"""问题整改: raising a 整改事项 and every step of it after (docs/rectification.md).

`raise_rectification` is the one way an item comes to exist — raised automatically from a
monitoring warning or a 复核 deduction (once per `source_key`) or by finance by hand. The
steps — start, respond, report_done, send_back, confirm, edit — each lock the item, ask
performance.rectifying (the person first, then the status, then the texts), check the version
the page showed, write the item (version + 1) and one history row saying what happened with
the channel, and notify the other side: the unit's 填报人 and 单位审核人, or finance (whoever
raised the item, else every 财政审核人).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from budget.models import Membership, Role
from performance import rectifying
from performance.access import project_rights
from performance.models import Notice, Rectification, RectificationSource, WarningResponse
from performance.rectifying import RectificationAction
from performance.workflow import Channel

from .record_fields import who


class RectificationRefused(Exception):  # noqa: N818 (a refusal, said to the person)
    """The step is not possible (who, status, a stale page, what is missing): the message says
    why, in the words of the page. Nothing was written."""


def rectification_url(item: Rectification) -> str:
    return reverse("rectification:detail", args=[item.pk])


def capacities(user, item: Rectification, channel: str = Channel.PAGE):
    """In which capacities `user` acts on `item` (its unit's roles; finance; the admin)."""
    return project_rights(user, item.project).capacities(channel)


# ------------------------------------------------------------------------------ raising


def raise_rectification(*, project, period, source: str, problem: str, required_action: str,
                        deadline: datetime.date, indicator=None, source_key: str = "",
                        user=None, channel: str = Channel.SYSTEM,
                        response_deadline: datetime.date | None = None,
                        ) -> tuple[Rectification, bool]:
    """Raise a 整改事项 of `project` (its unit owns it) found in `period`; (item, created?).

    Raised once per `source_key`: when an item with that key exists (also one raised a moment
    ago by another process) it is returned with False and nothing is written. A raise by hand
    (source manual, no key) always creates. The unit's fillers and unit reviewers are notified.
    Raises RectificationRefused when the problem or required action is empty or the indicator
    is not the project's."""
    problem, required_action = (problem or "").strip(), (required_action or "").strip()
    source_key = (source_key or "").strip()
    if source_key:
        found = Rectification.objects.filter(source_key=source_key).first()
        if found is not None:
            return found, False
    if not problem or not required_action:
        raise RectificationRefused("须填写问题和整改要求。")
    if deadline is None:
        raise RectificationRefused("须填写整改期限。")
    if source != RectificationSource.MANUAL and not source_key:
        raise RectificationRefused("自动登记的整改事项须记录来源。")
    if indicator is not None and indicator.project_id != project.pk:
        raise RectificationRefused("所选指标不属于本项目。")
    if period.year != project.year:
        raise RectificationRefused("期间与项目的年度不符。")
    now = timezone.now()
    user = user if getattr(user, "pk", None) else None
    item = Rectification(
        unit_id=project.unit_id, project=project, period=period, indicator=indicator,
        source=source, source_key=source_key, problem=problem,
        required_action=required_action, deadline=deadline,
        response_deadline=response_deadline if rectifying.is_warning(source) else None,
        raised_by=user, raised_at=now, updated_by=user)
    try:
        with transaction.atomic():
            item.skip_history_when_saving = True
            item.save()
            del item.skip_history_when_saving
            _history(item, user, now, f"登记整改事项（{item.get_source_display()}）", channel,
                     created=True)
            _notify_unit(item, f"新的整改事项：{project.name}",
                         f"{period.name}“{project.name}”发现问题，请按期整改：\n{problem}\n"
                         f"整改要求：{required_action}\n整改期限：{deadline:%Y-%m-%d}"
                         + _response_text(item))
    except IntegrityError:
        if not source_key:
            raise
        found = Rectification.objects.filter(source_key=source_key).first()
        if found is None:
            raise
        return found, False
    return item, True


def _response_text(item: Rectification) -> str:
    if not rectifying.is_warning(item.source):
        return ""
    until = (f"，请于 {item.response_deadline:%Y-%m-%d} 前" if item.response_deadline
             else "，请尽快")
    return f"\n这是监控预警{until}选择应对方式（继续执行、调剂或取消）。"


# ------------------------------------------------------------------------------ the steps


def start(item: Rectification, user, *, progress: str = "", version: int | None = None,
          channel: str = Channel.PAGE) -> Rectification:
    """待整改 → 整改中, by the unit (what it does so far, optionally)."""
    progress = (progress or "").strip()
    with transaction.atomic():
        item = _locked(item, user, RectificationAction.START, version, channel)
        fields = {"status": rectifying.target_status(RectificationAction.START, item.status)}
        if progress:
            fields["progress"] = progress
        what = RectificationAction.START.label + (f"：{progress}" if progress else "")
        _write(item, user, what, channel, **fields)
    return item


def respond(item: Rectification, user, response: str, note: str = "", *,
            version: int | None = None, channel: str = Channel.PAGE) -> Rectification:
    """The unit's response to a monitoring warning (继续执行 / 调剂 / 取消), with a note; a
    待整改 item becomes 整改中. After the response deadline it is taken and marked late."""
    note = (note or "").strip()
    with transaction.atomic():
        item = _locked(item, user, None, version, channel)
        _refuse(RectificationAction.RESPOND, item, user, channel, chosen=response)
        now = timezone.now()
        late = rectifying.response_late(item.response_deadline, timezone.localdate(now))
        label = WarningResponse(response).label
        what = f"选择应对方式：{label}" + ("（逾期选择）" if late else "") + (
            f"，{note}" if note else "")
        _write(item, user, what, channel, now=now, response=response, response_note=note,
               responded_by=user, responded_at=now,
               status=rectifying.target_status(RectificationAction.RESPOND, item.status))
        _notify_finance(item, f"单位已选择应对方式：{item.project.name}",
                        f"{item.unit.name}对整改事项“{item.problem}”选择了“{label}”"
                        + ("（已超过选择期限）" if late else "") + (f"：\n{note}" if note else "。"))
    return item


def report_done(item: Rectification, user, progress: str, *, version: int | None = None,
                channel: str = Channel.PAGE) -> Rectification:
    """待整改/整改中 → 已整改, by the unit, saying what it did (a warning needs its response)."""
    progress = (progress or "").strip()
    with transaction.atomic():
        item = _locked(item, user, None, version, channel)
        _refuse(RectificationAction.REPORT_DONE, item, user, channel, text=progress)
        now = timezone.now()
        _write(item, user, f"{RectificationAction.REPORT_DONE.label}：{progress}", channel,
               now=now, status=rectifying.DONE, progress=progress, done_by=user, done_at=now)
        _notify_finance(item, f"单位已报送整改完成：{item.project.name}",
                        f"{item.unit.name}报送整改事项“{item.problem}”已整改，请确认：\n{progress}")
    return item


def send_back(item: Rectification, user, reason: str, *, version: int | None = None,
              channel: str = Channel.PAGE) -> Rectification:
    """已整改 → 整改中, by finance, with the reason (the unit is notified)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        item = _locked(item, user, None, version, channel)
        _refuse(RectificationAction.RETURN, item, user, channel, text=reason)
        _write(item, user, f"{RectificationAction.RETURN.label}：{reason}", channel,
               status=rectifying.IN_PROGRESS, return_reason=reason)
        _notify_unit(item, f"整改事项被退回：{item.project.name}",
                     f"财政退回了整改事项“{item.problem}”，请继续整改：\n{reason}")
    return item


def confirm(item: Rectification, user, *, version: int | None = None,
            channel: str = Channel.PAGE) -> Rectification:
    """已整改 → 已确认, by finance (the unit is notified)."""
    with transaction.atomic():
        item = _locked(item, user, None, version, channel)
        _refuse(RectificationAction.CONFIRM, item, user, channel)
        now = timezone.now()
        _write(item, user, RectificationAction.CONFIRM.label, channel, now=now,
               status=rectifying.CONFIRMED, confirmed_by=user, confirmed_at=now)
        _notify_unit(item, f"整改事项已确认：{item.project.name}",
                     f"财政已确认整改事项“{item.problem}”整改完成。")
    return item


def edit(item: Rectification, user, *, problem: str, required_action: str,
         deadline: datetime.date, version: int | None = None,
         channel: str = Channel.PAGE) -> Rectification:
    """Finance corrects the problem, the required action or the deadline (not once confirmed);
    the unit is notified of what changed. Nothing changed: nothing written."""
    problem, required_action = (problem or "").strip(), (required_action or "").strip()
    with transaction.atomic():
        item = _locked(item, user, None, version, channel)
        text = problem and required_action and f"{problem}\n{required_action}"
        _refuse(RectificationAction.EDIT, item, user, channel, text=text or "",
                deadline=deadline)
        changed = {name: value for name, value in (("problem", problem),
                                                   ("required_action", required_action),
                                                   ("deadline", deadline))
                   if getattr(item, name) != value}
        if not changed:
            return item
        labels = "、".join(str(Rectification._meta.get_field(name).verbose_name)
                          for name in changed)
        _write(item, user, f"修改{labels}", channel, **changed)
        _notify_unit(item, f"整改要求已修改：{item.project.name}",
                     f"财政修改了整改事项的{labels}：\n问题：{item.problem}\n"
                     f"整改要求：{item.required_action}\n整改期限：{item.deadline:%Y-%m-%d}")
    return item


# ------------------------------------------------------------------------------ helpers


def _locked(item: Rectification, user, action, version, channel) -> Rectification:
    """`item` read again under a row lock; refused when `user` may not do `action` (asked
    before the version: a stranger learns nothing) or the page showed another version."""
    locked = (Rectification.objects.select_for_update(of=("self",))
              .select_related("project__unit", "period", "unit", "updated_by")
              .get(pk=item.pk))
    found = capacities(user, locked, channel)
    if not (rectifying.UNIT | rectifying.FINANCE) & found:
        raise RectificationRefused("只有责任单位的填报人、单位审核人或财政审核人可以办理整改事项。")
    if action is not None:
        _refuse(action, locked, user, channel)
    if version is not None and int(version) != locked.version:
        when = timezone.localtime(locked.updated_at).strftime("%Y-%m-%d %H:%M")
        raise RectificationRefused(
            f"其他人已修改了该整改事项（{who(locked.updated_by)} 于 {when}，当前状态："
            f"{locked.get_status_display()}），未保存，请刷新页面后再操作。")
    return locked


def _refuse(action, item, user, channel, **texts) -> None:
    refusal = rectifying.refusal(action, item.status, capacities(user, item, channel),
                                 source=item.source, response=item.response, **texts)
    if refusal:
        raise RectificationRefused(refusal)


def _write(item: Rectification, user, what: str, channel, *, now=None, **fields) -> None:
    """Change `item` (version + 1) and leave one history row saying `what`, by `channel`."""
    now = now or timezone.now()
    user = user if getattr(user, "pk", None) else None
    for name, value in fields.items():
        setattr(item, name, value)
    item.version += 1
    item.updated_by = user
    item.skip_history_when_saving = True
    item.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    del item.skip_history_when_saving
    _history(item, user, now, what, channel)


def _history(item, user, now, what: str, channel, *, created: bool = False) -> None:
    Rectification.history.bulk_history_create(
        [item], update=not created, default_user=user, default_change_reason=what[:100],
        default_date=now, custom_historical_attrs={"history_channel": channel})


def unit_recipients(unit_id) -> list[int]:
    return list(Membership.objects.filter(unit_id=unit_id,
                                          role__in=[Role.FILLER, Role.UNIT_REVIEWER],
                                          user__is_active=True)
                .order_by().values_list("user_id", flat=True).distinct())


def finance_recipients(item: Rectification) -> list[int]:
    """Whoever raised the item (if still an active finance reviewer), else every active
    财政审核人."""
    finance = list(Membership.objects.filter(role=Role.FINANCE_REVIEWER, user__is_active=True)
                   .order_by().values_list("user_id", flat=True).distinct())
    if item.raised_by_id is not None and item.raised_by_id in finance:
        return [item.raised_by_id]
    return finance


def _notify_unit(item, subject: str, body: str) -> None:
    _notify(unit_recipients(item.unit_id), subject, body, item)


def _notify_finance(item, subject: str, body: str) -> None:
    _notify(finance_recipients(item), subject, body, item)


def _notify(recipients, subject, body, item) -> None:
    url = rectification_url(item)
    Notice.objects.bulk_create([Notice(recipient_id=user_id, subject=subject[:200], body=body,
                                       url=url) for user_id in recipients])
