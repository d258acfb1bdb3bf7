"""The bulk sibling of the one write path (performance.services.values), for imports of many
records (performance.excel.actuals_import).

The same steps as `values.prepare` + `values.apply`, in one transaction: the period read under
its share lock, the project records created and locked in project order, the workflow's
refusals, the field-by-field merge (performance.services.merge) with its clashes, the records
and a history row for each with the actor, the channel and the reason, and the stored scores
and lights refreshed for the projects changed. What differs is the cost, which follows what
changed rather than the size of the file:

* the indicators come from the caller (the importer matched them already) instead of being
  read again;
* the saved records are read as plain tuples (one query per CHUNK of projects), not as model
  instances with their users joined;
* a record whose given values equal the saved ones costs that comparison: no merge, no
  history lookup, no write (an unchanged re-import writes nothing and refreshes nothing);
* the changed records are written by upsert.update_rows, one set of fields changed at a time
  and per CHUNK, their history rows by record_rows.write_history;
* a whole file goes through `write_in_parts`: a part of whole projects at a time, so memory
  follows the part, not the file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from budget.models import Project
from performance.models import Indicator, IndicatorRecord, ProjectRecord
from performance.workflow import Channel

from .merge import EditConflict, Subject, merge
from .merge_bases import field_owners, stale_bases
from .period_lock import period_for_write
from .record_fields import BLANK, PROJECT_FIELDS, indicator_fields, norm, stored
from .record_rows import (
    RECORD_DEFAULTS,
    change_record,
    insert_indicator_records,
    update_records,
    write_history,
)
from .scoring import stream_values
from .snapshot import refresh_snapshots
from .table_stats import analyze_after_write
from .upsert import update_rows
from .values import (
    ADMIN_FIELDS,
    ValueWrite,
    WriteRefused,
    WriteResult,
    _check_workflow,
    _collect,
    _indicators,
    _lock_records,
    _Project,
)

CHUNK = 2000  # ids per IN (…) list; records written (and their history) at a time
COLUMNS = tuple(f.attname for f in IndicatorRecord._meta.concrete_fields)
BLANK_NORM = {name: norm(value) for name, value in BLANK.items()}
__all__ = ["BulkPlan", "apply_bulk", "prepare_bulk", "write_in_parts"]


class Saved:
    """A saved IndicatorRecord as plain attributes (what merge, the history rows and the UPDATE
    read), built only for the records a write changes: a model instance each would cost 3×
    the time, and an unchanged record stays the tuple it was read as."""

    def __init__(self, row: tuple):
        self.__dict__.update(zip(COLUMNS, row, strict=True))
        self.updated_by = None


@dataclass
class BulkPlan:
    write: ValueWrite
    period: object
    new: list[tuple[object, dict]]  # indicators without a record, and the values to store
    changed: list[tuple[Saved, dict]]  # saved records and the fields to change
    project_writes: list[tuple[int, ProjectRecord, dict]]
    created_records: set[int]  # project records created for this write
    result: WriteResult


def prepare_bulk(write: ValueWrite, known: dict | None = None) -> BulkPlan:
    """Lock, check and merge, like values.prepare. `known`: the indicators the caller matched,
    id → an object with id, project_id, name, operator, unit_id and project (the project's
    name); those not in it are read as values.prepare reads them. Raises WriteRefused or
    EditConflict; must run inside the transaction that applies the plan."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("values_bulk.prepare_bulk must run inside transaction.atomic()")
    period = period_for_write(write.period)
    given = [iid for iid, change in write.indicators.items() if change.values]
    known = known or {}
    indicators = {iid: known[iid] for iid in given if iid in known}
    if len(indicators) < len(given):
        indicators.update(_indicators([iid for iid in given if iid not in known],
                                      write.only_project, period))
    projects = {}
    for t in indicators.values():
        if t.project_id not in projects:
            projects[t.project_id] = (t.project if isinstance(t.project, _Project)
                                      else _Project(t.project_id, t.project, t.unit_id))
    others = set(write.projects) - set(projects)
    if others:
        projects.update({row[0]: _Project(*row) for row in Project.objects.filter(
            id__in=others).values_list("id", "name", "unit_id")})
    records, created = _lock_records(period, sorted(projects))
    _check_workflow(write, period, projects, records)
    fields_given = sorted({f for iid in given for f in write.indicators[iid].values})
    saved = _saved_records(period, indicators, fields_given)
    result = WriteResult(indicators_unchanged=len(write.indicators) - len(given))
    differing = _differing(write, indicators, saved, fields_given, period.is_monitoring,
                           result)
    del saved
    full = _full_records(period, sorted(iid for iid, (_, _, was) in differing.items() if was))
    differing = {iid: (indicator, fields, full.get(iid))
                 for iid, (indicator, fields, _) in differing.items()}
    _with_users(list(full.values()))
    # The history is read only for what differs: an unchanged row costs its comparison.
    narrowed = replace(write, indicators={iid: write.indicators[iid] for iid in differing})
    existing = {iid: rec for iid, (_, _, rec) in differing.items() if rec is not None}
    bases = stale_bases(narrowed, existing, records)
    owners = field_owners(narrowed, existing, records)
    plan = BulkPlan(write, period, [], [], [], created, result)
    conflicts, refresh = [], {}
    for indicator_id, (indicator, fields, rec) in differing.items():
        change = write.indicators[indicator_id]
        merged = merge(Subject(indicator.name, indicator_id, indicator.project_id, change.source),
                       fields, change.values, change.version, rec,
                       bases.get(("i", rec.id)) if rec else None, write.actor,
                       overwrite=write.overwrite,
                       owners=owners.get(("i", rec.id)) if rec else None)
        if _collect(merged, _Refresh(refresh), conflicts, ("i", indicator_id)):
            if rec is None:
                plan.new.append((indicator, merged.writes))
                result.indicators_created += 1
            else:
                plan.changed.append((rec, merged.writes))
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
        if _collect(merged, _Refresh(refresh), conflicts, ("p", project_id)):
            plan.project_writes.append((project_id, record, merged.writes))
            if record.id in created:
                result.projects_created += 1
            else:
                result.projects_updated += 1
            result.changed_projects.add(project_id)
        else:
            result.projects_unchanged += 1
    if conflicts:
        raise EditConflict(conflicts, refresh)
    return plan


def write_in_parts(writes: Iterable[ValueWrite], known: dict | None = None, *,
                   dry_run: bool = False) -> WriteResult:
    """prepare_bulk and apply_bulk for each of `writes` in turn, inside the caller's
    transaction, so that a file of 100,000 rows never holds every saved record, merge and
    statement at once: each part a few thousand records, its memory released before the next.

    The parts must name disjoint projects in ascending project order (project records are then
    locked in one order, as by a single write). Every part is checked even after one was
    refused or clashed, so that all refusals (else all clashes) are reported together; from
    the first on, nothing more is written, and the caller's transaction rolls back what was.
    A dry run checks and merges every part and writes none."""
    total = WriteResult()
    refusals, conflicts, refresh = [], [], {}
    for write in writes:
        try:
            plan = prepare_bulk(write, known)
        except WriteRefused as exc:
            refusals += exc.refusals
            continue
        except EditConflict as exc:
            conflicts += exc.conflicts
            refresh.update(exc.refresh)
            continue
        failed = refusals or conflicts
        _add(total, plan.result if dry_run or failed else apply_bulk(plan))
        del plan  # not held while the next part is prepared
    if refusals:
        raise WriteRefused(refusals)
    if conflicts:
        raise EditConflict(conflicts, refresh)
    return total


def _add(total: WriteResult, part: WriteResult) -> None:
    for f in dataclasses.fields(WriteResult):
        value = getattr(part, f.name)
        if isinstance(value, set):
            getattr(total, f.name).update(value)
        elif isinstance(value, list):
            getattr(total, f.name).extend(value)
        else:
            setattr(total, f.name, getattr(total, f.name) + value)


@dataclass
class _Refresh:
    """What values._collect fills in for a stale page (an import shows none)."""

    refresh: dict


def _differing(write: ValueWrite, indicators: dict, saved: dict, given: list[str],
               monitoring: bool, result: WriteResult) -> dict:
    """indicator id → (indicator, fields, whether a record is saved) of the changes that give
    a value other than the saved one; the others are counted unchanged."""
    differing = {}
    at = {name: index for index, name in enumerate(given)}
    fields_of: dict[str, tuple] = {}
    admin = write.channel == Channel.ADMIN
    for indicator_id, change in write.indicators.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            continue
        fields = fields_of.get(indicator.operator)
        if fields is None:
            fields = indicator_fields(indicator, monitoring)
            fields = fields_of[indicator.operator] = (*fields, *ADMIN_FIELDS) if admin else fields
        row = saved.get(indicator_id)
        values = change.values
        if row is None:
            same = all(norm(values[f]) == BLANK_NORM[f] for f in fields if f in values)
        else:
            same = all(norm(values[f]) == norm(row[at[f]]) for f in fields if f in values)
        if same:
            result.indicators_unchanged += 1
        else:
            differing[indicator_id] = (indicator, fields, row is not None)
    return differing


def _saved_records(period, indicators: dict, given: set[str]) -> dict[int, tuple]:
    """indicator id → the saved values of the fields in `given` (a tuple in that order), of the
    records of `indicators`, read by their projects (a project has 10–20 indicators: a far
    shorter IN list than the indicators' own ids). Only what the comparison needs: the JSON
    and dates of a record are converted only for the records that change (_full_records)."""
    projects = sorted({t.project_id for t in indicators.values()})
    found = {}
    for start in range(0, len(projects), CHUNK):
        rows = (IndicatorRecord.objects.order_by()  # the model's ordering joins two tables
                .filter(period=period, indicator__project_id__in=projects[start:start + CHUNK])
                .values_list("indicator_id", *given))
        found.update((row[0], row[1:]) for row in stream_values(rows) if row[0] in indicators)
    return found


def _full_records(period, indicator_ids: list[int]) -> dict[int, Saved]:
    """The saved records of `indicator_ids` whole, as Saved rows (CHUNK ids a query), each
    distinct value of a column converted once (scoring.stream_values: equal values, such as
    a list of deviation reasons, may be one object; they are replaced, never changed in
    place)."""
    found = {}
    for start in range(0, len(indicator_ids), CHUNK):
        rows = (IndicatorRecord.objects.order_by()
                .filter(period=period, indicator_id__in=indicator_ids[start:start + CHUNK])
                .values_list(*COLUMNS))
        found.update((rec.indicator_id, rec) for rec in map(Saved, stream_values(rows)))
    return found


def _with_users(records: list[Saved]) -> None:
    """Set `updated_by` (the merge names who saved a value) in one query."""
    ids = {r.updated_by_id for r in records} - {None}
    users = get_user_model().objects.in_bulk(ids) if ids else {}
    for rec in records:
        rec.updated_by = users.get(rec.updated_by_id)


def apply_bulk(plan: BulkPlan) -> WriteResult:
    """Write what prepare_bulk planned, with history rows, and refresh the snapshots of the
    projects changed."""
    write, now = plan.write, timezone.now()
    actor_id = getattr(write.actor, "pk", None)
    new_row = {"period_id": plan.period.pk, "version": 0, "updated_at": now,
               "updated_by_id": actor_id}
    # CHUNK records at a time, each with its history rows: the rows built for the statements
    # never exist for the whole import at once.
    for start in range(0, len(plan.new), CHUNK):
        created = [{**RECORD_DEFAULTS, **new_row, "indicator_id": indicator.id,
                    **{f: stored(f, v) for f, v in writes.items()}}
                   for indicator, writes in plan.new[start:start + CHUNK]]
        insert_indicator_records(created, plan.period)
        write_history(IndicatorRecord, created, "+", now, write.actor, write.channel,
                      write.reason)
    for start in range(0, len(plan.changed), CHUNK):
        chunk = plan.changed[start:start + CHUNK]
        _update_saved(chunk, now, write.actor)
        write_history(IndicatorRecord, [r for r, _ in chunk], "~", now, write.actor,
                      write.channel, write.reason)
    stamp = {"updated_at": now, "updated_by": write.actor}
    projects = []
    for _, record, writes in plan.project_writes:
        change_record(record, writes, stamp)
        projects.append((record, writes))
    update_records(ProjectRecord, ["project", "period"], projects)
    first = [r for r, _ in projects if r.id in plan.created_records]
    for records, kind in ((first, "+"),
                          ([r for r, _ in projects if r.id not in plan.created_records], "~")):
        write_history(ProjectRecord, records, kind, now, write.actor, write.channel,
                      write.reason)
    # the refresh reads these back: planned for the rows it meets (table_stats)
    touched = len(plan.new) + len(plan.changed)
    analyze_after_write({IndicatorRecord: touched, Indicator: touched,
                         ProjectRecord: len(plan.result.changed_projects)})
    if plan.result.changed_projects:
        refresh_snapshots(plan.period, sorted(plan.result.changed_projects))
    return plan.result


def _update_saved(changed: list[tuple[Saved, dict]], now, actor) -> None:
    """UPDATE the changed fields of saved records (and version, updated_at, updated_by), one
    upsert.update_rows per set of fields; the Saved rows take the new values (their history
    rows are written from them)."""
    groups: dict[tuple, list] = {}
    for rec, writes in changed:
        for name, value in writes.items():
            setattr(rec, name, stored(name, value))
        rec.version += 1
        rec.updated_at, rec.updated_by_id, rec.updated_by = now, getattr(actor, "pk", None), actor
        groups.setdefault(tuple(sorted(writes)), []).append(rec)
    for names, records in groups.items():
        attnames = [IndicatorRecord._meta.get_field(n).attname for n in names]
        update_rows(IndicatorRecord, [*names, "version", "updated_at", "updated_by"], [
            (*[getattr(r, a) for a in attnames], r.version, r.updated_at, r.updated_by_id, r.id)
            for r in records])
