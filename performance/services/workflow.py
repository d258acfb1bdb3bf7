"""The workflow steps of a project's values in a period — submit, approve, return, reopen,
and where the unit passes its 主管部门 the department's approve and return — carried out as
performance.workflow allows them (docs/workflow.md).

Each step reads the period under a share lock, locks the project's record (the lock every
writer of the project's values takes first), asks performance.workflow, checks the version
the page showed, moves the status and leaves a history row with the actor and the channel.

Submitting needs every indicator's value, or — for a value honestly missing — its written
reason; every reason the scoring asks for; the money spent (or why not); and at monitoring the
expected full-year value and likelihood; and evidence for each indicator that requires it
(docs/evidence.md). A missing value then scores 0 and is listed as 未填.

Separation of duties: whoever submitted the record may not approve it (审核通过 or
主管部门审核通过), even holding a reviewer role (SEPARATION_OF_DUTIES, on by default).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from performance.access import department_tier, project_rights
from performance.domain import Likelihood, Operator
from performance.models import IndicatorRecord, ProjectRecord
from performance.reminders import workflow_notices
from performance.scoring.explain import MISSING
from performance.services.scoring import score_project_period
from performance.workflow import (
    RECORD_TRANSITIONS,
    Action,
    Channel,
    PeriodState,
    record_refusal,
    target_status,
)

from .evidence import missing_evidence_ids
from .period_lock import lock_text, period_for_write, unit_state
from .record_fields import who
from .snapshot import refresh_snapshots
from .values import EntryRefused


class WorkflowRefused(EntryRefused):
    """The step is not possible now (wrong status, locked, changed meanwhile)."""


# Separation of duties (SEPARATION_OF_DUTIES, performance.access.ProjectRights.own): the
# submitter of a record approves it at no level, whatever roles they also hold.
APPROVALS = frozenset({Action.APPROVE, Action.DEPARTMENT_APPROVE})
SELF_APPROVAL = "提交人不能审核自己提交的记录（职责分离）。"


class Problem(str):
    """One thing that keeps a project from being submitted, with the id of the page's field
    that fixes it (the page links to it)."""

    anchor: str

    def __new__(cls, text: str, anchor: str = ""):
        problem = super().__new__(cls, text)
        problem.anchor = anchor
        return problem


class Incomplete(WorkflowRefused):
    """What is still missing before the project can be submitted."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"还有 {len(problems)} 项未完成，不能提交：" + "；".join(problems))


_READ = object()


def submission_problems(project, period, *, result=None, records=None,
                        record=_READ) -> list[Problem]:
    """Everything that keeps the project from being submitted, in page order ([] when none).

    A page that already read them passes the score `result`, the indicator `records`
    (indicator id → record) and the project's `record`."""
    if result is None:
        result = score_project_period(project, period)
    if records is None:
        # the indicators the score measured: the version in force at the period's cut-off
        ids = [line.id for line in result.lines]
        records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
            period=period, indicator_id__in=ids).order_by()}  # a dict: no sort (and its joins)
    if record is _READ:
        record = ProjectRecord.objects.filter(project=project, period=period).order_by().first()
    reason_label = "偏差原因说明" if period.is_monitoring else "未完成原因"
    no_evidence = missing_evidence_ids(period, [line.id for line in result.lines])
    problems = []
    for line, score in zip(result.lines, result.score.indicator_scores, strict=True):
        rec = records.get(line.id)
        name = f"“{line.name}”"
        written = bool(rec and rec.explanation.strip())
        reason_field = f"id_i{line.id}-explanation"
        if score.missing and not written:
            measure = "actual_grade" if line.operator == Operator.QUALITATIVE else "actual_value"
            problems.append(Problem(f"{name}未填写完成值：请填写，或在“{reason_label}”中说明未填的原因",
                                    f"id_i{line.id}-{measure}"))
        if period.is_monitoring:
            problems += _monitoring_problems(name, line, rec)
        for reason in score.reasons_needed:
            if reason.code != MISSING and not written:
                problems.append(Problem(f"{name}{reason.text}", reason_field))
        if line.id in no_evidence:
            problems.append(Problem(f"指标「{line.name}」须上传佐证材料", f"evidence-i{line.id}"))
    execution = result.score.execution
    spent_reason = bool(record and record.spent_reason.strip())
    if execution.missing and not spent_reason:
        problems.append(Problem("未填写预算执行数：请填写，或在“执行率偏低原因”中说明原因",
                                "id_p-spent"))
    for reason in execution.reasons_needed:
        if reason.code != MISSING and not spent_reason:
            problems.append(Problem(f"预算执行：{reason.text}（填写“执行率偏低原因”）",
                                    "id_p-spent_reason"))
    return problems


def _monitoring_problems(name: str, line, rec) -> list[Problem]:
    qualitative = line.operator == Operator.QUALITATIVE
    expected = (rec.expected_grade if qualitative else rec.expected_value) if rec else None
    prefix = f"id_i{line.id}-"
    problems = []
    if expected in (None, ""):
        problems.append(Problem(f"{name}未填写全年预计完成值",
                                prefix + ("expected_grade" if qualitative else "expected_value")))
    likelihood = rec.likelihood if rec else ""
    if not likelihood:
        problems.append(Problem(f"{name}未选择完成可能性", prefix + "likelihood"))
    elif likelihood != Likelihood.CERTAIN:
        if not rec.deviation_reasons:
            problems.append(Problem(f"{name}预计不能完全完成，需选择偏差原因",
                                    prefix + "deviation_reasons_0"))
        if not rec.corrective_measures.strip():
            problems.append(Problem(f"{name}预计不能完全完成，需填写纠偏措施",
                                    prefix + "corrective_measures"))
    return problems


def submit(project, period, user, *, version: int | None = None,
           channel: str = Channel.PAGE) -> ProjectRecord:
    """草稿/已退回 → 已提交, by a filler of the unit. Raises Incomplete listing what is missing."""
    return _step(Action.SUBMIT, project, period, user, version, channel)


def approve(project, period, user, *, version: int | None = None,
            channel: str = Channel.PAGE) -> ProjectRecord:
    """已提交 → 已审核, by a reviewer of the unit or finance; → 单位已审核 instead where the
    unit passes its 主管部门 (performance.access.department_tier), which decides next."""
    return _step(Action.APPROVE, project, period, user, version, channel)


def send_back(project, period, user, reason: str, *, version: int | None = None,
              channel: str = Channel.PAGE) -> ProjectRecord:
    """已提交 → 已退回 with a reason, by a reviewer of the unit or finance; the filler can change
    and submit again."""
    return _step(Action.RETURN, project, period, user, version, channel, reason=reason)


def department_approve(project, period, user, *, version: int | None = None,
                       channel: str = Channel.PAGE) -> ProjectRecord:
    """单位已审核 → 已审核, by a 主管部门审核人 of the unit's department or finance."""
    return _step(Action.DEPARTMENT_APPROVE, project, period, user, version, channel)


def department_return(project, period, user, reason: str, *, version: int | None = None,
                      channel: str = Channel.PAGE) -> ProjectRecord:
    """单位已审核 → 已提交 with a reason, by a 主管部门审核人 or finance: back to the unit
    reviewer, who approves again or returns it to the filler. The reason is the record's
    return_reason until the next return; every one stays in the history."""
    return _step(Action.DEPARTMENT_RETURN, project, period, user, version, channel,
                 reason=reason)


def reopen(project, period, user, reason: str, *, version: int | None = None,
           channel: str = Channel.PAGE) -> ProjectRecord:
    """已审核 → 已退回 with a reason, by finance only: the unit corrects and submits again."""
    return _step(Action.REOPEN, project, period, user, version, channel, reason=reason)


def _step(action: Action, project, period, user, version, channel, *, reason: str = "") -> ProjectRecord:
    rights = project_rights(user, project)
    capacities = rights.capacities(channel)
    reason = (reason or "").strip()
    with transaction.atomic():
        period = period_for_write(period)
        state = unit_state(period, project.unit_id)
        if state == PeriodState.LOCKED:
            raise WorkflowRefused(lock_text(period))
        record = _locked(project, period, create=action == Action.SUBMIT)
        status = record.status if record is not None else None
        refusal = record_refusal(action, status, capacities, state, reason=reason)
        if refusal and not RECORD_TRANSITIONS[action].who & capacities:
            raise PermissionDenied(refusal)
        if record is not None and version is not None and version != record.version:
            # the page was read before someone else's change: say whose, not just "not now"
            when = timezone.localtime(record.updated_at).strftime("%Y-%m-%d %H:%M")
            raise WorkflowRefused(
                f"{who(record.updated_by)} 于 {when} 已修改本项目（当前状态：{record.get_status_display()}），"
                "请刷新页面核对后再操作。")
        if refusal:
            raise WorkflowRefused(refusal)
        if action in APPROVALS and rights.own(record):
            raise WorkflowRefused(SELF_APPROVAL)
        now = timezone.now()
        fields = {}
        if action == Action.SUBMIT:
            problems = submission_problems(project, period, record=record)
            if problems:
                raise Incomplete(problems)
            fields = {"submitted_at": now, "submitted_by": user}
        else:
            # reviewed_*: the last decision of any level (each one is also a history row)
            fields = {"reviewed_at": now, "reviewed_by": user}
            if RECORD_TRANSITIONS[action].needs_reason:
                fields["return_reason"] = reason
        tiered = action == Action.APPROVE and department_tier(project.unit)
        _move(record, user, target_status(action, tiered), now, action.label, channel,
              **fields)
        refresh_snapshots(period, [project.id])
        # who hears of it: claimed with the step, sent after the commit (exactly once)
        workflow_notices.notify(action, record, project, period, user, reason)
    return record


def _locked(project, period, *, create: bool) -> ProjectRecord | None:
    """The project's record, locked for this transaction (created when `create`)."""
    # one row at most: .order_by() spares the model's ordering (joins of the unit and period)
    rows = (ProjectRecord.objects.select_for_update(of=("self",)).select_related("updated_by")
            .filter(project=project, period=period).order_by())
    record = rows.first()
    if record is None and create:
        ProjectRecord.objects.bulk_create([ProjectRecord(project=project, period=period)],
                                          ignore_conflicts=True)
        record = rows.first()
    return record


def _move(record: ProjectRecord, user, status, now, what: str, channel, **fields) -> None:
    record.status = status
    record.status_changed_at = now
    for name, value in fields.items():
        setattr(record, name, value)
    record.version += 1
    record.updated_by = user
    record.updated_at = now
    record.skip_history_when_saving = True
    record.save(update_fields=["status", "status_changed_at", *fields, "version", "updated_by",
                               "updated_at"])
    del record.skip_history_when_saving
    ProjectRecord.history.bulk_history_create(
        [record], update=True, default_user=user, default_change_reason=what, default_date=now,
        custom_historical_attrs={"history_channel": channel})
