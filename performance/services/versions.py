"""Which version of a project's targets is in force when (docs/adjustments.md), for the readers
that score, light, show or export a period.

A project without TargetVersion rows has only its 年初批复 targets: its Indicator rows. Once
an adjustment is proposed, version 1 is kept as rows too, and each approved version is in force
from its `effective_from` date. A period is measured against the version in force on its
cut-off day (the last day of its cut-off month): a monitoring period ending in July against the
targets of July, the self-evaluation (December) against the final approved version.

The Indicator rows always hold the latest approved version, so readers take them as they are
for every project except the few whose version in force at the cut-off is an earlier one
(`earlier_targets`): for those they read the version's IndicatorTarget rows instead.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from performance.chain import VersionStatus
from performance.models import (
    Indicator,
    IndicatorRecord,
    IndicatorTarget,
    TargetVersion,
    VersionKind,
)


def cutoff_date(period) -> date:
    """The last day of the period's cut-off month."""
    return date(period.year, period.cutoff_month,
                calendar.monthrange(period.year, period.cutoff_month)[1])


@dataclass(frozen=True)
class VersionInForce:
    """What a score says of the targets it was measured against."""

    number: int
    kind: str  # VersionKind value
    effective_from: date | None
    version_id: int | None = None  # None: the 年初批复 targets, never adjusted
    current: bool = True  # the latest approved version (the Indicator rows)
    budget_amount: Decimal | None = None
    adjusted_amount: Decimal | None = None

    @property
    def label(self) -> str:
        text = f"第{self.number}版（{VersionKind(self.kind).label}）"
        if self.effective_from and self.number > 1:
            text += f"，{self.effective_from:%Y-%m-%d} 起适用"
        return text

    def as_json(self) -> dict:
        return {"number": self.number, "kind": self.kind, "kind_label": VersionKind(self.kind).label,
                "effective_from": self.effective_from.isoformat() if self.effective_from else None}


ORIGINAL = VersionInForce(number=1, kind=VersionKind.INITIAL, effective_from=None)


def versions_in_force(period, project_ids) -> dict[int, VersionInForce]:
    """project id → the version in force at the period's cut-off, for the projects of
    `project_ids` (ids or a values("id") queryset) that have versions (one query); a project
    missing from the result has only its 年初批复 targets (ORIGINAL)."""
    day = cutoff_date(period)
    approved = (TargetVersion.objects.filter(project_id__in=project_ids,
                                             status=VersionStatus.APPROVED)
                .order_by("project_id", "number")
                .values_list("project_id", "id", "number", "kind", "effective_from",
                             "budget_amount", "adjusted_amount"))
    by_project = defaultdict(list)
    for row in approved:
        by_project[row[0]].append(row)
    found = {}
    for project_id, rows in by_project.items():
        latest = rows[-1]
        in_force = [r for r in rows if r[4] <= day]
        pick = in_force[-1] if in_force else rows[0]
        found[project_id] = VersionInForce(
            number=pick[2], kind=pick[3], effective_from=pick[4], version_id=pick[1],
            current=pick[1] == latest[1], budget_amount=pick[5], adjusted_amount=pick[6])
    return found


@dataclass
class EarlierTargets:
    """An earlier version's targets for one project in one period, with the period's records."""

    version: VersionInForce
    rows: list[IndicatorTarget]  # the indicators the version scores, in its order
    records: dict[int, IndicatorRecord]  # indicator id → record in the period

    def value_rows(self, columns) -> list[tuple]:
        """The rows as `Indicator.objects.values_list(*columns)` gives them for the current
        targets: project_id, id, the target fields, and rec__… for the record's fields."""
        out = []
        for target in self.rows:
            record = self.records.get(target.indicator_id)
            out.append(tuple(_column(target, record, column) for column in columns))
        return out

    def indicators(self) -> list:
        """Unsaved Indicator objects with the version's targets (their levels attached)."""
        return [target.as_indicator() for target in self.rows]


def _column(target, record, column):
    if column == "project_id":
        return target.version.project_id
    if column == "id":
        return target.indicator_id
    if column.startswith("rec__"):
        return None if record is None else getattr(record, column[5:])
    return getattr(target, column)


def earlier_targets(period, project_ids, in_force=None) -> dict[int, EarlierTargets]:
    """project id → the earlier version in force at the period's cut-off, for the projects
    whose version then is not the latest approved one (three queries at most)."""
    if in_force is None:
        in_force = versions_in_force(period, project_ids)
    earlier = {pid: v for pid, v in in_force.items() if not v.current}
    if not earlier:
        return {}
    rows = list(IndicatorTarget.objects
                .filter(version_id__in=[v.version_id for v in earlier.values()])
                .exclude(change="removed")
                .select_related("version", "level1", "level2")
                .order_by("version__project_id", "position", "id"))
    records = {r.indicator_id: r for r in IndicatorRecord.objects.order_by().filter(
        period=period, indicator_id__in=[t.indicator_id for t in rows])}  # no ordering join
    found = {pid: EarlierTargets(version, [], {}) for pid, version in earlier.items()}
    for target in rows:
        item = found[target.version.project_id]
        item.rows.append(target)
        if target.indicator_id in records:
            item.records[target.indicator_id] = records[target.indicator_id]
    return found


def indicators_in_period(project, period, in_force=None) -> list:
    """The indicators that take values in `period`, in 表13's order: those of the targets in
    force at its cut-off (an earlier version's, after an adjustment), else the project's own.
    What the project page shows and the API's values resource writes. `in_force`: the
    period's versions_in_force for the project, when the caller has read them."""
    earlier = earlier_targets(period, [project.id], in_force).get(project.id)
    if earlier is not None:
        return earlier.indicators()
    return list(Indicator.objects.filter(project=project).select_related("level1", "level2")
                .order_by("position", "id"))
