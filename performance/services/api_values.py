"""The values resource of the API (docs/api.md): a project's values in one period — its
ProjectRecord (money spent, workflow status) and its IndicatorRecords — read, written and moved
through the workflow by another system, with optimistic concurrency instead of the page's
field merge.

Each state of the resource has `Versions`: the project record's version, the number of
indicator records, the sum of their versions and the latest change (µs since the epoch). Every
write (performance.services.values) and every workflow step (performance.services.workflow)
raises one of the three counts and none of them ever falls, so equal versions mean nothing
changed; the latest change (which follows the clock) says since when to name the changes. The
API shows them as the ETag (api/etags.py). A write names the versions it was made from: under
the project record's lock — the lock every writer of the project's values takes first — they
are compared with the versions now, and a difference refuses the write (`Stale`), naming what
changed since, by whom and when. Otherwise the write goes through the one write path
(`write_values`, channel API) or the workflow step, in the same transaction.

A project record that was never written (version 0: created empty by a snapshot refresh or a
lock) is the same resource as no record: it adds nothing to the versions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from performance.access import project_rights, visible_units
from performance.models import Indicator, IndicatorRecord, ProjectRecord
from performance.workflow import (
    RECORD_TRANSITIONS,
    Action,
    Channel,
    PeriodState,
    allowed,
    record_refusal,
)

from . import workflow
from .period_lock import lock_text, period_for_write, unit_state
from .record_fields import BLANK, indicator_fields, who
from .values import RecordChange, ValueWrite, write_values
from .versions import indicators_in_period

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
CHANGES_SHOWN = 5  # changes named in a refusal's sentence (all are listed in `changes`)
CHANGES_LISTED = 100

# the workflow steps of the API, each the service function the pages call
STEPS = {
    Action.SUBMIT: workflow.submit,
    Action.APPROVE: workflow.approve,
    Action.RETURN: workflow.send_back,
    Action.DEPARTMENT_APPROVE: workflow.department_approve,
    Action.DEPARTMENT_RETURN: workflow.department_return,
    Action.REOPEN: workflow.reopen,
}
# what a person may do on the values, in the order the page offers it
ACTIONS = (Action.SAVE, *STEPS)
# what the resource shows of each record besides the versions
INDICATOR_FIELDS = ("actual_value", "actual_grade", "expected_value", "expected_grade",
                    "likelihood", "deviation_reasons", "corrective_measures", "explanation")
RECORD_FIELDS = ("status", "spent", "spent_reason", "return_reason", "submitted_at",
                 "reviewed_at", "updated_at")


@dataclass(frozen=True)
class Versions:
    project: int  # the project record's version (0: none, or never written)
    records: int  # indicator records of the project in the period
    total: int  # the sum of their versions
    latest: int  # the latest updated_at of any of them, µs since the epoch (0: none)


@dataclass(frozen=True)
class Change:
    """A record changed since the versions a write was made from."""

    subject: str  # the indicator's name, or 预算执行数/状态 for the project record
    indicator_id: int | None
    by: str
    at: datetime.datetime
    version: int

    def sentence(self) -> str:
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
        return f"{self.by} 于 {when} 修改了“{self.subject}”"


class Stale(Exception):
    """The values changed since the versions the write was made from; nothing was written."""

    def __init__(self, current: Versions, changes: list[Change], text: str = ""):
        self.current = current
        self.changes = changes
        if not text and changes:
            named = "，".join(c.sentence() for c in changes[:CHANGES_SHOWN])
            more = f"等 {len(changes)} 处" if len(changes) > CHANGES_SHOWN else ""
            text = f"自您读取后，{named}{more}；请重新读取后再提交。"
        super().__init__(text or "自您读取后数据已被修改；请重新读取后再提交。")


@dataclass
class IndicatorValues:
    """One indicator of the resource: its target and what is entered for it in the period."""

    indicator: Indicator
    fields: tuple[str, ...]  # what a filler enters for it in this period
    values: dict  # every entered field (blank when there is no record yet)
    version: int | None  # its record's version; None: no record yet
    light: str
    updated_at: datetime.datetime | None
    updated_by: str | None


@dataclass
class ValuesState:
    """The values resource of (project, period) as `user` reads it."""

    project: object
    period: object
    state: PeriodState
    versions: Versions
    version: int | None  # the project record's; None: no record yet
    record: dict  # the project record's fields shown (blank when there is none)
    indicators: list[IndicatorValues]
    read_only_reason: str | None
    allowed_actions: list[str]

    @property
    def editable(self) -> bool:
        return self.read_only_reason is None


# ---------------------------------------------------------------- the versions


def microseconds(moment: datetime.datetime | None) -> int:
    return 0 if moment is None else (moment - EPOCH) // datetime.timedelta(microseconds=1)


def versions_of(period, project_ids, records: dict[int, tuple[int, object]]) -> dict[int, Versions]:
    """project id → Versions, given each project's record as (version, updated_at) (absent: no
    record). One query for any number of projects."""
    rows = (IndicatorRecord.objects.filter(period=period, indicator__project_id__in=project_ids)
            .order_by().values("indicator__project_id")
            .annotate(n=Count("id"), s=Sum("version"), t=Max("updated_at"))
            .values_list("indicator__project_id", "n", "s", "t"))
    found = {pid: (n, s or 0, microseconds(t)) for pid, n, s, t in rows}
    result = {}
    for project_id in project_ids:
        version, updated_at = records.get(project_id, (0, None))
        n, s, latest = found.get(project_id, (0, 0, 0))
        if version:  # a record never written is no record
            latest = max(latest, microseconds(updated_at))
        result[project_id] = Versions(version, n, s, latest)
    return result


def _versions(project, period, record: ProjectRecord | None) -> Versions:
    records = {project.id: (record.version, record.updated_at)} if record else {}
    return versions_of(period, [project.id], records)[project.id]


def changes_since(project, period, since: int, record: ProjectRecord | None) -> list[Change]:
    """The records of the resource changed after `since` (µs since the epoch), newest first."""
    moment = EPOCH + datetime.timedelta(microseconds=since)
    rows = (IndicatorRecord.objects
            .filter(period=period, indicator__project_id=project.id, updated_at__gt=moment)
            .select_related("indicator", "updated_by").order_by("-updated_at", "-id"))
    changes = [Change(r.indicator.name, r.indicator_id, who(r.updated_by), r.updated_at, r.version)
               for r in rows[:CHANGES_LISTED]]
    if record is not None and record.version and record.updated_at > moment:
        changes.append(Change("预算执行数/状态", None, who(record.updated_by), record.updated_at,
                              record.version))
    return sorted(changes, key=lambda c: c.at, reverse=True)


# ---------------------------------------------------------------- reading


def read_values(user, project, period) -> ValuesState:
    """The resource as `user` sees it. Its versions are read first: a write committed while the
    rest is read makes them older than what is shown, never newer — so a write made from them
    is refused rather than overwriting a change its author did not see."""
    record = ProjectRecord.objects.filter(project=project, period=period).first()
    versions = _versions(project, period, record)
    indicators = indicators_in_period(project, period)
    records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
        period=period, indicator_id__in=[i.id for i in indicators])}
    stamps = {r.updated_by_id for r in records.values()}
    if record is not None:
        stamps |= {record.updated_by_id, record.submitted_by_id, record.reviewed_by_id}
    stamps.discard(None)
    names = ({u.pk: who(u) for u in get_user_model().objects.filter(pk__in=stamps)}
             if stamps else {})
    monitoring = period.is_monitoring
    rows = []
    for indicator in indicators:
        rec = records.get(indicator.id)
        values = {name: _blank(name) if rec is None else getattr(rec, name)
                  for name in INDICATOR_FIELDS}
        rows.append(IndicatorValues(
            indicator, indicator_fields(indicator, monitoring), values,
            rec.version if rec else None, rec.light if rec else "",
            rec.updated_at if rec else None, names.get(rec.updated_by_id) if rec else None))
    shown = {name: _blank(name) if record is None else getattr(record, name)
             for name in RECORD_FIELDS}
    for stamp in ("submitted_by", "reviewed_by", "updated_by"):
        user_id = getattr(record, f"{stamp}_id") if record is not None else None
        shown[stamp] = names.get(user_id)
    state = unit_state(period, project.unit_id)
    rights = project_rights(user, project)
    return ValuesState(project, period, state, versions, record.version if record else None,
                       shown, rows, _read_only(period, rights, record, state),
                       _allowed(rights, record, state))


def _blank(name: str):
    value = BLANK.get(name)
    return list(value) if isinstance(value, tuple) else value


def _read_only(period, rights, record, state) -> str | None:
    """Why `rights` cannot change the values now (the page's words); None when they can."""
    if state == PeriodState.LOCKED:
        return lock_text(period)
    return record_refusal(Action.SAVE, record.status if record else None,
                          rights.capacities(Channel.API), state)


def _allowed(rights, record, state) -> list[str]:
    """What the page would offer `rights` now: the actions, the submitter's own approval
    excepted (separation of duties)."""
    status = record.status if record else None
    capacities = rights.capacities(Channel.API)
    own = rights.own(record)
    return [str(action) for action in ACTIONS
            if allowed(action, status, capacities, state)
            and not (own and action in workflow.APPROVALS)]


# ---------------------------------------------------------------- writing


def require_right(user, project, action: Action) -> None:
    """PermissionDenied (the workflow's words) unless `user` acts on the project's values in a
    capacity that may take `action` at all: the API grants nothing beyond the memberships."""
    capacities = project_rights(user, project).capacities(Channel.API)
    if not RECORD_TRANSITIONS[action].who & capacities:
        raise PermissionDenied(record_refusal(action, None, capacities, PeriodState.OPEN,
                                              reason="-"))


def reason_refusal(action: Action, reason: str) -> str | None:
    """The workflow's words when `action` needs a reason and none is given; None otherwise."""
    transition = RECORD_TRANSITIONS[action]
    if not transition.needs_reason or (reason or "").strip():
        return None
    return record_refusal(action, next(iter(transition.sources)), transition.who,
                          PeriodState.OPEN, reason="")


def write(user, project, period, expected: list[Versions], indicators: dict[int, dict],
          project_values: dict, reason: str = "") -> ValuesState:
    """Write the parsed values if the resource is still at one of the `expected` versions:
    `indicators` indicator id → {field: value}, `project_values` {spent, spent_reason}.
    Raises Stale, WriteRefused (locked, submitted…); nothing is written then."""
    with transaction.atomic():
        period, record = _lock(project, period)
        _compare(project, period, record, expected)
        versions = dict(IndicatorRecord.objects.filter(
            period=period, indicator__project_id=project.id).values_list("indicator_id", "version"))
        write_values(ValueWrite(
            period=period, actor=user, channel=Channel.API, reason=reason,
            only_project=project.id,
            indicators={iid: RecordChange(values, versions.get(iid))
                        for iid, values in indicators.items()},
            projects={project.id: RecordChange(project_values, record.version)}
            if project_values else {}))
        return read_values(user, project, period)


def step(user, project, period, action: Action, expected: list[Versions],
         reason: str = "") -> ValuesState:
    """Take the workflow step `action` if the resource is still at one of the `expected`
    versions. Raises Stale, WorkflowRefused / Incomplete / PermissionDenied (the service's)."""
    act = STEPS[action]
    with transaction.atomic():
        period, record = _lock(project, period)
        _compare(project, period, record, expected)
        if RECORD_TRANSITIONS[action].needs_reason:
            act(project, period, user, reason, version=record.version, channel=Channel.API)
        else:
            act(project, period, user, version=record.version, channel=Channel.API)
        return read_values(user, project, period)


def _lock(project, period) -> tuple[object, ProjectRecord]:
    """The period under its share lock and the project's record under its row lock, in the
    order every writer takes them; the record is created empty when missing (so there is a
    row to lock: an empty record is no change, and a refusal rolls it back)."""
    period = period_for_write(period)
    rows = (ProjectRecord.objects.select_for_update(of=("self",)).select_related("updated_by")
            .filter(project=project, period=period))
    record = rows.first()
    if record is None:
        ProjectRecord.objects.bulk_create([ProjectRecord(project=project, period=period)],
                                          ignore_conflicts=True)
        record = rows.first()
    return period, record


def _compare(project, period, record, expected: list[Versions]) -> None:
    current = _versions(project, period, record)
    if current in expected:
        return
    if not expected:
        raise Stale(current, [], "If-Match 中没有本资源的 ETag；请先 GET 取得 ETag 后再提交。")
    since = min((v.latest for v in expected), default=0)
    raise Stale(current, changes_since(project, period, since, record))


# ---------------------------------------------------------------- the records of a period


def visible_records(user, period, *, unit: str | None = None, status: str | None = None):
    """The project records of `period` of the projects `user` may see (unit code, status)."""
    rows = (ProjectRecord.objects.filter(period=period, project__unit__in=visible_units(user))
            .select_related("project__unit", "updated_by", "submitted_by", "reviewed_by")
            .order_by("project__unit__code", "project_id"))
    if unit:
        rows = rows.filter(project__unit__code=unit)
    if status:
        rows = rows.filter(status=status)
    return rows


def record_versions(period, records) -> dict[int, Versions]:
    """project id → Versions of the records listed (one query)."""
    return versions_of(period, [r.project_id for r in records],
                       {r.project_id: (r.version, r.updated_at) for r in records})
