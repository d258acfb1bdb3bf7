"""What a merge needs from the records' history (performance.services.merge): the values a
stale change started from, and who last changed each field of a record (for files that carry
no versions). `write` is a performance.services.values.ValueWrite; `existing` the indicator
records by indicator id and `records` the project records by project id, both locked."""

from __future__ import annotations

from django.db.models import Q

from performance.models import IndicatorRecord, ProjectRecord

from .merge import UNVERSIONED, Owner
from .record_fields import BLANK, INDICATOR_HISTORY_FIELDS, PROJECT_FIELDS, norm

CHUNK = 2000  # records per IN (…) list


def stale_bases(write, existing: dict, records: dict) -> dict:
    """The values each stale record had at the version its change was made from, from its
    history (one query per kind); a record without that history row has no known base."""
    wanted = [(rec.id, write.indicators[iid].version) for iid, rec in existing.items()
              if isinstance(write.indicators[iid].version, int)
              and write.indicators[iid].version != rec.version]
    bases = {}
    for model, kind, pairs in (
        (IndicatorRecord, "i", wanted),
        (ProjectRecord, "p", [(records[pid].id, change.version)
                              for pid, change in write.projects.items()
                              if pid in records and isinstance(change.version, int)
                              and change.version != records[pid].version]),
    ):
        if not pairs:
            continue
        query = Q()
        for rec_id, version in pairs:
            query |= Q(id=rec_id, version=version)
        for row in model.history.filter(query).order_by("history_date", "history_id"):
            bases[(kind, row.id)] = row
    return bases


def field_owners(write, existing: dict, records: dict) -> dict:
    """For unversioned changes that would change a saved value: who last changed each field
    of those records to its saved value, walked from their history (one query per kind and
    CHUNK of records). ("i" | "p", record id) → {field: Owner}."""
    if write.overwrite:
        return {}
    wanted = {"i": [], "p": []}
    for kind, changes, saved in (("i", write.indicators, existing), ("p", write.projects, records)):
        for key, change in changes.items():
            rec = saved.get(key)
            if (rec is not None and change.version is UNVERSIONED
                    and any(norm(v) != norm(getattr(rec, f, v)) and norm(getattr(rec, f))
                            not in (None, "", ()) for f, v in change.values.items())):
                wanted[kind].append(rec.id)
    owners = {}
    actor = getattr(write.actor, "pk", None)
    for kind, model, fields in (("i", IndicatorRecord, INDICATOR_HISTORY_FIELDS),
                                ("p", ProjectRecord, PROJECT_FIELDS)):
        ids = _touched_by_others(model, wanted[kind], actor)
        for start in range(0, len(ids), CHUNK):
            rows = (model.history.filter(id__in=ids[start:start + CHUNK])
                    .order_by("id", "history_date", "history_id")
                    .values("id", "history_date", "history_user_id", "history_user__username",
                            "history_user__first_name", "history_user__last_name", *fields))
            previous: dict[int, dict] = {}
            for row in rows:
                before = previous.get(row["id"]) or {f: norm(BLANK[f]) for f in fields}
                now = {f: norm(row[f]) for f in fields}
                found = owners.setdefault((kind, row["id"]), {})
                for f in fields:
                    if now[f] != before[f]:
                        found[f] = Owner(row["history_user_id"], _name(row), row["history_date"])
                previous[row["id"]] = now
    return owners


def _name(row) -> str:
    full = f"{row['history_user__first_name'] or ''} {row['history_user__last_name'] or ''}".strip()
    return full or row["history_user__username"] or "（未知用户）"


def _touched_by_others(model, ids: list[int], actor) -> list[int]:
    """Those of `ids` whose history has a row by someone other than `actor`: only they can
    hold a value someone else saved (the others' fields all fall back to the record's last
    writer, the actor). A clerk importing again their own file costs one small query."""
    found = set()
    for start in range(0, len(ids), CHUNK):
        rows = model.history.filter(id__in=ids[start:start + CHUNK])
        rows = (rows.filter(history_user__isnull=False) if actor is None
                else rows.exclude(history_user_id=actor))
        found |= set(rows.order_by().values_list("id", flat=True).distinct())
    return sorted(found)

