"""Working days for the 整改 deadlines (performance.workdays)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from performance.workdays import (
    add_working_days,
    is_working_day,
    parse_dates,
    rectification_deadline,
    response_deadline,
)

D = datetime.date
# 2025 National Day: 10-01…10-08 off; Sunday 09-28 and Saturday 10-11 are working days (调休).
NATIONAL_DAY = frozenset(D(2025, 10, day) for day in range(1, 9))
MAKEUP = frozenset({D(2025, 9, 28), D(2025, 10, 11)})


def test_monday_to_friday_are_working_days_weekends_are_not():
    assert [is_working_day(D(2025, 9, day)) for day in range(1, 8)] == [
        True, True, True, True, True, False, False]


def test_friday_plus_one_working_day_is_monday():
    assert add_working_days(D(2025, 9, 5), 1) == D(2025, 9, 8)


def test_zero_working_days_is_the_day_itself_and_negative_is_refused():
    assert add_working_days(D(2025, 9, 6), 0) == D(2025, 9, 6)
    with pytest.raises(ValueError):
        add_working_days(D(2025, 9, 6), -1)


def test_ten_working_days_span_two_weekends():
    assert add_working_days(D(2025, 9, 1), 10) == D(2025, 9, 15)


def test_holidays_are_skipped_and_makeup_weekends_count():
    # From Friday 09-26: 09-28 (Sun, 调休) is day 1, 09-29 day 2, 09-30 day 3, then the holiday
    # to 10-08, 10-09 day 4, 10-10 day 5, 10-11 (Sat, 调休) day 6, 10-13 day 7.
    assert add_working_days(D(2025, 9, 26), 7, NATIONAL_DAY, MAKEUP) == D(2025, 10, 13)
    assert add_working_days(D(2025, 9, 26), 7) == D(2025, 10, 7)


def test_dates_are_parsed_from_iso_strings_and_a_bad_one_is_an_error():
    assert parse_dates(["2025-10-01", " 2025-10-02 ", "", D(2025, 10, 3)]) == frozenset(
        {D(2025, 10, 1), D(2025, 10, 2), D(2025, 10, 3)})
    with pytest.raises(ValueError, match="2025/10/01"):
        parse_dates(["2025/10/01"])


def test_deadlines_come_from_settings_counted_from_today(settings):
    settings.RECTIFICATION_RESPONSE_WORKING_DAYS = 10
    settings.RECTIFICATION_DEADLINE_DAYS = 30
    settings.RECTIFICATION_HOLIDAYS = [d.isoformat() for d in NATIONAL_DAY]
    settings.RECTIFICATION_EXTRA_WORKDAYS = [d.isoformat() for d in MAKEUP]
    with time_machine.travel(datetime.datetime(2025, 9, 26, 10, tzinfo=datetime.UTC), tick=False):
        today = timezone.localdate()
        assert today == D(2025, 9, 26)
        # 09-28, 29, 30, 10-09, 10, 11, 13, 14, 15, 16
        assert response_deadline(today) == D(2025, 10, 16)
        assert rectification_deadline(today) == D(2025, 10, 26)


def test_defaults_are_ten_working_days_and_thirty_calendar_days():
    from django.conf import settings

    assert settings.RECTIFICATION_RESPONSE_WORKING_DAYS == 10
    assert settings.RECTIFICATION_DEADLINE_DAYS == 30
