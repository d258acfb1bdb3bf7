"""The values a filler enters on the project page, saved as a draft at any time through the one
write path (performance.services.values, channel 页面).

No lost updates: the page carries each record's `version`. When a record changed since the
page was read, each field is merged three ways (performance.services.merge): a field only this
user changed is written, a field only the other person changed is kept, and a field both
changed is a conflict. Any conflict refuses the whole save and says who changed what.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from performance.access import project_rights
from performance.models import ProjectRecord, ReportingPeriod
from performance.workflow import Action, Channel, PeriodState, record_refusal

from .merge import Conflict, EditConflict, FieldClash
from .period_lock import lock_text, period_state, unit_state
from .values import EntryRefused, RecordChange, ValueWrite, write_values

__all__ = ["Conflict", "EditConflict", "Entry", "EntryRefused", "FieldClash", "SaveResult",
           "read_only_reason", "save_entries"]


@dataclass
class Entry:
    """What a page posts for one record: the version it showed and the values now."""

    version: int | None
    values: dict


@dataclass
class SaveResult:
    indicators: list[str] = field(default_factory=list)  # names of the indicators changed
    project: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.indicators or self.project)


def read_only_reason(period: ReportingPeriod, rights, record: ProjectRecord | None,
                     state: PeriodState | None = None) -> str | None:
    """Why this user cannot change the values on the page now; None when they can.

    `state`: the period's state for the project's unit (performance.services.period_lock
    unit_state), when the period is locked; an open period needs none."""
    if state is None:
        state = period_state(period)
    if state == PeriodState.LOCKED:
        return lock_text(period)
    return record_refusal(Action.SAVE, record.status if record else None,
                          rights.capacities(Channel.PAGE), state)


def save_entries(project, period, user, indicators: dict[int, Entry],
                 project_entry: Entry | None = None) -> SaveResult:
    """Save what a filler posted for `project` in `period` (a draft). Raises PermissionDenied
    (not a filler of the unit), EntryRefused (locked, submitted…) or EditConflict."""
    rights = project_rights(user, project)
    if not rights.fill:
        raise PermissionDenied(read_only_reason(period, rights, None,
                                                unit_state(period, project.unit_id)))
    write = ValueWrite(
        period=period, actor=user, channel=Channel.PAGE, only_project=project.id,
        indicators={iid: RecordChange(e.values, e.version) for iid, e in indicators.items()},
        projects=({project.id: RecordChange(project_entry.values, project_entry.version)}
                  if project_entry is not None else {}))
    try:
        written = write_values(write)
    except EditConflict as exc:
        # the page's keys: an indicator's id, or None for the project's own record
        exc.refresh = {(key[1] if key[0] == "i" else None): value
                       for key, value in exc.refresh.items()}
        raise
    return SaveResult(indicators=written.changed_names,
                      project=bool(written.projects_created or written.projects_updated))
