"""Which reporting period a page shows: the one asked for, or the current one — the one rule
every page, export and dashboard uses."""

from __future__ import annotations

import datetime

from django.utils import timezone

from performance.models import PeriodStatus, ReportingPeriod

PERIOD_LIMIT = 60  # periods offered in a selector (five years of monthly monitoring)


def periods():
    """Every period, newest first, with who locked it (one query when evaluated)."""
    return ReportingPeriod.objects.select_related("locked_by").order_by(
        "-year", "-cutoff_month", "code")


def current_period(candidates=None, today: datetime.date | None = None) -> ReportingPeriod | None:
    """The period being filled in: of the open periods, the one whose deadline comes next
    (not passed yet); else the latest open one; else the latest of all; None if none.

    `candidates` (an evaluated list of periods, newest first) saves the query."""
    found = list(candidates) if candidates is not None else list(periods()[:PERIOD_LIMIT])
    today = today or timezone.localdate()
    open_ = [p for p in found if p.status == PeriodStatus.OPEN]
    upcoming = sorted((p for p in open_ if p.deadline and p.deadline >= today),
                      key=lambda p: p.deadline)
    return (upcoming or open_ or found or [None])[0]


def pick_period(code: str | None, candidates: list, *, beyond: bool = False) -> ReportingPeriod | None:
    """The period with `code` among `candidates`, else the current one. `beyond`: a code not
    among the candidates is looked up (a dashboard linked to an old period); unknown → None."""
    if code:
        for period in candidates:
            if period.code == code:
                return period
        if beyond:
            return periods().filter(code=code).first()
    return current_period(candidates)
