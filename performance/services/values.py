"""The one write path of entered values (docs/workflow.md, "One write path").

The project page, the Excel upload, the admin's import and change forms, `import_actuals`
and the import jobs all write IndicatorRecord / ProjectRecord values through `write_values`
(or `prepare` + `apply`, for a caller that checks before it writes). In one transaction it

1. reads the period under a share lock (performance.services.period_lock): a period locked
   meanwhile refuses, for every unit it is not opened for;
2. creates the missing project records and locks the project records of every project it
   will write (SELECT … FOR UPDATE, in project order): every writer of a project's values —
   and every workflow step — takes that lock first, so what follows sees no one else's
   write in flight;
3. refuses, naming the project and its status, what performance.workflow does not allow:
   a locked period, a submitted or approved project, someone not entitled;
4. merges each change field by field into the record saved now (performance.services.merge)
   and refuses the whole write on any clash, saying who changed what;
5. writes the changed records (one statement per batch), a history row for each with the
   actor, the channel and a reason, and refreshes the stored scores and lights of the
   projects it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from budget.models import Project
from performance.access import ProjectRights
from performance.models import Indicator, IndicatorRecord, ProjectRecord
from performance.workflow import Action, Channel, PeriodState, record_refusal

from .merge import UNVERSIONED, EditConflict, Merged, Subject, merge
from .merge_bases import field_owners, stale_bases
from .period_lock import lock_text, period_for_write, unit_states
from .record_fields import PROJECT_FIELDS, indicator_fields, stored
from .record_rows import (
    RECORD_DEFAULTS,
    change_record,
    insert_indicator_records,
    update_records,
    write_history,
)
from .snapshot import refresh_snapshots
from .upsert import upsert
from .versions import earlier_targets

CHUNK = 2000  # ids per IN (…) list
ADMIN_FIELDS = ("deduction", "deduction_note")  # the reviewer's 扣减: admin corrections only

__all__ = ["UNVERSIONED", "EditConflict", "EntryRefused", "RecordChange", "Refusal", "ValueWrite", "WriteRefused",
           "WriteResult", "apply", "prepare", "write_values"]


@dataclass
class RecordChange:
    """What one source gives for one record: the values (only the fields it sets; a blank a
    file leaves is not given unless the user asked blanks to clear) and the version the
    values were made from (None: no record then; UNVERSIONED: the source has no versions)."""

    values: dict
    version: object = UNVERSIONED
    source: object = None  # e.g. the row number of an import


@dataclass
class ValueWrite:
    period: object
    actor: object  # a user, or None (a command run without --user)
    channel: str
    indicators: dict[int, RecordChange] = field(default_factory=dict)  # indicator id → change
    projects: dict[int, RecordChange] = field(default_factory=dict)  # project id → 预算执行数
    reason: str = ""  # the history rows' change reason, e.g. "Excel 导入：自评表.xlsx"
    overwrite: bool = False  # an unversioned source may change values others saved
    only_project: int | None = None  # a page writes one project: other indicators are ignored


class EntryRefused(Exception):
    """The values cannot be changed now (locked period, submitted project…): one message."""


@dataclass(frozen=True)
class Refusal:
    project_id: int
    project: str
    text: str

    def named(self) -> str:
        """The text with the project's name ("本项目本期已提交…" → "项目“X”本期已提交…")."""
        if self.text.startswith("本项目"):
            return f"项目“{self.project}”{self.text.removeprefix('本项目')}"
        return self.text


class WriteRefused(EntryRefused):
    """What the workflow does not allow, per project; nothing was written."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("；".join(r.named() for r in refusals))


@dataclass
class WriteResult:
    indicators_created: int = 0
    indicators_updated: int = 0
    indicators_unchanged: int = 0
    projects_created: int = 0
    projects_updated: int = 0
    projects_unchanged: int = 0
    changed_names: list[str] = field(default_factory=list)  # indicators changed, in order
    changed_projects: set[int] = field(default_factory=set)  # whose values changed

    @property
    def changed(self) -> bool:
        return bool(self.changed_names or self.projects_created or self.projects_updated)


@dataclass
class Plan:
    write: ValueWrite
    period: object
    indicator_writes: list[tuple[Indicator, IndicatorRecord | None, dict]]
    project_writes: list[tuple[int, ProjectRecord, dict]]
    created_records: set[int]  # project records created for this write (their ids)
    refresh: dict  # for a stale page: ("i", id) / ("p", id) → (version, saved values)
    result: WriteResult


def write_values(write: ValueWrite) -> WriteResult:
    """Check and write `write` atomically. Raises WriteRefused or EditConflict (nothing
    written)."""
    with transaction.atomic():
        return apply(prepare(write))


def prepare(write: ValueWrite) -> Plan:
    """Steps 1–4: lock, check and merge; nothing of the values is written yet. Must run in
    the transaction that will `apply` the plan (the locks hold until it ends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("values.prepare must run inside transaction.atomic()")
    period = period_for_write(write.period)
    empty = [iid for iid, change in write.indicators.items() if not change.values]
    indicators = _indicators([iid for iid, change in write.indicators.items() if change.values],
                             write.only_project, period)
    projects = {i.project_id: i.project for i in indicators.values()}
    others = set(write.projects) - set(projects)
    if others:
        projects.update({row[0]: _Project(*row) for row in Project.objects.filter(
            id__in=others).values_list("id", "name", "unit_id")})
    records, created = _lock_records(period, sorted(projects))
    _check_workflow(write, period, projects, records)
    existing = _indicator_records(period, indicators)
    bases = stale_bases(write, existing, records)
    owners = field_owners(write, existing, records)
    plan = Plan(write, period, [], [], created, {}, WriteResult(indicators_unchanged=len(empty)))
    conflicts = []
    monitoring = period.is_monitoring
    for indicator_id, change in write.indicators.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            continue
        rec = existing.get(indicator_id)
        fields = indicator_fields(indicator, monitoring)
        if write.channel == Channel.ADMIN:
            fields = (*fields, *ADMIN_FIELDS)
        merged = merge(Subject(indicator.name, indicator_id, indicator.project_id, change.source),
                       fields, change.values, change.version, rec,
                       bases.get(("i", rec.id)) if rec else None, write.actor,
                       overwrite=write.overwrite,
                       owners=owners.get(("i", rec.id)) if rec else None)
        result = plan.result
        if _collect(merged, plan, conflicts, ("i", indicator_id)):
            plan.indicator_writes.append((indicator, rec, merged.writes))
            if rec is None:
                result.indicators_created += 1
            else:
                result.indicators_updated += 1
            result.changed_names.append(indicator.name)
            result.changed_projects.add(indicator.project_id)
        else:
            result.indicators_unchanged += 1
    for project_id, change in write.projects.items():
        record = records.get(project_id)
        if record is None:
            continue
        merged = merge(Subject("预算执行数", None, project_id, change.source), PROJECT_FIELDS,
                       change.values, change.version, record, bases.get(("p", record.id)),
                       write.actor, overwrite=write.overwrite,
                       owners=owners.get(("p", record.id)))
        if _collect(merged, plan, conflicts, ("p", project_id)):
            plan.project_writes.append((project_id, record, merged.writes))
            if record.id in created:
                plan.result.projects_created += 1
            else:
                plan.result.projects_updated += 1
            plan.result.changed_projects.add(project_id)
        else:
            plan.result.projects_unchanged += 1
    if conflicts:
        raise EditConflict(conflicts, plan.refresh)
    return plan


def apply(plan: Plan) -> WriteResult:
    """Step 5: write what `prepare` planned, with history, and refresh the snapshots."""
    write, now = plan.write, timezone.now()
    stamp = {"updated_at": now, "updated_by": write.actor}
    created, updated = [], []
    new_row = {"period_id": plan.period.pk, "version": 0, "updated_at": now,
               "updated_by_id": getattr(write.actor, "pk", None)}
    for indicator, rec, writes in plan.indicator_writes:
        if rec is None:
            created.append({**RECORD_DEFAULTS, **new_row, "indicator_id": indicator.id,
                            **{f: stored(f, v) for f, v in writes.items()}})
        else:
            change_record(rec, writes, stamp)
            updated.append((rec, writes))
    insert_indicator_records(created, plan.period)
    update_records(IndicatorRecord, ["indicator", "period"], updated)
    projects = []
    for _, record, writes in plan.project_writes:
        change_record(record, writes, stamp)
        projects.append((record, writes))
    update_records(ProjectRecord, ["project", "period"], projects)
    first = [r for r, _ in projects if r.id in plan.created_records]  # created for this write
    for model, records, kind in (
        (IndicatorRecord, created, "+"), (IndicatorRecord, [r for r, _ in updated], "~"),
        (ProjectRecord, first, "+"),
        (ProjectRecord, [r for r, _ in projects if r.id not in plan.created_records], "~"),
    ):
        write_history(model, records, kind, now, write.actor, write.channel, write.reason)
    if plan.result.changed_projects:
        refresh_snapshots(plan.period, sorted(plan.result.changed_projects))
    return plan.result


# ---------------------------------------------------------------- reading under the locks


@dataclass(frozen=True, slots=True)
class _Project:
    id: int
    name: str
    unit_id: int


@dataclass(frozen=True, slots=True)
class _Target:
    """An indicator as the write needs it (read as plain values: an import has 100,000)."""

    id: int
    project_id: int
    name: str
    operator: str
    project: _Project


def _indicators(ids: list[int], project_id: int | None, period) -> dict[int, _Target]:
    """The indicators of `ids` that take values in `period`: those in force now, and those an
    approved adjustment removed while the version in force at the period's cut-off still has
    them (docs/adjustments.md)."""
    found, projects = {}, {}
    columns = ("id", "project_id", "name", "operator", "project__name", "project__unit_id")
    # .order_by(): the rows land in a dict; the model's ordering would join the project and the
    # unit to sort them (and cost its compiling on every save of the page)
    rows = (Indicator.objects.all() if project_id is None else Indicator.objects.filter(
        project_id=project_id)).order_by()
    for start in range(0, len(ids), CHUNK):
        for iid, pid, name, operator, project, unit_id in rows.filter(
                id__in=ids[start:start + CHUNK]).values_list(*columns):
            ref = projects.get(pid) or projects.setdefault(pid, _Project(pid, project, unit_id))
            found[iid] = _Target(iid, pid, name, operator, ref)
    others = [iid for iid in ids if iid not in found]
    retired_rows = Indicator.all_objects.filter(id__in=others[:CHUNK], retired=True)
    if project_id is not None:
        retired_rows = retired_rows.filter(project_id=project_id)
    retired = list(retired_rows.values_list(*columns)) if others else []
    if retired:
        earlier = earlier_targets(period, {row[1] for row in retired})
        for iid, pid, name, operator, project, unit_id in retired:
            if pid in earlier and any(t.indicator_id == iid for t in earlier[pid].rows):
                ref = projects.get(pid) or projects.setdefault(pid, _Project(pid, project, unit_id))
                found[iid] = _Target(iid, pid, name, operator, ref)
    return found


def _lock_records(period, project_ids: list[int]) -> tuple[dict[int, ProjectRecord], set[int]]:
    """The project records of `project_ids`, locked (SELECT … FOR UPDATE in project order),
    those missing created empty first; and the ids of the ones created here."""
    records = _select_for_update(period, project_ids)
    missing = [pid for pid in project_ids if pid not in records]
    if not missing:
        return records, set()
    # ON CONFLICT DO NOTHING: a concurrent first write (or a snapshot refresh) may create it too
    now = timezone.now()
    upsert(ProjectRecord, [{"project_id": pid, "period_id": period.pk, "updated_at": now}
                           for pid in missing], unique=["project", "period"], update=[])
    fresh = _select_for_update(period, missing)
    records.update(fresh)
    return records, {r.id for r in fresh.values()
                     if r.version == 0 and r.updated_by_id is None and r.spent is None
                     and not r.spent_reason}


def _select_for_update(period, project_ids: list[int]) -> dict[int, ProjectRecord]:
    found = {}
    for start in range(0, len(project_ids), CHUNK):
        rows = (ProjectRecord.objects.select_for_update(of=("self",)).select_related("updated_by")
                .filter(period=period, project_id__in=project_ids[start:start + CHUNK])
                .order_by("project_id"))
        found.update({r.project_id: r for r in rows})
    return found


def _indicator_records(period, indicators: dict[int, _Target]) -> dict[int, IndicatorRecord]:
    """The saved records of `indicators`, read by their projects (a project has 10–20
    indicators: a far shorter IN list than the indicators' own ids)."""
    projects = sorted({t.project_id for t in indicators.values()})
    found = {}
    for start in range(0, len(projects), CHUNK):
        rows = (IndicatorRecord.objects.select_related("updated_by")
                .filter(period=period, indicator__project_id__in=projects[start:start + CHUNK])
                .order_by())  # into a dict: no sort joining the project and the unit
        found.update({r.indicator_id: r for r in rows if r.indicator_id in indicators})
    return found


def _check_workflow(write: ValueWrite, period, projects: dict, records: dict) -> None:
    states = unit_states(period, {p.unit_id for p in projects.values()})
    refusals, rights = [], {}
    for project_id in sorted(projects):
        project = projects[project_id]
        if project.unit_id not in rights:
            rights[project.unit_id] = ProjectRights(write.actor, project.unit_id).capacities(
                write.channel)
        record = records.get(project_id)
        state = states[project.unit_id]
        text = record_refusal(Action.SAVE, record.status if record else None,
                              rights[project.unit_id], state)
        if text is None:
            continue
        if state == PeriodState.LOCKED:
            text = lock_text(period)
        refusals.append(Refusal(project_id, project.name, text))
    if refusals:
        raise WriteRefused(refusals)


def _collect(merged: Merged, plan: Plan, conflicts: list, key) -> bool:
    if merged.conflict is not None:
        conflicts.append(merged.conflict)
    if merged.refresh is not None:
        plan.refresh[key] = merged.refresh
    return bool(merged.writes)
