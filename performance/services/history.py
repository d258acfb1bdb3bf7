"""The change history of a project's values in a period (who, when, old → new), read from the
django-simple-history tables of IndicatorRecord and ProjectRecord in two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from performance.models import IndicatorRecord, ProjectRecord
from performance.workflow import Channel

from .record_fields import (
    INDICATOR_HISTORY_FIELDS,
    PROJECT_HISTORY_FIELDS,
    label,
    norm,
    shown,
    values_of,
    who,
)

MAX_ROWS = 2000  # history rows read per record kind: far more than one project ever gets
# the columns read besides the compared fields (only these: a history row has ~30)
META = ("id", "history_id", "history_date", "history_type", "history_change_reason",
        "history_channel",
        "history_user__username", "history_user__first_name", "history_user__last_name")


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    by: str
    subject: str  # an indicator's name, or 项目
    action: str  # 新建 / 修改 / 提交审核 / Excel 导入 …
    changes: tuple[Change, ...]
    channel: str = ""  # 页面 / Excel 上传 / 管理后台 / 命令行 ("" before channels were kept)


def project_history(project, period, indicators, limit: int = 100) -> list[HistoryEntry]:
    """The latest `limit` changes, newest first. `indicators`: the project's indicators (their
    names label the entries)."""
    names = {i.id: i.name for i in indicators}
    entries = []
    rows = (IndicatorRecord.history.filter(period_id=period.id, indicator_id__in=list(names))
            .order_by("-history_date", "-history_id")
            .values(*INDICATOR_HISTORY_FIELDS, "indicator_id", *META)[:MAX_ROWS])
    rows = list(rows)
    entries += _entries(reversed(rows), INDICATOR_HISTORY_FIELDS,
                        lambda row: names.get(row["indicator_id"], "指标"), len(rows) < MAX_ROWS)
    rows = (ProjectRecord.history.filter(period_id=period.id, project_id=project.id)
            .order_by("-history_date", "-history_id")
            .values(*PROJECT_HISTORY_FIELDS, *META)[:MAX_ROWS])
    rows = list(rows)
    entries += _entries(reversed(rows), PROJECT_HISTORY_FIELDS, lambda row: "项目",
                        len(rows) < MAX_ROWS)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _entries(rows, fields, subject, complete: bool) -> list[HistoryEntry]:
    """Each row (a values() dict) against the previous row of the same record (oldest first in
    `rows`), field by field as simple-history's diff_against compares them (stored values,
    `!=`); a created record shows what it was created with. `complete`: `rows` are all the
    rows there are, so a record's first row that is a change (its record was created without
    history, e.g. empty by a snapshot refresh) is compared with a blank record."""
    previous: dict[int, dict] = {}
    found = []
    for row in rows:
        before = previous.get(row["id"])
        previous[row["id"]] = row
        kind, reason = row["history_type"], row["history_change_reason"]
        if kind == "-" or (before is None and kind == "~" and not complete):
            continue  # deleted, or the row it changed is past MAX_ROWS: not shown half-known
        if before is None:
            blank, new = values_of(None, fields), {f: norm(row[f]) for f in fields}
            changes = tuple(Change(label(f), shown(f, blank[f]), shown(f, new[f]))
                            for f in fields if new[f] != blank[f])
        else:
            changes = tuple(Change(label(f), shown(f, before[f]), shown(f, row[f]))
                            for f in fields if before[f] != row[f]
                            and shown(f, before[f]) != shown(f, row[f]))
        if not (changes or reason):
            continue
        action = reason or ("新建" if kind == "+" else "修改")
        channel = row["history_channel"]
        found.append(HistoryEntry(row["history_date"], _who(row), subject(row), action, changes,
                                  Channel(channel).label if channel in Channel.values else ""))
    return found


def _who(row) -> str:
    """record_fields.who of the row's history_user, from its values() columns."""
    if row["history_user__username"] is None:
        return who(None)
    full = f"{row['history_user__first_name']} {row['history_user__last_name']}".strip()
    return full or row["history_user__username"]
