"""`manage.py raise_rectifications [--period CODE] [--today YYYY-MM-DD]` and the daily task."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from performance.models import IndicatorRecord, Rectification, WorkflowStatus
from performance.tasks import raise_rectifications
from tests.factories import (
    IndicatorFactory,
    MonitoringPeriodFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
)


def red(period):
    project = ProjectFactory(year=period.year)
    indicator = IndicatorFactory(project=project)
    IndicatorRecord.objects.create(indicator=indicator, period=period, actual_value=Decimal(1),
                                   light="red")
    ProjectRecordFactory(project=project, period=period, status=WorkflowStatus.SUBMITTED)
    return indicator


@pytest.fixture
def world(db):
    july = MonitoringPeriodFactory()
    october = MonitoringPeriodFactory(code="2025-10", name="2025 年 1–10 月绩效运行监控",
                                      cutoff_month=10)
    red(july)
    red(october)
    return july, october


def command(*args):
    out, err = StringIO(), StringIO()
    call_command("raise_rectifications", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_raises_every_period_and_prints_the_counts(world):
    out, _ = command("--today", "2025-09-26")

    assert "2025-07：新登记 1 项，此前已登记 0 项" in out
    assert "2025-10：新登记 1 项" in out and "合计：新登记 2 项" in out
    assert set(Rectification.objects.values_list("deadline", flat=True)) == {
        datetime.date(2025, 10, 26)}


def test_the_command_run_again_raises_nothing_new(world):
    command("--today", "2025-09-26")
    out, _ = command("--today", "2025-09-26")

    assert "合计：新登记 0 项，此前已登记 2 项" in out
    assert Rectification.objects.count() == 2


def test_the_command_records_its_channel_in_the_history(world):
    command("--period", "2025-07", "--today", "2025-09-26")

    assert Rectification.objects.get().history.get().history_channel == "command"


def test_one_period_only(world):
    out, _ = command("--period", "2025-07", "--today", "2025-09-26")

    assert "2025-10" not in out
    assert Rectification.objects.get().period.code == "2025-07"


def test_an_unknown_period_or_date_is_an_error(world):
    with pytest.raises(CommandError, match="没有代码为“1999-07”"):
        command("--period", "1999-07")
    with pytest.raises(CommandError, match="无法识别的日期"):
        command("--today", "26/09/2025")


def test_periods_older_than_last_year_are_left_alone(db):
    red(PeriodFactory(code="2023-07", year=2023, kind="monitoring", cutoff_month=7,
                      name="2023 年 1–7 月"))

    with time_machine.travel(datetime.datetime(2025, 9, 26, 2, tzinfo=datetime.UTC), tick=False):
        out, _ = command()

    assert "2023-07" not in out and not Rectification.objects.exists()


def test_the_task_raises_and_returns_the_summary(world):
    with time_machine.travel(datetime.datetime(2025, 9, 26, 2, tzinfo=datetime.UTC), tick=False):
        summary = raise_rectifications()
        again = raise_rectifications("2025-07")

    assert summary == {"2025-07": {"raised": 1, "existing": 0, "refused": 0},
                       "2025-10": {"raised": 1, "existing": 0, "refused": 0}}
    assert again == {"2025-07": {"raised": 0, "existing": 1, "refused": 0}}
