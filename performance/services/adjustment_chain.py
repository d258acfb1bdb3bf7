"""A target proposal through its approval chain (performance.chain): submit, approve at each
level, return to the level below, withdraw; and, at the last approval, the new version put in
force (docs/adjustments.md).

Each step locks the project row (the proposals of one project are decided one at a time),
asks performance.chain, moves the status and keeps a VersionStep with who, at which level,
when, why and by which channel. The final approval writes the version into the Indicator rows
— an unchanged or changed indicator keeps its id and so its records; an added one is created
(or a removed one of the same name revived); a removed one is retired, its records kept — sets
the project's 调整后预算数 and 年度目标, and refreshes the stored scores and lights of the
year's periods, so each is measured against the version in force at its cut-off.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from budget.models import Project
from performance.access import ProjectRights, department_tier
from performance.chain import (
    LEVEL_OF_STATUS,
    ChainAction,
    VersionStatus,
    next_status,
    refusal,
)
from performance.models import (
    AnnualGoal,
    Indicator,
    ReportingPeriod,
    RowChange,
    TargetVersion,
    VersionStep,
)
from performance.workflow import Channel

from .adjustments import (
    SELF_APPROVAL,
    TARGET_FIELDS,
    AdjustmentRefused,
    own_proposal,
    submission_problems,
)


def capacities(user, version: TargetVersion, channel: str = Channel.PAGE):
    return ProjectRights(user, version.project.unit_id).capacities(channel)


def submit(version: TargetVersion, user, *, channel: str = Channel.PAGE) -> TargetVersion:
    """草稿/已退回 → 待单位审核, by a filler, with every change's reason and no target-review
    error that the change itself brings in."""
    def check(locked):
        problems = submission_problems(locked)
        if problems:
            raise AdjustmentRefused(problems)
        locked.department_tier = department_tier(locked.project.unit)
        locked.submitted_at = timezone.now()
    return _step(ChainAction.SUBMIT, version, user, "", channel, before=check)


def approve(version: TargetVersion, user, *, reason: str = "", effective_from: date | None = None,
            channel: str = Channel.PAGE) -> TargetVersion:
    """On to the next level; at the last one (财政) the version is put in force from
    `effective_from` (the proposal's date, else today within the project's year)."""
    def at_last(locked):
        if next_status(ChainAction.APPROVE, locked.status, locked.department_tier) == \
                VersionStatus.APPROVED:
            _put_in_force(locked, user, effective_from)
    return _step(ChainAction.APPROVE, version, user, reason, channel, before=at_last)


def send_back(version: TargetVersion, user, reason: str, *,
              channel: str = Channel.PAGE) -> TargetVersion:
    """Back to the level below (from 单位审核: to the filler), with the reason."""
    return _step(ChainAction.RETURN, version, user, reason, channel)


def withdraw(version: TargetVersion, user, *, reason: str = "",
             channel: str = Channel.PAGE) -> TargetVersion:
    return _step(ChainAction.WITHDRAW, version, user, reason, channel)


def _step(action, version, user, reason, channel, before=None) -> TargetVersion:
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=version.project_id).first()
        locked = (TargetVersion.objects.select_for_update().select_related("project__unit")
                  .get(pk=version.pk))
        if locked.status != version.status:
            raise AdjustmentRefused([f"该申请已变为“{locked.get_status_display()}”（他人刚刚处理），"
                                     "请刷新后再试。"])
        problem = refusal(action, locked.status, capacities(user, locked, channel),
                          locked.department_tier, reason=reason)
        if problem:
            raise AdjustmentRefused([problem])
        if action == ChainAction.APPROVE and own_proposal(locked, user):
            raise AdjustmentRefused([SELF_APPROVAL])  # separation of duties
        from_status = locked.status
        level = LEVEL_OF_STATUS.get(from_status, "")
        if before is not None:
            before(locked)
        locked.status = next_status(action, from_status, locked.department_tier)
        if locked.status in (VersionStatus.APPROVED,):
            locked.decided_by, locked.decided_at = user, timezone.now()
        locked.save()
        VersionStep.objects.create(version=locked, action=action, level=level or "",
                                   from_status=from_status, to_status=locked.status,
                                   reason=reason.strip(), by=user, at=timezone.now(),
                                   channel=channel)
        Project.objects.filter(pk=locked.project_id).update(updated_at=timezone.now())
    if locked.status == VersionStatus.APPROVED:
        _refresh_year(locked.project)
    version.refresh_from_db()
    return version


def _put_in_force(version: TargetVersion, user, effective_from: date | None) -> None:
    project = version.project
    current = (TargetVersion.objects.filter(project=project, status=VersionStatus.APPROVED)
               .order_by("-number").first())
    if current is not None and version.based_on_id != current.id:
        raise AdjustmentRefused(["该申请所依据的目标已被其他调整取代，请退回后按现行目标重新提出。"])
    day = effective_from or version.effective_from or timezone.localdate()
    day = min(max(day, date(project.year, 1, 1)), date(project.year, 12, 31))
    if current is not None and current.effective_from and day < current.effective_from:
        day = current.effective_from
    version.effective_from = day
    existing = {i.id: i for i in Indicator.all_objects.filter(project=project)}
    by_name = {i.name: i for i in existing.values()}
    kept_ids = set()
    for row in version.rows.order_by("position", "id"):
        indicator = existing.get(row.indicator_id) if row.indicator_id else by_name.get(row.name)
        if row.change == RowChange.REMOVED:
            if indicator is not None:
                indicator.retired = True
                indicator.save(update_fields=["retired", "updated_at"])
            continue
        if indicator is None:
            indicator = Indicator(project=project)
        for name in TARGET_FIELDS:
            setattr(indicator, name, getattr(row, name))
        indicator.position, indicator.retired = row.position, False
        if indicator.pk is None:
            indicator.save()
        else:
            # a removed indicator of the same name comes back under its own id (records kept)
            indicator.save(update_fields=[*TARGET_FIELDS, "position", "retired", "updated_at"])
        kept_ids.add(indicator.id)
        if row.indicator_id != indicator.id:
            row.indicator = indicator
            row.save(update_fields=["indicator"])
    project.adjusted_amount = version.adjusted_amount
    project.save(update_fields=["adjusted_amount", "updated_at"])
    if version.goal:
        AnnualGoal.objects.update_or_create(project=project, defaults={"text": version.goal})


def _refresh_year(project) -> None:
    """The stored scores and lights of every period of the year, measured again."""
    from .snapshot import refresh_snapshots

    for period in ReportingPeriod.objects.filter(year=project.year):
        refresh_snapshots(period, [project.id])
