"""Which reporting period a page shows: the one asked for, or the current one."""

from performance.models import PeriodStatus, ReportingPeriod


def periods():
    """Every period, newest first, with who locked it (one query when evaluated)."""
    return ReportingPeriod.objects.select_related("locked_by").order_by(
        "-year", "-cutoff_month", "code")


def current_period(candidates=None) -> ReportingPeriod | None:
    """The latest open period; the latest of all when every period is locked; None if none.

    `candidates` (an evaluated list of periods, newest first) saves the query."""
    found = list(candidates) if candidates is not None else list(periods())
    open_ = [p for p in found if p.status == PeriodStatus.OPEN]
    return (open_ or found or [None])[0]


def pick_period(code: str | None, candidates: list) -> ReportingPeriod | None:
    """The period with `code` among `candidates`, else the current one."""
    if code:
        for period in candidates:
            if period.code == code:
                return period
    return current_period(candidates)
