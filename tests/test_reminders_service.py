"""The reminder scan and delivery (performance.reminders), with frozen time."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import Role
from performance.models import (
    IndicatorRecord,
    Notice,
    PeriodKind,
    ReminderAudience,
    ReminderLog,
    ReminderStatus,
    WorkflowStatus,
)
from performance.reminders import delivery, messages, service
from tests.entry_setup import lock
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
    UserFactory,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEADLINE = datetime.date(2025, 8, 20)


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


@pytest.fixture
def period(db):
    return PeriodFactory(code="2025-07", name="2025年1–7月绩效监控", kind=PeriodKind.MONITORING,
                         cutoff_month=7, deadline=DEADLINE)


def unit_with(period, code, *, submitted=False, indicators=2, filled=0, status=None):
    """A unit with one project of `indicators` indicators, `filled` of them entered."""
    unit = UnitFactory(code=code, name=f"单位{code}")
    project = ProjectFactory(unit=unit, name=f"项目{code}")
    for index in range(indicators):
        indicator = IndicatorFactory(project=project)
        if index < filled:
            IndicatorRecord.objects.create(indicator=indicator, period=period, actual_value=1)
    if submitted or status:
        ProjectRecordFactory(project=project, period=period,
                             status=status or WorkflowStatus.SUBMITTED,
                             return_reason="请补充" if status == WorkflowStatus.RETURNED else "")
    return unit


def filler(unit, username, email=True):
    user = UserFactory(username=username, email=f"{username}@example.com" if email else "")
    MembershipFactory(user=user, unit=unit, role=Role.FILLER)
    return user


@pytest.mark.parametrize(
    "now, step, phrase",
    [
        (at(8, 13), "before-7", "距填报截止还有 7 天"),
        (at(8, 17), "before-3", "距填报截止还有 3 天"),
        (at(8, 19), "before-1", "距填报截止还有 1 天"),
        (at(8, 20), "due", "今天是填报截止日"),
        (at(8, 22), "overdue-2", "已逾期 2 天"),
        (at(8, 30), "overdue-10", "已逾期 10 天"),
    ],
)
def test_each_filler_step_is_sent_on_its_day(period, now, step, phrase):
    filler(unit_with(period, "900001"), "alice")

    result, outcomes = run(now)

    assert [m.step for m in result.new] == [step]
    assert outcomes == [delivery.SENT]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    assert phrase in mail.outbox[0].subject
    log = ReminderLog.objects.get()
    assert (log.step, log.scope, log.audience, log.status) == (step, "900001", "filler", "sent")


def test_nothing_is_sent_before_the_first_step(period):
    filler(unit_with(period, "900001"), "alice")

    result, _ = run(at(8, 12, 21, 59))

    assert result.messages == [] and mail.outbox == [] and not ReminderLog.objects.exists()


def test_message_names_projects_missing_indicators_deadline_and_links(period):
    unit = unit_with(period, "900001", indicators=3, filled=1)
    filler(unit, "alice")

    run(at(8, 17))

    email = mail.outbox[0]
    assert "距填报截止还有 3 天" in email.subject and "2025-08-20" in email.subject
    assert "项目900001（未开始填报，缺 2 个指标）" in email.body
    assert "900001 单位900001：1 个项目未提交，共缺 2 个指标未填报" in email.body
    assert messages.project_link(unit.projects.get().pk) in email.body
    assert messages.project_link(1).startswith("http://127.0.0.1:8000/")
    assert "/notices/" in email.body
    notice = Notice.objects.get()
    assert notice.subject == email.subject and notice.body == email.body
    assert notice.url.startswith("/") and notice.reminder == ReminderLog.objects.get()


def test_unit_that_submitted_everything_gets_nothing(period):
    filler(unit_with(period, "900001", submitted=True), "bob")
    filler(unit_with(period, "900002", status=WorkflowStatus.APPROVED), "carol")
    filler(unit_with(period, "900003", status=WorkflowStatus.RETURNED), "dave")

    result, _ = run(at(8, 17))

    assert [m.recipient for m in result.new] == ["dave"]
    assert "已退回" in mail.outbox[0].body


def test_user_in_two_units_gets_one_message_listing_both(period):
    alice = filler(unit_with(period, "900001"), "alice")
    MembershipFactory(user=alice, unit=unit_with(period, "900002"), role=Role.FILLER)

    result, _ = run(at(8, 17))

    assert len(result.new) == 1 and result.new[0].scopes == ["900001", "900002"]
    assert len(mail.outbox) == 1
    assert "900001 单位900001" in mail.outbox[0].body and "900002 单位900002" in mail.outbox[0].body
    assert ReminderLog.objects.filter(recipient=alice, status="sent").count() == 2
    assert Notice.objects.filter(recipient=alice).count() == 1


def test_every_filler_of_a_unit_is_reminded_and_a_user_without_email_gets_the_notice(period):
    unit = unit_with(period, "900001")
    filler(unit, "alice")
    nomail = filler(unit, "eve", email=False)

    run(at(8, 17))

    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert Notice.objects.filter(recipient=nomail).count() == 1
    assert ReminderLog.objects.get(recipient=nomail).status == ReminderStatus.SENT


def test_daily_scans_send_each_step_once_and_stop_after_five_overdue(period):
    filler(unit_with(period, "900001"), "alice")

    day = datetime.date(2025, 8, 1)
    while day <= datetime.date(2025, 9, 30):
        for hour in (9, 10):
            run(datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI))
        day += datetime.timedelta(days=1)

    steps = list(ReminderLog.objects.order_by("claimed_at").values_list("step", flat=True))
    assert steps == ["before-7", "before-3", "before-1", "due", "overdue-2", "overdue-4",
                     "overdue-6", "overdue-8", "overdue-10"]
    assert len(mail.outbox) == 9


def test_a_missed_day_is_caught_up_with_the_latest_step_only(period):
    filler(unit_with(period, "900001"), "alice")

    result, _ = run(at(8, 18))  # the beat was down on 08-17 (before-3) and before

    assert [m.step for m in result.new] == ["before-3"]
    assert "距填报截止还有 2 天" in mail.outbox[0].subject


def test_steps_come_from_settings(period, settings):
    settings.REMINDERS = {"before_days": [5], "on_due_day": False, "overdue_every_days": 0}
    filler(unit_with(period, "900001"), "alice")

    assert run(at(8, 13))[0].new == []
    assert [m.step for m in run(at(8, 15))[0].new] == ["before-5"]
    assert run(at(8, 20))[0].new == [] and run(at(8, 22))[0].new == []


def test_nothing_is_sent_in_the_quiet_hours(period):
    filler(unit_with(period, "900001"), "alice")

    assert run(at(8, 17, 7, 59))[0].quiet and run(at(8, 17, 22))[0].quiet
    assert [m.step for m in run(at(8, 17, 8))[0].new] == ["before-3"]


def test_locked_period_sends_nothing(period):
    filler(unit_with(period, "900001"), "alice")
    lock(period, UserFactory(is_superuser=True), at=at(8, 1))

    result, _ = run(at(8, 17))

    assert result.messages == [] and mail.outbox == []


def test_period_without_deadline_sends_nothing(period):
    filler(unit_with(period, "900001"), "alice")
    period.deadline = None
    period.save()

    assert run(at(8, 17))[0].messages == []


def test_running_the_scan_twice_sends_nothing_new(period):
    filler(unit_with(period, "900001"), "alice")
    first, _ = run(at(8, 17, 9))

    second, outcomes = run(at(8, 17, 10))

    assert len(first.new) == 1
    assert second.new == [] and second.retries == [] and outcomes == []
    assert second.already_claimed == 1
    assert len(mail.outbox) == 1 and ReminderLog.objects.count() == 1


def test_dry_run_claims_and_sends_nothing(period):
    filler(unit_with(period, "900001"), "alice")

    with time_machine.travel(at(8, 17), tick=False):
        result = service.scan(dry_run=True)

    assert [m.recipient for m in result.new] == ["alice"]
    assert not ReminderLog.objects.exists() and mail.outbox == []


def reviewer_case(period, submitted_at):
    unit = unit_with(period, "900001")
    record = ProjectRecordFactory(project=unit.projects.get(), period=period,
                                  status=WorkflowStatus.SUBMITTED, submitted_at=submitted_at)
    reviewer = UserFactory(username="rita", email="rita@example.com")
    MembershipFactory(user=reviewer, unit=unit, role=Role.UNIT_REVIEWER)
    return record, reviewer


def test_reviewer_is_reminded_of_projects_submitted_three_days_ago(period):
    record, reviewer = reviewer_case(period, at(8, 5, 9))

    assert run(at(8, 8, 8, 59))[0].new == []
    result, _ = run(at(8, 8, 9))

    assert [(m.recipient, m.audience, m.step) for m in result.new] == [
        ("rita", ReminderAudience.REVIEWER, "review-2025-08-08")]
    assert "1 个项目已提交超过 3 天" in mail.outbox[0].subject
    assert "项目900001（2025-08-05 提交）" in mail.outbox[0].body
    assert run(at(8, 8, 15))[0].new == []  # once a day
    assert len(run(at(8, 9, 9))[0].new) == 1


def test_reviewer_is_not_reminded_once_the_project_is_reviewed(period):
    record, _ = reviewer_case(period, at(8, 5, 9))
    record.status, record.reviewed_at = WorkflowStatus.APPROVED, at(8, 7)
    record.save()

    assert run(at(8, 9))[0].new == []


def test_finance_gets_a_daily_summary_of_overdue_units(period):
    filler(unit_with(period, "900001", indicators=3), "alice")
    unit_with(period, "900002", submitted=True)
    finance = UserFactory(username="fay", email="fay@example.com")
    MembershipFactory(user=finance, unit=None, role=Role.FINANCE_REVIEWER)

    assert [m.recipient for m in run(at(8, 20))[0].new] == ["alice"]  # not overdue yet
    result, _ = run(at(8, 21))

    summary = [m for m in result.new if m.audience == ReminderAudience.FINANCE]
    assert [(m.recipient, m.scopes, m.step) for m in summary] == [("fay", ["*"], "finance-2025-08-21")]
    body = next(e.body for e in mail.outbox if e.to == ["fay@example.com"])
    assert "900001 单位900001：1 个项目未提交，缺 3 个指标" in body and "900002" not in body
    assert run(at(8, 21, 18))[0].new == []
    assert [m.recipient for m in run(at(8, 22))[0].new] == ["alice", "fay"]


class FailFor(EmailBackend):
    """locmem, except that mail to the addresses in `failing` raises."""

    failing: set = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.failing:
                raise ConnectionRefusedError("SMTP 服务器拒绝连接")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailFor"
    FailFor.failing = {"alice@example.com"}
    yield FailFor.failing
    FailFor.failing = set()


def test_failed_send_is_logged_retried_with_backoff_and_does_not_block_others(period, flaky_mail):
    filler(unit_with(period, "900001"), "alice")
    filler(unit_with(period, "900002"), "bob")

    _, outcomes = run(at(8, 17, 9))

    assert sorted(outcomes) == ["failed", "sent"]
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    failed = ReminderLog.objects.get(recipient__username="alice")
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "SMTP 服务器拒绝连接" in failed.error
    assert run(at(8, 17, 9, 59))[0].messages == []  # backoff: not before an hour
    flaky_mail.clear()
    result, outcomes = run(at(8, 17, 10, 1))
    assert [m.recipient for m in result.retries] == ["alice"] and outcomes == ["sent"]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == ("sent", 2, "")
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(recipient__username="alice").count() == 1


def test_a_send_that_keeps_failing_stops_after_the_maximum_attempts(period, flaky_mail):
    filler(unit_with(period, "900001"), "alice")

    for hours in range(0, 40):  # 08-17 09:00 … 08-19 00:00, the hourly beat
        run(at(8, 17, 9) + datetime.timedelta(hours=hours))

    log = ReminderLog.objects.get(step="before-3")
    assert (log.status, log.attempts) == ("failed", 5)
    assert len(mail.outbox) == 0


def test_a_redelivered_send_sends_nothing(period):
    filler(unit_with(period, "900001"), "alice")
    with time_machine.travel(at(8, 17), tick=False):
        message = service.scan().new[0]

    assert delivery.deliver(message.log_ids, message.attempt) == delivery.SENT
    assert delivery.deliver(message.log_ids, message.attempt) == delivery.SKIPPED
    assert len(mail.outbox) == 1 and Notice.objects.count() == 1


def test_a_claim_whose_send_was_lost_is_dispatched_again(period):
    filler(unit_with(period, "900001"), "alice")
    with time_machine.travel(at(8, 17), tick=False):
        service.scan()  # claimed, but the send task never ran

    assert run(at(8, 17, 9, 5))[0].retries == []  # within the grace period
    result, outcomes = run(at(8, 17, 9, 11))
    assert len(result.retries) == 1 and outcomes == ["sent"] and len(mail.outbox) == 1


def test_a_concurrent_scan_that_claimed_first_wins_the_contested_rows(period, monkeypatch):
    filler(unit_with(period, "900001"), "alice")
    filler(unit_with(period, "900002"), "bob")
    with time_machine.travel(at(8, 17), tick=False):
        owed = service._owed(period, datetime.date(2025, 8, 17), at(8, 17), service.config())
        rival = next(row for row in owed if row.scope == "900001")
        ReminderLog.objects.create(**{f: getattr(rival, f) for f in (
            "period_id", "unit_id", "scope", "recipient_id", "audience", "step")})
        real = service._claimed_keys
        calls = []
        # The rival commits between this scan's look-up and its insert.
        monkeypatch.setattr(service, "_claimed_keys",
                            lambda rows: set() if not calls.append(1) and len(calls) == 1 else real(rows))
        result = service.scan()

    assert [m.recipient for m in result.new] == ["bob"]
    assert result.already_claimed == 1
    assert ReminderLog.objects.count() == 2


def test_scan_queries_do_not_grow_with_units(period):
    def queries(n, start):
        for i in range(start, start + n):
            filler(unit_with(period, f"9{i:05d}", indicators=2, filled=i % 2), f"u{i}")
        ReminderLog.objects.all().delete()
        with time_machine.travel(at(8, 17), tick=False), CaptureQueriesContext(connection) as ctx:
            result = service.scan()
        return len(ctx), len(result.new)

    few, sent_few = queries(3, 0)
    many, sent_many = queries(27, 3)

    assert (sent_few, sent_many) == (3, 30)
    assert few == many <= 11  # + the open 整改事项 owed (rectification_steps)
