"""Writing records of entered values in bulk, for performance.services.values: the records
and their history rows go to the database many rows a statement (performance.services.upsert),
with no model instance built per new row."""

from __future__ import annotations

from collections import defaultdict

from performance.models import IndicatorRecord

from .record_fields import stored
from .upsert import insert, upsert

CHUNK = 2000  # ids per IN (…) list


def change_record(record, writes: dict, stamp: dict) -> None:
    """Set `writes` on a locked record, with the next version and the stamp."""
    for name, value in writes.items():
        setattr(record, name, stored(name, value))
    record.version += 1
    record.updated_at = stamp["updated_at"]
    record.updated_by = stamp["updated_by"]


def insert_indicator_records(rows: list[dict], period) -> None:
    """INSERT new indicator records (rows by attname), many a statement, and learn their ids
    (one query). A record someone created meanwhile outside this path is an IntegrityError."""
    if not rows:
        return
    insert(IndicatorRecord, rows)
    by_indicator = {r["indicator_id"]: r for r in rows}
    # No ordering: the model's sorts through the indicator and its project, a join whose plan
    # PostgreSQL may pick from statistics taken while these rows were still uncommitted (an
    # autovacuum during the import finds the table "empty") and then loop over for minutes.
    found = IndicatorRecord.objects.order_by().filter(period=period)
    if len(by_indicator) <= CHUNK:
        found = found.filter(indicator_id__in=list(by_indicator))
    else:  # an import: the period's records of that id range, one range scan, no IN list
        found = found.filter(indicator_id__gte=min(by_indicator),
                             indicator_id__lte=max(by_indicator))
    for indicator_id, pk in found.values_list("indicator_id", "id").iterator(chunk_size=CHUNK):
        row = by_indicator.get(indicator_id)
        if row is not None:
            row["id"] = pk


RECORD_DEFAULTS = {f.attname: f.get_default() for f in IndicatorRecord._meta.concrete_fields
             if not f.primary_key}


def write_history(model, records: list, kind: str, now, actor, channel: str, reason: str) -> None:
    """One history row per record ("+" created, "~" changed) with the actor, the channel and
    the reason, many a statement (simple-history's bulk_history_create is capped at 999
    parameters a statement on SQLite)."""
    if not records:
        return
    history = model.history.model
    tracked = [f.attname for f in history.tracked_fields]
    meta = {"history_date": now, "history_type": kind, "history_user_id": getattr(actor, "pk", None),
            "history_change_reason": reason[:100], "history_channel": channel}
    insert(history, [{**({name: r[name] for name in tracked} if isinstance(r, dict)
                         else {name: getattr(r, name) for name in tracked}), **meta}
                     for r in records])


def update_records(model, unique: list[str], changed: list[tuple]) -> None:
    """Write the changed fields of existing records: one statement per batch (an upsert whose
    rows all exist), grouped by the set of fields written."""
    groups = defaultdict(list)
    for record, writes in changed:
        groups[tuple(sorted(writes))].append(record)
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    for names, records in groups.items():
        rows = [{f.attname: getattr(r, f.attname) for f in concrete} for r in records]
        upsert(model, rows, unique=unique, update=[*names, "version", "updated_at", "updated_by"])
