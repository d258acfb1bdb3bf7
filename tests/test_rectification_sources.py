"""Raising 整改事项 from monitoring warnings and 复核 deductions
(performance.services.rectification_sources)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import Role
from performance.models import (
    CheckStatus,
    IndicatorRecord,
    Notice,
    Rectification,
    RectificationStatus,
    WorkflowStatus,
)
from performance.services import rectification_sources as sources
from tests.factories import (
    CheckedProjectFactory,
    CheckScoreFactory,
    IndicatorFactory,
    MembershipFactory,
    MonitoringPeriodFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
    UserFactory,
)

TODAY = datetime.date(2025, 9, 26)  # a Friday before the National Day holiday


@pytest.fixture
def period(db):
    return MonitoringPeriodFactory()


def warned(period, *, light="red", likelihood="", status=WorkflowStatus.SUBMITTED, year=2025,
           unit=None, name="培训人次"):
    """A project with one indicator whose monitoring record has `light` / `likelihood`."""
    project = ProjectFactory(year=year, unit=unit or UnitFactory())
    indicator = IndicatorFactory(project=project, name=name, target_value=Decimal("100"),
                                 unit="人次")
    IndicatorRecord.objects.create(indicator=indicator, period=period, actual_value=Decimal("20"),
                                   expected_value=Decimal("40.50"), light=light,
                                   likelihood=likelihood)
    if status:
        ProjectRecordFactory(project=project, period=period, status=status)
    return indicator


def test_a_red_light_raises_a_warning_with_the_indicator_target_and_value(period):
    indicator = warned(period)

    report = sources.raise_from_monitoring(period, today=TODAY)

    item = Rectification.objects.get()
    assert report.raised == [item.pk] and report.existing == 0
    assert (item.source, item.source_key) == ("red_light", f"red_light:2025-07:{indicator.pk}")
    assert (item.project, item.unit, item.period, item.indicator) == (
        indicator.project, indicator.project.unit, period, indicator)
    assert item.status == RectificationStatus.PENDING
    for phrase in ("培训人次", "≥100人次", "20人次", "40.5人次", "红灯"):
        assert phrase in item.problem
    assert item.required_action == sources.MONITORING_ACTION


def test_an_impossible_likelihood_raises_its_own_item(period):
    indicator = warned(period, light="yellow", likelihood="完全不可能")

    sources.raise_from_monitoring(period, today=TODAY)

    item = Rectification.objects.get()
    assert (item.source, item.source_key) == ("impossible", f"impossible:2025-07:{indicator.pk}")
    assert "完全不可能" in item.problem and "黄灯" in item.problem


def test_a_red_and_impossible_indicator_raises_two_items(period):
    warned(period, likelihood="完全不可能")

    sources.raise_from_monitoring(period, today=TODAY)

    assert sorted(Rectification.objects.values_list("source", flat=True)) == [
        "impossible", "red_light"]


def test_green_yellow_and_possible_raise_nothing(period):
    warned(period, light="green", likelihood="有可能")
    warned(period, light="yellow", likelihood="确定能")

    assert sources.raise_from_monitoring(period, today=TODAY).raised == []
    assert not Rectification.objects.exists()


def test_a_draft_is_not_raised_until_submitted(period):
    warned(period, status=WorkflowStatus.DRAFT)
    warned(period, status=None)
    approved = warned(period, status=WorkflowStatus.APPROVED)

    sources.raise_from_monitoring(period, today=TODAY)

    assert list(Rectification.objects.values_list("indicator", flat=True)) == [approved.pk]


def test_projects_of_another_year_are_ignored(period):
    warned(period, year=2024)

    assert sources.raise_from_monitoring(period, today=TODAY).raised == []


def test_a_self_evaluation_period_raises_no_monitoring_warning(db):
    final = PeriodFactory()
    warned(final)

    report = sources.raise_from_monitoring(final, today=TODAY)

    assert report.raised == [] and report.skipped and not Rectification.objects.exists()


def test_running_twice_raises_nothing_new_and_notifies_once(period):
    unit = UnitFactory()
    MembershipFactory(user=UserFactory(), unit=unit, role=Role.FILLER)
    warned(period, unit=unit, likelihood="完全不可能")
    warned(period, unit=unit, name="满意度")

    first = sources.raise_from_monitoring(period, today=TODAY)
    notices = Notice.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        second = sources.raise_from_monitoring(period, today=TODAY)

    assert len(first.raised) == 3 and second.raised == [] and second.existing == 3
    assert Rectification.objects.count() == 3 and Notice.objects.count() == notices == 3
    assert len(ctx) <= 2  # the chunk and the keys already raised


def test_deadlines_come_from_settings_with_holidays(period, settings):
    settings.RECTIFICATION_RESPONSE_WORKING_DAYS = 10
    settings.RECTIFICATION_DEADLINE_DAYS = 45
    settings.RECTIFICATION_HOLIDAYS = [f"2025-10-0{d}" for d in range(1, 9)]
    settings.RECTIFICATION_EXTRA_WORKDAYS = ["2025-09-28", "2025-10-11"]
    warned(period)

    with time_machine.travel(datetime.datetime(2025, 9, 26, 10, tzinfo=datetime.UTC), tick=False):
        sources.raise_from_monitoring(period)

    item = Rectification.objects.get()
    assert item.response_deadline == datetime.date(2025, 10, 16)
    assert item.deadline == datetime.date(2025, 11, 10)


def test_records_are_read_in_chunks(period, monkeypatch):
    monkeypatch.setattr(sources, "CHUNK", 2)
    for n in range(5):
        warned(period, name=f"指标{n}")

    report = sources.raise_from_monitoring(period, today=TODAY)

    assert len(report.raised) == 5 == Rectification.objects.count()


# --- 复核 ---------------------------------------------------------------------------------------


@pytest.fixture
def final(db):
    return PeriodFactory()


def checked_with(final, *, status=CheckStatus.DONE, score=Decimal("6"), reason="台账不全",
                 year=2025):
    project = ProjectFactory(year=year)
    done = status == CheckStatus.DONE
    checked = CheckedProjectFactory(
        batch__period=final, project=project, status=status,
        conclusion="基本完成" if done else "",
        concluded_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC) if done else None)
    indicator = IndicatorFactory(project=project, name="培训覆盖率", weight=Decimal("10"))
    CheckScoreFactory(checked=checked, indicator=indicator, score=score, deduction_reason=reason)
    CheckScoreFactory(checked=checked, indicator=IndicatorFactory(project=project))  # full marks
    return checked, indicator


def test_a_concluded_check_deduction_raises_an_item_with_the_reason(final):
    checked, indicator = checked_with(final)

    report = sources.raise_from_checks(final, today=TODAY)

    item = Rectification.objects.get()
    assert report.raised == [item.pk]
    assert (item.source, item.source_key) == ("check_deduction", f"check:{checked.pk}:{indicator.pk}")
    assert item.indicator == indicator and item.period == final
    for phrase in ("培训覆盖率", "权重 10 分", "复核得分 6 分", "扣 4 分", "台账不全"):
        assert phrase in item.problem
    assert item.required_action == "针对复核扣分问题进行整改"
    assert item.response_deadline is None
    assert item.deadline == TODAY + datetime.timedelta(days=30)


def test_an_unconcluded_check_and_another_years_project_raise_nothing(final):
    checked_with(final, status=CheckStatus.IN_PROGRESS)
    checked_with(final, year=2024)

    assert sources.raise_from_checks(final, today=TODAY).raised == []


def test_check_deductions_are_raised_once(final):
    checked_with(final, reason="")

    sources.raise_from_checks(final, today=TODAY)
    again = sources.raise_from_checks(final, today=TODAY)

    assert again.raised == [] and again.existing == 1
    assert "扣分原因：未填写" in Rectification.objects.get().problem


def test_raise_after_conclude_raises_only_that_check(final):
    checked, _ = checked_with(final)
    checked_with(final)

    report = sources.raise_after_conclude(checked.pk)

    assert len(report.raised) == 1
    assert Rectification.objects.get().source_key.startswith(f"check:{checked.pk}:")


def test_raise_after_conclude_logs_a_failure_and_returns_none(final, monkeypatch, caplog):
    checked, _ = checked_with(final)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sources, "raise_from_checks", broken)

    assert sources.raise_after_conclude(checked.pk) is None
    assert "daily run will retry" in caplog.text


def test_raise_all_covers_this_and_last_year_and_both_sources(period, final):
    warned(period)
    checked_with(final)
    old = PeriodFactory(code="2023-final", year=2023)
    checked_with(old, year=2023)

    reports = sources.raise_all(today=TODAY)

    assert set(reports) == {"2025-07", "2025-final"}
    assert sum(len(r.raised) for r in reports.values()) == 2


def test_a_refused_source_is_reported_and_does_not_stop_the_run(period, monkeypatch):
    warned(period, name="甲")
    warned(period, name="乙")
    from performance.services import rectification

    real = rectification.raise_rectification

    def refuse_first(**kwargs):
        if kwargs["indicator"].name == "甲":
            raise rectification.RectificationRefused("期间与项目的年度不符。")
        return real(**kwargs)

    monkeypatch.setattr(rectification, "raise_rectification", refuse_first)

    report = sources.raise_from_monitoring(period, today=TODAY)

    assert len(report.raised) == 1 and len(report.refused) == 1
    assert "年度不符" in report.refused[0]


def test_concluding_a_check_raises_its_deductions_on_commit(db, django_capture_on_commit_callbacks):
    from performance.services import checks
    from tests.entry_setup import make_team
    from tests.factories import IndicatorRecordFactory

    team = make_team()
    for indicator in team.indicators:
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=Decimal(100))
    checked = CheckedProjectFactory(batch__period=team.period, project=team.project)
    scores = {ind.id: (ind.weight - (2 if n == 1 else 0), "进度滞后" if n == 1 else "", "")
              for n, ind in enumerate(team.indicators)}
    checked = checks.save_check(checked, team.finance, scores, version=checked.version)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        checks.conclude(checked, team.finance, "基本客观", version=checked.version)

    assert len(callbacks) == 1
    item = Rectification.objects.get()
    assert item.source_key == f"check:{checked.pk}:{team.indicators[1].pk}"
    assert item.raised_by == team.finance and "进度滞后" in item.problem
