"""Finance's 复核 of one sampled project: the sheet (the unit's self-score beside the check's
own, indicator by indicator), saving the 复核 scores, concluding and reopening
(docs/checks.md). The 补充说明 round trip is performance.services.check_explanations.

Every write locks the CheckedProject first (the lock every writer of a check takes), asks
performance.checking, checks the version the page showed, writes history rows with the actor
and the channel, and refreshes the snapshot (self_total … scored_indicators) the overview
reads. The rules of the numbers are performance.scoring.checks'.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from performance import checking
from performance.access import project_rights
from performance.checking import CheckAction
from performance.models import (
    CheckedProject,
    CheckScore,
    CheckStatus,
)
from performance.scoring.checks import score_out_of_range
from performance.scoring.policy import ScoringPolicy
from performance.services.rectification_sources import raise_after_conclude
from performance.services.scoring import current_policy
from performance.workflow import Channel

from .check_sheet import CheckSheet, SheetRow, check_sheet, snapshot_fields
from .record_fields import who

__all__ = ["CheckRefused", "CheckRowsRefused", "CheckSheet", "RowError", "SheetRow", "check_sheet",
           "conclude", "refresh_snapshot", "reopen", "save_check", "snapshot_fields"]

CENT = Decimal("0.01")


class CheckRefused(Exception):
    """The step is not possible (who, status, a stale page, what is missing): the message says
    why, in the words of the page. Nothing was written."""


class RowError(str):
    """What is wrong with one posted row, with the name of the field it belongs to."""

    field: str

    def __new__(cls, text: str, field: str = "score"):
        error = super().__new__(cls, text)
        error.field = field
        return error


class CheckRowsRefused(CheckRefused):
    """Rows that cannot be saved: `errors` by indicator id, `execution_errors` by field name
    (verified_spent, execution_score). Nothing was written."""

    def __init__(self, errors: dict[int, RowError], execution_errors: dict[str, str],
                 names: dict[int, str]):
        self.errors = errors
        self.execution_errors = execution_errors
        texts = [f"“{names.get(key, key)}”{text}" for key, text in errors.items()]
        texts += list(execution_errors.values())
        super().__init__(f"有 {len(texts)} 处填写有误，未保存："
                         + "；".join(text.rstrip("。") for text in texts) + "。")


def refresh_snapshot(checked: CheckedProject, policy: ScoringPolicy | None = None) -> CheckSheet:
    """Recompute and store the snapshot fields of `checked` (not history: they are excluded
    from it); also after the unit's values or targets change. Returns the sheet read."""
    sheet = check_sheet(checked, policy)
    fields = snapshot_fields(sheet)
    CheckedProject.objects.filter(pk=checked.pk).update(**fields)
    for name, value in fields.items():
        setattr(checked, name, value)
    return sheet


# -- saving, concluding, reopening -------------------------------------------------------------------


Row = tuple[Decimal | None, str, str]  # score, 扣分原因, 复核意见
Execution = tuple[Decimal | None, Decimal | None, str]  # 核实预算执行数, 复核执行得分, 说明


def save_check(checked: CheckedProject, user, rows: dict[int, Row], *,
               execution: Execution | None = None, conclusion: str | None = None,
               reviewer=None, version: int, channel: str = Channel.PAGE,
               policy: ScoringPolicy | None = None) -> CheckedProject:
    """Store the 复核 scores of `rows` (indicator id → score, 扣分原因, 复核意见; a score of None
    clears the indicator's score), the execution correction and the conclusion (None: leave
    as is). All or nothing: every row is checked first and CheckRowsRefused lists every
    problem. 待复核 becomes 复核中; the reviewer is `reviewer`, else who it was, else `user`."""
    policy = policy or current_policy()
    with transaction.atomic():
        checked = _locked(checked, user, CheckAction.SAVE, channel, version)
        sheet = check_sheet(checked, policy)
        cleaned = _clean_rows(rows, sheet)
        fields = _clean_execution(checked, execution, policy, cleaned.names)
        if conclusion is not None and conclusion.strip() != checked.conclusion:
            fields["conclusion"] = conclusion.strip()
        now = timezone.now()
        changed = _write_scores(checked, sheet, cleaned.rows, user, now, channel)
        if reviewer is not None and reviewer.pk != checked.reviewer_id:
            fields["reviewer"] = reviewer
        if changed or fields:
            if checked.reviewer_id is None and "reviewer" not in fields:
                fields["reviewer"] = user
            if checked.started_at is None:
                fields["started_at"] = now
            fields["status"] = checking.target_status(CheckAction.SAVE, checked.status)
            _write(checked, user, now, CheckAction.SAVE.label, channel, **fields)
        refresh_snapshot(checked, policy)
    return checked


def conclude(checked: CheckedProject, user, conclusion: str, *, version: int,
             channel: str = Channel.PAGE, policy: ScoringPolicy | None = None) -> CheckedProject:
    """复核中 → 已复核: every indicator scored, a conclusion, no open 补充说明."""
    policy = policy or current_policy()
    conclusion = (conclusion or "").strip()
    with transaction.atomic():
        checked = _locked(checked, user, None, channel, version)
        sheet = check_sheet(checked, policy)
        refusal = checking.refusal(
            CheckAction.CONCLUDE, checked.status, _capacities(user, checked, channel),
            sheet.open_request is not None, unscored=sheet.totals.unscored, conclusion=conclusion)
        if refusal:
            raise CheckRefused(refusal)
        now = timezone.now()
        _write(checked, user, now, CheckAction.CONCLUDE.label, channel,
               status=CheckStatus.DONE, conclusion=conclusion, concluded_at=now,
               concluded_by=user)
        refresh_snapshot(checked, policy)
        # Its deductions become 整改事项 once committed (failures logged; the daily run retries).
        transaction.on_commit(partial(raise_after_conclude, checked.pk))
    return checked


def reopen(checked: CheckedProject, user, reason: str, *, version: int,
           channel: str = Channel.PAGE, policy: ScoringPolicy | None = None) -> CheckedProject:
    """已复核 → 复核中 with a reason (kept as the history row's change reason)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        checked = _locked(checked, user, None, channel, version)
        refusal = checking.refusal(CheckAction.REOPEN, checked.status,
                                   _capacities(user, checked, channel), False, text=reason)
        if refusal:
            raise CheckRefused(refusal)
        _write(checked, user, timezone.now(), f"{CheckAction.REOPEN.label}：{reason}", channel,
               status=CheckStatus.IN_PROGRESS, concluded_at=None, concluded_by=None)
        refresh_snapshot(checked, policy)
    return checked


# -- helpers -----------------------------------------------------------------------------------------


def _capacities(user, checked, channel):
    return project_rights(user, checked.project).capacities(channel)


def _locked(checked, user, action, channel, version) -> CheckedProject:
    """`checked` read again under a row lock, refused when `user` may not do `action` (asked
    first: a stranger learns nothing of the version) or when the page showed another
    version."""
    locked = (CheckedProject.objects.select_for_update(of=("self",))
              .select_related("period", "project__unit", "updated_by").get(pk=checked.pk))
    capacities = _capacities(user, locked, channel)
    if not checking.CHECKERS & capacities:
        raise CheckRefused("只有财政审核人可以复核项目。")
    if version is not None and version != locked.version:
        when = timezone.localtime(locked.updated_at).strftime("%Y-%m-%d %H:%M")
        raise CheckRefused(f"其他人已修改了该项目的复核（{who(locked.updated_by)} 于 {when}，"
                           f"当前状态：{locked.get_status_display()}），未保存，请刷新后再保存。")
    if action is not None:
        refusal = checking.refusal(action, locked.status, capacities, False)
        if refusal:
            raise CheckRefused(refusal)
    return locked


@dataclass
class _Cleaned:
    rows: dict[int, Row]
    names: dict[int, str]


def _clean_rows(rows: dict[int, Row], sheet: CheckSheet) -> _Cleaned:
    by_id = {row.line.id: row for row in sheet.rows}
    names = {key: row.line.name for key, row in by_id.items()}
    cleaned, errors = {}, {}
    for key, (score, reason, opinion) in rows.items():
        reason, opinion = (reason or "").strip(), (opinion or "").strip()
        row = by_id.get(key)
        error = None
        if row is None:
            error = RowError("不是本项目本期适用的绩效指标。")
        elif score is None:
            if reason or opinion:
                error = RowError("填写扣分原因或复核意见时，须同时填写复核得分。")
        elif score != score.quantize(CENT):
            error = RowError("复核得分最多保留两位小数。")
        elif text := score_out_of_range(score, row.weight):
            error = RowError(text)
        elif score < row.weight and not reason:
            error = RowError(f"复核得分低于权重 {row.weight.normalize():f}，须填写扣分原因。",
                             "deduction_reason")
        if error is not None:
            errors[key] = error
        else:
            cleaned[key] = (score, reason, opinion)
    if errors:
        raise CheckRowsRefused(errors, {}, names)
    return _Cleaned(cleaned, names)


def _clean_execution(checked, execution: Execution | None, policy, names) -> dict:
    if execution is None:
        return {}
    verified, override, note = execution
    note = (note or "").strip()
    errors = {}
    if verified is not None and verified < 0:
        errors["verified_spent"] = "核实预算执行数不能为负数。"
    if override is not None:
        if override < 0:
            errors["execution_score"] = "复核预算执行得分不能为负数。"
        elif override > policy.execution_weight:
            errors["execution_score"] = (f"复核预算执行得分不能超过预算执行权重 "
                                         f"{policy.execution_weight.normalize():f}。")
        elif override != override.quantize(CENT):
            errors["execution_score"] = "复核预算执行得分最多保留两位小数。"
    if errors:
        raise CheckRowsRefused({}, errors, names)
    fields = {}
    for name, value in (("verified_spent", verified), ("execution_score", override),
                        ("execution_note", note)):
        if value != getattr(checked, name):
            fields[name] = value
    return fields


def _write_scores(checked, sheet, rows: dict[int, Row], user, now, channel) -> bool:
    """Upsert (and for a cleared score delete) the CheckScore rows; history rows with the
    channel. Whether anything changed."""
    by_id = {row.line.id: row for row in sheet.rows}
    created, updated, deleted = [], [], []
    for key, (score, reason, opinion) in rows.items():
        row = by_id[key]
        stored = row.stored
        if score is None:
            if stored is not None:
                deleted.append(stored)
            continue
        if stored is None:
            created.append(CheckScore(checked=checked, indicator_id=key, weight=row.weight,
                                      score=score, deduction_reason=reason, opinion=opinion,
                                      updated_by=user, updated_at=now))
        elif (stored.score, stored.weight, stored.deduction_reason, stored.opinion) != (
                score, row.weight, reason, opinion):
            stored.score, stored.weight = score, row.weight
            stored.deduction_reason, stored.opinion = reason, opinion
            stored.updated_by, stored.updated_at = user, now
            stored.version += 1
            updated.append(stored)
    what = CheckAction.SAVE.label
    if deleted:
        _delete_scores(deleted, user, now, what, channel)
    if created:
        CheckScore.objects.bulk_create(created)
    if updated:
        CheckScore.objects.bulk_update(updated, ["score", "weight", "deduction_reason", "opinion",
                                                 "updated_by", "updated_at", "version"])
    for objs, kind in ((created, "+"), (updated, "~")):
        if objs:
            _score_history(objs, kind, user, now, what, channel)
    return bool(created or updated or deleted)


def _delete_scores(objs, user, now, what: str, channel) -> None:
    """Delete cleared scores: simple-history writes their "-" rows (with the actor and the
    reason given here); the channel is set on them afterwards."""
    pks = [obj.pk for obj in objs]
    for obj in objs:
        obj._history_user, obj._change_reason, obj._history_date = user, what[:100], now
        obj.delete()
    CheckScore.history.filter(id__in=pks, history_type="-", history_channel="").update(
        history_channel=channel)


def _score_history(objs, kind: str, user, now, what: str, channel) -> None:
    history = CheckScore.history.model
    history.objects.bulk_create([history(
        history_date=now, history_user=user, history_change_reason=what[:100],
        history_type=kind, history_channel=channel,
        **{field.attname: getattr(obj, field.attname) for field in history.tracked_fields})
        for obj in objs])


def _write(checked: CheckedProject, user, now, what: str, channel, **fields) -> None:
    """Change `checked` (version + 1) and leave one history row saying `what`, by `channel`."""
    for name, value in fields.items():
        setattr(checked, name, value)
    checked.version += 1
    checked.updated_by = user
    checked.updated_at = now
    checked.skip_history_when_saving = True
    checked.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    del checked.skip_history_when_saving
    record_history(checked, user, now, what, channel)


def record_history(checked: CheckedProject, user, now, what: str, channel) -> None:
    """One history row of `checked` as it stands, saying `what` (also for the 补充说明 steps,
    which change the request, not the check)."""
    CheckedProject.history.bulk_history_create(
        [checked], update=True, default_user=user, default_change_reason=what[:100],
        default_date=now, custom_historical_attrs={"history_channel": channel})
