"""Whether a change may be written over what is saved now, field by field (docs/workflow.md,
"No lost updates").

Each change says which version of the record it was made from:
* the version saved now: everything it changes is written;
* an older version: three-way merge with the values of that version (the record's history
  row) — a field only this change touched is written, a field only someone else changed
  since is kept, a field both changed differently is a clash;
* None: made when there was no record (a page or template showing blanks), so the base is
  blank;
* UNVERSIONED (a file that carries no versions): a value may fill a blank field or change a
  value the same person saved last; changing a value someone else saved is a clash unless
  the writer asked to overwrite.

A clash refuses the whole write; nothing is saved and the message says who changed what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .record_fields import BLANK, label, norm, shown, stored, values_of, who


class _Unversioned:
    def __repr__(self):
        return "UNVERSIONED"


UNVERSIONED = _Unversioned()


@dataclass(frozen=True)
class FieldClash:
    field: str
    label: str
    base: str
    theirs: str
    mine: str
    by: str = ""  # who saved `theirs` (an unversioned clash: the field's own last writer)
    at: datetime | None = None


@dataclass(frozen=True)
class Owner:
    """Who last changed a field of a record to its saved value (from the record's history)."""

    user_id: int | None
    name: str
    at: datetime | None


@dataclass
class Conflict:
    subject: str
    indicator_id: int | None  # None: a project's own record (预算执行数)
    by: str
    at: datetime | None
    version: int | None
    clashes: list[FieldClash]
    project_id: int | None = None
    source: object = None  # where the change came from (an import's row number)
    unversioned: bool = False

    def message(self) -> str:
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M") if self.at else ""
        if not self.clashes:
            return f"{self.by} {when} 同时保存了“{self.subject}”，请核对后重新保存。"
        if self.unversioned:
            changes = "；".join(
                f"{c.label}已由 {c.by or self.by} 于 {_when(c.at or self.at)} 填写为 {c.theirs}"
                f"（文件中为 {c.mine}）" for c in self.clashes)
            return (f"“{self.subject}”的{changes}；文件不含记录版本，未覆盖他人填写的值"
                    "（如确需覆盖，请选择“覆盖他人填写的值”）")
        changes = "；".join(f"{c.label}：{c.base} → {c.theirs}（你填写的 {c.mine} 未保存）"
                           for c in self.clashes)
        return f"{self.by} 于 {when} 修改了“{self.subject}”的 {changes}"


def _when(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


class EditConflict(Exception):
    """Someone else saved the same fields since the change was made: nothing was saved."""

    def __init__(self, conflicts: list[Conflict], refresh: dict | None = None):
        self.conflicts = conflicts
        # ("i", indicator id) or ("p", project id) → (current version, {field: saved value})
        self.refresh = refresh or {}
        super().__init__("\n".join(c.message() for c in conflicts))


@dataclass
class Merged:
    writes: dict  # field → value to store
    conflict: Conflict | None
    refresh: tuple | None  # (current version, {field: saved value}) for a stale page


@dataclass
class Subject:
    """What a merge is about, for its messages."""

    name: str
    indicator_id: int | None = None
    project_id: int | None = None
    source: object = None


def merge(subject: Subject, fields, mine_values: dict, version, record, base_row, actor,
          *, overwrite: bool = False, owners: dict | None = None) -> Merged:
    """Merge `mine_values` (the fields a change gives) made from `version` into `record` (the
    saved one, locked; None when there is none). `base_row` is the history row of `version`
    when it is older than the record (None when unknown). `owners` (unversioned changes):
    field → Owner, who last changed each saved field; a field without one falls back to the
    record's last writer."""
    theirs = values_of(record, fields)
    mine = {f: norm(mine_values[f]) for f in fields if f in mine_values}
    current = record.version if record is not None else None
    unversioned = version is UNVERSIONED
    if unversioned:
        base = None
    elif version == current:
        base = theirs
    elif version is None or (version == 0 and base_row is None):
        # made when there was no record, or from a record created empty (by a snapshot
        # refresh or as a lock target) that no one had written yet
        base = {f: norm(BLANK[f]) for f in fields}
    else:
        base = values_of(base_row, fields) if base_row is not None else None
    writes, clashes = {}, []
    for name, value in mine.items():
        if value == theirs[name]:
            continue
        if unversioned:
            owner = _owner(record, name, owners)
            # the writer's own value (a command run without a user is the same nobody each time)
            if (theirs[name] == norm(BLANK[name]) or overwrite
                    or owner.user_id == getattr(actor, "pk", None)):
                writes[name] = value
            else:
                clashes.append(FieldClash(name, label(name), "?", shown(name, theirs[name]),
                                          shown(name, value), owner.name, owner.at))
            continue
        if base is not None and value == base[name]:
            continue  # only the other person changed it: theirs stays
        if base is not None and theirs[name] == base[name]:
            writes[name] = value
        else:
            clashes.append(FieldClash(name, label(name), shown(name, base[name]) if base else "?",
                                      shown(name, theirs[name]), shown(name, value)))
    conflict = None
    if clashes:
        conflict = Conflict(subject.name, subject.indicator_id, who(record.updated_by),
                            record.updated_at, current, clashes, project_id=subject.project_id,
                            source=subject.source, unversioned=unversioned)
    refresh = None
    stale = not unversioned and version != current
    if stale:
        refresh = (current, {f: stored(f, theirs[f]) for f in fields if f not in writes})
    return Merged(writes, conflict, refresh)


def _owner(record, name: str, owners: dict | None) -> Owner:
    if record is None:
        return Owner(None, "", None)
    found = owners.get(name) if owners else None
    return found or Owner(record.updated_by_id, who(record.updated_by), record.updated_at)
