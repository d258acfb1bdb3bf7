"""The workflow of a project's values in a period: 草稿 → 已提交 → 已审核, or 已退回 (with a
reason) and back to the filler.

A filler of the unit submits, once every indicator is filled and every reason the scoring
requires is written; a 单位审核人 of that unit or 财政审核人 approves or returns. A locked
period changes for no one. Each transition is checked against the version the page showed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from performance.access import project_rights
from performance.domain import Likelihood, Operator
from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus
from performance.scoring.explain import MISSING
from performance.services.scoring import score_project_period

from .entry import EntryRefused, fresh_period, lock_record, lock_text, refresh_snapshots
from .record_fields import EDITABLE_STATUSES, who


class WorkflowRefused(EntryRefused):
    """The transition is not possible now (wrong status, locked, changed meanwhile)."""


class Incomplete(WorkflowRefused):
    """What is still missing before the project can be submitted."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"还有 {len(problems)} 项未完成，不能提交：" + "；".join(problems))


_READ = object()


def submission_problems(project, period, *, result=None, records=None,
                        record=_READ) -> list[str]:
    """Everything that keeps the project from being submitted, in page order ([] when none).

    A page that already read them passes the score `result`, the indicator `records`
    (indicator id → record) and the project's `record`."""
    if result is None:
        result = score_project_period(project, period)
    if records is None:
        ids = list(project.indicators.values_list("id", flat=True))
        records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
            period=period, indicator_id__in=ids)}
    if record is _READ:
        record = ProjectRecord.objects.filter(project=project, period=period).first()
    problems = []
    for line, score in zip(result.lines, result.score.indicator_scores, strict=True):
        rec = records.get(line.id)
        name = f"“{line.name}”"
        if score.missing:
            problems.append(f"{name}未填写完成值")
        if period.is_monitoring:
            problems += _monitoring_problems(name, line, rec)
        written = bool(rec and rec.explanation.strip())
        for reason in score.reasons_needed:
            if reason.code != MISSING and not written:
                problems.append(f"{name}{reason.text}")
    execution = result.score.execution
    if execution.missing:
        problems.append("未填写预算执行数")
    spent_reason = bool(record and record.spent_reason.strip())
    for reason in execution.reasons_needed:
        if reason.code != MISSING and not spent_reason:
            problems.append(f"预算执行：{reason.text}（填写“执行率偏低原因”）")
    return problems


def _monitoring_problems(name: str, line, rec) -> list[str]:
    qualitative = line.operator == Operator.QUALITATIVE
    expected = (rec.expected_grade if qualitative else rec.expected_value) if rec else None
    problems = []
    if expected in (None, ""):
        problems.append(f"{name}未填写全年预计完成值")
    likelihood = rec.likelihood if rec else ""
    if not likelihood:
        problems.append(f"{name}未选择完成可能性")
    elif likelihood != Likelihood.CERTAIN:
        if not rec.deviation_reasons:
            problems.append(f"{name}预计不能完全完成，需选择偏差原因")
        if not rec.corrective_measures.strip():
            problems.append(f"{name}预计不能完全完成，需填写纠偏措施")
    return problems


def submit(project, period, user, *, version: int | None = None) -> ProjectRecord:
    """草稿/已退回 → 已提交, by a filler of the unit. Raises Incomplete listing what is missing."""
    rights = project_rights(user, project)
    if not rights.fill:
        raise PermissionDenied("只有本单位的填报人可以提交。")
    with transaction.atomic():
        period = fresh_period(period)
        record = _locked(project, period, version, create=True, user=user)
        if record.status not in EDITABLE_STATUSES:
            raise WorkflowRefused(f"本项目本期{record.get_status_display()}，不能再次提交。")
        problems = submission_problems(project, period)
        if problems:
            raise Incomplete(problems)
        now = timezone.now()
        _move(record, user, WorkflowStatus.SUBMITTED, now, "提交审核",
              submitted_at=now, submitted_by=user)
    refresh_snapshots(period, [project.id])
    return record


def approve(project, period, user, *, version: int | None = None) -> ProjectRecord:
    """已提交 → 已审核, by a reviewer of the unit or finance."""
    return _review(project, period, user, version, WorkflowStatus.APPROVED, "审核通过")


def send_back(project, period, user, reason: str, *, version: int | None = None) -> ProjectRecord:
    """已提交 (or 已审核) → 已退回 with a reason; the filler can change and submit again."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowRefused("退回时须填写退回原因。")
    return _review(project, period, user, version, WorkflowStatus.RETURNED, "退回修改",
                   return_reason=reason)


def _review(project, period, user, version, status, what, **fields) -> ProjectRecord:
    rights = project_rights(user, project)
    if not rights.review:
        raise PermissionDenied("只有本单位审核人或财政审核人可以审核。")
    allowed = ((WorkflowStatus.SUBMITTED,) if status == WorkflowStatus.APPROVED
               else (WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED))
    with transaction.atomic():
        period = fresh_period(period)
        record = _locked(project, period, version, create=False, user=user)
        if record is None or record.status not in allowed:
            shown = record.get_status_display() if record else WorkflowStatus.DRAFT.label
            raise WorkflowRefused(f"本项目本期{shown}，不能{what}。")
        now = timezone.now()
        _move(record, user, status, now, what, reviewed_at=now, reviewed_by=user, **fields)
    refresh_snapshots(period, [project.id])
    return record


def _locked(project, period, version, *, create: bool, user) -> ProjectRecord | None:
    if period.is_locked:
        raise WorkflowRefused(lock_text(period))
    record = lock_record(project, period)
    if record is None and create:
        record = ProjectRecord(project=project, period=period, updated_by=user)
        record._history_user = user
        record.save()
        record = lock_record(project, period)
    if record is not None and version is not None and version != record.version:
        when = timezone.localtime(record.updated_at).strftime("%Y-%m-%d %H:%M")
        raise WorkflowRefused(
            f"{who(record.updated_by)} 于 {when} 已修改本项目（当前状态：{record.get_status_display()}），"
            "请刷新页面核对后再操作。")
    return record


def _move(record: ProjectRecord, user, status, now, what: str, **fields) -> None:
    record.status = status
    record.status_changed_at = now
    for name, value in fields.items():
        setattr(record, name, value)
    record.version += 1
    record.updated_by = user
    record._history_user = user
    record._change_reason = what
    record.save(update_fields=["status", "status_changed_at", *fields, "version", "updated_by",
                               "updated_at"])
