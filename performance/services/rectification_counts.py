"""整改事项 counted per unit, in one aggregated query: what the finance overview shows.

  open       待整改 + 整改中 (the unit is working on it)
  overdue    of those, past the deadline (performance.rectifying.is_overdue)
  done       已整改, awaiting finance's confirmation
  confirmed  已确认
Every item of every period counts (the list the counts link to is not limited to a year).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from performance.models import Rectification, RectificationStatus
from performance.rectifying import OPEN

UNIT_LIMIT = 100  # rows on the overview: the units with the most overdue, then open, items


@dataclass(frozen=True)
class Counts:
    unit_id: int
    code: str
    name: str
    open: int = 0
    overdue: int = 0
    done: int = 0
    confirmed: int = 0

    @property
    def total(self) -> int:
        return self.open + self.done + self.confirmed


def counts_by_unit(unit_ids=None, *, today: datetime.date | None = None,
                   limit: int | None = None) -> dict[int, Counts]:
    """{unit id: Counts} of the units with any item (or only `unit_ids`), the units with the
    most overdue items first, then the most open, then by code; at most `limit` units."""
    today = today or timezone.localdate()
    items = Rectification.objects.all()
    if unit_ids is not None:
        items = items.filter(unit_id__in=list(unit_ids))
    rows = (items.order_by().values("unit_id", "unit__code", "unit__name")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN)),
                      overdue=Count("pk", filter=Q(status__in=OPEN, deadline__lt=today)),
                      done=Count("pk", filter=Q(status=RectificationStatus.DONE)),
                      confirmed=Count("pk", filter=Q(status=RectificationStatus.CONFIRMED)))
            .order_by("-overdue", "-open", "-done", "unit__code"))
    if limit is not None:
        rows = rows[:limit]
    return {row["unit_id"]: Counts(row["unit_id"], row["unit__code"], row["unit__name"],
                                   row["open"], row["overdue"], row["done"], row["confirmed"])
            for row in rows}
