"""Reminders of 整改事项 through the reminder scan (performance.reminders.rectification_steps):
the response deadline missed, the deadline missed (latest step only), finance's weekly summary,
each step exactly once per person, nothing for 已整改 / 已确认 items, with frozen time."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from budget.models import Role
from performance.models import (
    Notice,
    PeriodStatus,
    ReminderAudience,
    ReminderLog,
    ReminderStatus,
)
from performance.reminders import delivery, rectification_steps, service
from tests.factories import (
    MembershipFactory,
    MonitoringPeriodFactory,
    ProjectFactory,
    RectificationFactory,
    UnitFactory,
    UserFactory,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEADLINE = datetime.date(2025, 10, 31)  # a Friday
RESPONSE_BY = datetime.date(2025, 10, 16)


def at(month, day, hour=9, minute=0):
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def run(now):
    """One scan at `now`, delivering every message it hands out (as the worker would)."""
    with time_machine.travel(now, tick=False):
        result = service.scan()
        outcomes = [delivery.deliver(m.log_ids, m.attempt) for m in result.messages]
    return result, outcomes


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def person(username, unit, role):
    user = UserFactory(username=username, email=f"{username}@example.com")
    MembershipFactory(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def unit(db):
    unit = UnitFactory(code="900001", name="测试单位")
    person("alice", unit, Role.FILLER)
    person("rita", unit, Role.UNIT_REVIEWER)
    other = UnitFactory(code="900002", name="别的单位")
    person("olga", other, Role.FILLER)
    return unit


def warning(unit, **fields):
    """A red-light 整改事项 (the period is closed: items are reminded whatever its status)."""
    period = MonitoringPeriodFactory(status=PeriodStatus.LOCKED, lock_reason="已截止",
                                     locked_at=at(9, 1))
    project = ProjectFactory(unit=unit, name="信息化建设")
    values = {"source": "red_light", "source_key": f"red_light:2025-07:{project.pk}",
              "problem": "指标“培训人次”监控灯为红灯", "deadline": DEADLINE,
              "response_deadline": RESPONSE_BY, **fields}
    return RectificationFactory(project=project, period=period, **values)


def who(result):
    return sorted((m.recipient, m.audience, m.step, tuple(m.scopes)) for m in result.new)


def test_a_missed_response_deadline_reminds_the_units_filler_and_reviewer_once(unit):
    item = warning(unit)

    assert run(at(10, 16, 18))[0].new == []  # the deadline day itself is still in time
    result, outcomes = run(at(10, 17))

    step = f"rect-{item.pk}-response-due"
    assert who(result) == [("alice", ReminderAudience.FILLER, step, ("900001",)),
                           ("rita", ReminderAudience.REVIEWER, step, ("900001",))]
    assert outcomes == ["sent", "sent"]
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "rita@example.com"]
    email = mail.outbox[0]
    assert "未按期选择应对方式" in email.subject and "信息化建设" in email.subject
    assert "培训人次" in email.body and "2025-10-16" in email.body
    assert reverse("rectification:detail", args=[item.pk]) in email.body
    assert Notice.objects.filter(url=reverse("rectification:detail", args=[item.pk])).count() == 2
    log = ReminderLog.objects.filter(recipient__username="alice").get()
    assert (log.period_id, log.unit_id, log.scope) == (item.period_id, unit.pk, "900001")

    again, _ = run(at(10, 17, 15))
    later, _ = run(at(10, 20))
    assert again.new == [] and again.already_claimed == 2 and later.new == []
    assert len(mail.outbox) == 2


def test_a_chosen_response_or_a_manual_item_owes_no_response_reminder(unit):
    warning(unit, response="adjust", status="in_progress")
    project = ProjectFactory(unit=unit)
    RectificationFactory(project=project, deadline=DEADLINE, response_deadline=RESPONSE_BY)

    assert run(at(10, 20))[0].new == []


def test_overdue_steps_go_out_once_each_latest_only(unit):
    item = warning(unit, response="continue", status="in_progress")

    day = datetime.date(2025, 10, 25)
    while day <= datetime.date(2025, 12, 31):
        for hour in (9, 14):
            run(datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI))
        day += datetime.timedelta(days=1)

    steps = list(ReminderLog.objects.filter(recipient__username="alice")
                 .order_by("claimed_at", "id").values_list("step", flat=True))
    assert steps == [f"rect-{item.pk}-overdue-{d}" for d in (1, 7, 14, 30)]
    alice = [e for e in mail.outbox if e.to == ["alice@example.com"]]
    assert len(alice) == 4 and "已逾期 1 天" in alice[0].subject


def test_a_missed_scan_is_caught_up_with_the_latest_overdue_step_only(unit):
    item = warning(unit, response="continue")

    result, _ = run(at(11, 10))  # 10 days overdue, no scan before

    assert {m.step for m in result.new} == {f"rect-{item.pk}-overdue-7"}


def test_the_overdue_steps_come_from_settings(unit, settings):
    settings.REMINDERS = {**settings.REMINDERS, "rectification_overdue_days": [3]}
    item = warning(unit, response="continue")

    assert run(at(11, 2))[0].new == []
    assert {m.step for m in run(at(11, 3))[0].new} == {f"rect-{item.pk}-overdue-3"}


@pytest.mark.parametrize("fields", [
    {"status": "done", "progress": "已补齐"},
    {"status": "confirmed", "progress": "已补齐",
     "confirmed_at": datetime.datetime(2025, 11, 1, tzinfo=datetime.UTC)},
])
def test_done_and_confirmed_items_owe_nothing(unit, fields):
    warning(unit, **fields)

    assert run(at(11, 20))[0].new == [] and mail.outbox == []


def test_finance_gets_a_weekly_summary_of_overdue_items_per_unit(unit):
    person("fay", None, Role.FINANCE_REVIEWER)
    warning(unit, response="continue")
    RectificationFactory(project=ProjectFactory(unit=unit), deadline=DEADLINE)

    result, _ = run(at(11, 4))  # a Tuesday: the week of Monday 11-03

    summary = [m for m in result.new if m.audience == ReminderAudience.FINANCE]
    assert [(m.recipient, m.scopes, m.step) for m in summary] == [
        ("fay", ["*"], "rect-overdue-2025-11-03"), ("fay", ["*"], "rect-overdue-2025-11-03")]
    bodies = [e.body for e in mail.outbox if e.to == ["fay@example.com"]]
    assert any("900001 测试单位：1 项，最早期限 2025-10-31" in body for body in bodies)
    assert all(reverse("rectification:list") + "?overdue=on" in body for body in bodies)
    assert not [m for m in run(at(11, 7))[0].new if m.audience == ReminderAudience.FINANCE]
    next_week = [m.step for m in run(at(11, 10))[0].new if m.audience == ReminderAudience.FINANCE]
    assert next_week == ["rect-overdue-2025-11-10"] * 2


def test_nothing_is_sent_in_the_quiet_hours(unit):
    warning(unit)

    assert run(at(10, 20, 23))[0].quiet and not ReminderLog.objects.exists()


def test_an_inactive_person_is_not_reminded(unit):
    warning(unit)
    UserFactory._meta.model.objects.filter(username="rita").update(is_active=False)

    assert [m.recipient for m in run(at(10, 17))[0].new] == ["alice"]


def test_a_concurrent_scan_that_claimed_first_wins_the_contested_rows(unit, monkeypatch):
    item = warning(unit)
    with time_machine.travel(at(10, 17), tick=False):
        rows = rectification_steps.owed(datetime.date(2025, 10, 17), service.config())
        rival = next(row for row in rows if row.recipient.username == "alice")
        ReminderLog.objects.create(**{f: getattr(rival, f) for f in (
            "period_id", "unit_id", "scope", "recipient_id", "audience", "step")})
        real = service._claimed_keys
        calls = []
        # The rival commits between this scan's look-up and its insert.
        monkeypatch.setattr(service, "_claimed_keys",
                            lambda rows: set() if not calls.append(1) and len(calls) == 1
                            else real(rows))
        result = service.scan()

    assert [m.recipient for m in result.new] == ["rita"]
    assert result.already_claimed == 1
    assert ReminderLog.objects.filter(step=f"rect-{item.pk}-response-due").count() == 2


def test_a_failed_send_of_a_closed_periods_item_is_retried(unit):
    warning(unit)
    run(at(10, 17))
    ReminderLog.objects.filter(recipient__username="alice").update(
        status=ReminderStatus.FAILED, attempts=1, error="SMTPServerDisconnected")

    result, outcomes = run(at(10, 17, 11))

    assert [m.recipient for m in result.retries] == ["alice"] and outcomes == ["sent"]
    assert ReminderLog.objects.get(recipient__username="alice").status == ReminderStatus.SENT


def test_no_items_cost_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert rectification_steps.owed(datetime.date(2025, 11, 1), service.config()) == []


def test_items_cost_two_queries_however_many(unit, django_assert_num_queries):
    for _ in range(5):
        RectificationFactory(project=ProjectFactory(unit=unit), deadline=DEADLINE)
    with django_assert_num_queries(2):
        rows = rectification_steps.owed(datetime.date(2025, 11, 1), service.config())
    assert len(rows) == 10
