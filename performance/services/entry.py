"""The values a unit enters for one project in one period, saved as a draft at any time.

No lost updates: the page carries each record's `version`. When a record changed since the
page was read, each field is merged three ways — the value the page showed (the history row of
that version), the value saved now, the value posted: a field only this user changed is
written, a field only the other person changed is kept, and a field both changed is a
conflict. Any conflict refuses the whole save (nothing is written) and says who changed what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from performance.access import project_rights
from performance.models import (
    Indicator,
    IndicatorRecord,
    ProjectRecord,
    ReportingPeriod,
    WorkflowStatus,
)

from .record_fields import (
    BLANK,
    EDITABLE_STATUSES,
    PROJECT_FIELDS,
    indicator_fields,
    label,
    norm,
    shown,
    stored,
    values_of,
    who,
)


class EntryRefused(Exception):
    """The values cannot be changed now (locked period, submitted project…): one message."""


@dataclass
class Entry:
    """What a page posts for one record: the version it showed and the values now."""

    version: int | None
    values: dict


@dataclass(frozen=True)
class FieldClash:
    field: str
    label: str
    base: str
    theirs: str
    mine: str


@dataclass
class Conflict:
    subject: str
    indicator_id: int | None  # None: the project's own record (预算执行数)
    by: str
    at: datetime | None
    version: int | None
    clashes: list[FieldClash]
    refresh: dict = field(default_factory=dict)  # field → the saved value to show again

    def message(self) -> str:
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M") if self.at else ""
        if not self.clashes:
            return f"{self.by} {when} 同时保存了“{self.subject}”，请核对后重新保存。"
        changes = "；".join(f"{c.label}：{c.base} → {c.theirs}（你填写的 {c.mine} 未保存）"
                           for c in self.clashes)
        return f"{self.by} 于 {when} 修改了“{self.subject}”的 {changes}"


class EditConflict(Exception):
    """Someone else saved the same fields since the page was read: nothing was saved."""

    def __init__(self, conflicts: list[Conflict], refresh: dict | None = None):
        self.conflicts = conflicts
        # (indicator id or None) → (current version, {field: saved value}) for the page
        self.refresh = refresh or {}
        super().__init__("\n".join(c.message() for c in conflicts))


@dataclass
class SaveResult:
    indicators: list[str] = field(default_factory=list)  # names of the indicators changed
    project: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.indicators or self.project)


def lock_text(period: ReportingPeriod) -> str:
    when = timezone.localtime(period.locked_at).strftime("%Y-%m-%d %H:%M") if period.locked_at else ""
    return f"填报期间“{period.name}”已于 {when} 由 {who(period.locked_by)} 锁定，所有人只能查看。"


def read_only_reason(period: ReportingPeriod, rights, record: ProjectRecord | None) -> str | None:
    """Why this user cannot change the values now; None when they can."""
    if period.is_locked:
        return lock_text(period)
    if not rights.fill:
        return ("财政审核人只审核，不能修改单位填报的数据。" if rights.finance
                else "只有本单位的填报人可以填写。")
    status = record.status if record else WorkflowStatus.DRAFT
    if status not in EDITABLE_STATUSES:
        return f"本项目本期{WorkflowStatus(status).label}，不能修改（如需修改，请审核人退回）。"
    return None


def lock_record(project, period) -> ProjectRecord | None:
    """The project's record in `period`, locked for this transaction (None if none yet)."""
    return (ProjectRecord.objects.select_for_update(of=("self",)).select_related("updated_by")
            .filter(project=project, period=period).first())


def fresh_period(period) -> ReportingPeriod:
    """The period as stored now: it may have been locked since the page was read."""
    return ReportingPeriod.objects.select_related("locked_by").get(pk=period.pk)


def save_entries(project, period, user, indicators: dict[int, Entry],
                 project_entry: Entry | None = None) -> SaveResult:
    """Save what a filler posted for `project` in `period` (a draft). Raises PermissionDenied
    (not a filler of the unit), EntryRefused (locked, submitted…) or EditConflict."""
    rights = project_rights(user, project)
    if not rights.fill:
        raise PermissionDenied(read_only_reason(period, rights, None))
    result = SaveResult()
    with transaction.atomic():
        period = fresh_period(period)
        record = lock_record(project, period)
        reason = read_only_reason(period, rights, record)
        if reason:
            raise EntryRefused(reason)
        targets = Indicator.objects.filter(project=project, id__in=list(indicators))
        targets = {i.id: i for i in targets}
        locked = (IndicatorRecord.objects.select_for_update(of=("self",))
                  .select_related("updated_by").filter(period=period, indicator__in=list(targets)))
        existing = {r.indicator_id: r for r in locked}
        bases = _bases(existing, indicators, record, project_entry)
        plan, conflicts, refresh = [], [], {}
        for indicator_id, entry in indicators.items():
            indicator = targets.get(indicator_id)
            if indicator is None:
                continue
            rec = existing.get(indicator_id)
            fields = indicator_fields(indicator, period.is_monitoring)
            merged = _merge(indicator.name, indicator_id, fields, entry, rec, bases)
            _collect(merged, plan, conflicts, refresh, (indicator, rec))
        if project_entry is not None:
            merged = _merge("预算执行数", None, PROJECT_FIELDS, project_entry, record, bases)
            _collect(merged, plan, conflicts, refresh, (None, record))
        if conflicts:
            raise EditConflict(conflicts, refresh)
        if not plan:
            return result
        try:
            with transaction.atomic():
                _write(plan, project, period, user, record, result)
        except IntegrityError as exc:  # a first save of the same record at the same moment
            raise EditConflict([Conflict("本项目", None, "另一位用户", timezone.now(), None, [])]) \
                from exc
    refresh_snapshots(period, [project.id])
    return result


def _bases(existing, indicators, record, project_entry) -> dict:
    """The values each stale record had at the version the page showed, from its history
    (one query); a record without that history row has no known base."""
    wanted = [(rec.id, indicators[iid].version) for iid, rec in existing.items()
              if iid in indicators and indicators[iid].version not in (None, rec.version)]
    bases = {}
    if wanted:
        query = Q()
        for rec_id, version in wanted:
            query |= Q(id=rec_id, version=version)
        for row in IndicatorRecord.history.filter(query).order_by("history_date", "history_id"):
            bases[("i", row.id)] = row
    if (record is not None and project_entry is not None
            and project_entry.version not in (None, record.version)):
        row = (ProjectRecord.history.filter(id=record.id, version=project_entry.version)
               .order_by("-history_date", "-history_id").first())
        if row is not None:
            bases[("p", record.id)] = row
    return bases


@dataclass
class _Merged:
    writes: dict
    conflict: Conflict | None
    refresh: tuple | None


def _merge(subject, indicator_id, fields, entry: Entry, record, bases) -> _Merged:
    theirs = values_of(record, fields)
    mine = {f: norm(entry.values[f]) for f in fields if f in entry.values}
    current = record.version if record is not None else None
    if entry.version == current:
        base = theirs
    elif entry.version is None:
        base = {f: norm(BLANK[f]) for f in fields}  # the page showed no record at all
    else:
        key = ("i" if indicator_id is not None else "p", record.id)
        row = bases.get(key)
        base = values_of(row, fields) if row is not None else None
    writes, clashes = {}, []
    for name, value in mine.items():
        if value == theirs[name] or (base is not None and value == base[name]):
            continue  # nothing to write; or only the other person changed it: theirs stays
        if base is not None and theirs[name] == base[name]:
            writes[name] = value
        else:
            clashes.append(FieldClash(name, label(name), shown(name, base[name]) if base else "?",
                                      shown(name, theirs[name]), shown(name, value)))
    conflict = None
    if clashes:
        conflict = Conflict(subject, indicator_id, who(record.updated_by), record.updated_at,
                            current, clashes)
    refresh = None
    if entry.version != current:
        keep_mine = {f for f in writes}
        refresh = (current, {f: stored(f, theirs[f]) for f in fields if f not in keep_mine})
    return _Merged(writes, conflict, refresh)


def _collect(merged: _Merged, plan, conflicts, refresh, target) -> None:
    indicator, record = target
    if merged.conflict is not None:
        conflicts.append(merged.conflict)
    if merged.refresh is not None:
        refresh[indicator.id if indicator is not None else None] = merged.refresh
    if merged.writes:
        plan.append((indicator, record, merged.writes))


def _write(plan, project, period, user, record, result: SaveResult) -> None:
    if record is None:
        project_writes = next((w for i, _, w in plan if i is None), {})
        record = ProjectRecord(project=project, period=period, updated_by=user,
                               **{f: stored(f, v) for f, v in project_writes.items()})
        record._history_user = user
        record.save()
        result.project = bool(project_writes)
    for indicator, rec, writes in plan:
        if indicator is None:
            if not result.project and rec is not None:
                _update(rec, writes, user)
                result.project = True
            continue
        if rec is None:
            rec = IndicatorRecord(indicator=indicator, period=period, updated_by=user,
                                  **{f: stored(f, v) for f, v in writes.items()})
            rec._history_user = user
            rec.save()
        else:
            _update(rec, writes, user)
        result.indicators.append(indicator.name)


def _update(record, writes: dict, user) -> None:
    for name, value in writes.items():
        setattr(record, name, stored(name, value))
    record.version += 1
    record.updated_by = user
    record._history_user = user
    record.save(update_fields=[*writes, "version", "updated_by", "updated_at"])


def refresh_snapshots(period, project_ids) -> None:
    """Recompute the stored score/grade/lights of these projects (for lists and filters)."""
    from performance.services.snapshot import refresh_snapshots as refresh

    refresh(period, list(project_ids))
