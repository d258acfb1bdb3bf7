"""Working days (工作日): Monday–Friday, minus public holidays, plus the weekends made working
days by the official 调休 arrangement.

China's holiday calendar is announced each year by the State Council and cannot be computed, so
both lists come from settings (RECTIFICATION_HOLIDAYS, RECTIFICATION_EXTRA_WORKDAYS: ISO dates);
`calendar_from_settings()` reads them. Pure functions otherwise.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings


def parse_dates(values: Iterable) -> frozenset[datetime.date]:
    """ISO date strings (or dates) to a set of dates; a malformed entry is an error, not ignored."""
    dates = set()
    for value in values or ():
        if isinstance(value, datetime.date):
            dates.add(value)
            continue
        text = str(value).strip()
        if text:
            try:
                dates.add(datetime.date.fromisoformat(text))
            except ValueError as exc:
                raise ValueError(f"不是有效的日期（YYYY-MM-DD）：{text}") from exc
    return frozenset(dates)


def calendar_from_settings() -> tuple[frozenset[datetime.date], frozenset[datetime.date]]:
    """(holidays, extra workdays) from the settings."""
    return (parse_dates(getattr(settings, "RECTIFICATION_HOLIDAYS", ())),
            parse_dates(getattr(settings, "RECTIFICATION_EXTRA_WORKDAYS", ())))


def is_working_day(day: datetime.date, holidays=frozenset(), workdays=frozenset()) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(day: datetime.date, n: int, holidays=frozenset(),
                     workdays=frozenset()) -> datetime.date:
    """The date `n` working days after `day` (day itself not counted): Friday + 1 = Monday.
    n = 0 gives `day` itself. Negative n is refused (a deadline is never in the past)."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    remaining = n
    while remaining:
        current += datetime.timedelta(days=1)
        if is_working_day(current, holidays, workdays):
            remaining -= 1
    return current


def response_deadline(day: datetime.date) -> datetime.date:
    """When a monitoring warning raised on `day` must have its response: the setting's number of
    working days later, on the settings' calendar."""
    holidays, workdays = calendar_from_settings()
    return add_working_days(day, settings.RECTIFICATION_RESPONSE_WORKING_DAYS, holidays, workdays)


def rectification_deadline(day: datetime.date) -> datetime.date:
    """When an item raised on `day` must be rectified: the setting's number of calendar days."""
    return day + datetime.timedelta(days=settings.RECTIFICATION_DEADLINE_DAYS)
