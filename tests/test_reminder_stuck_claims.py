"""Reminder claims stuck after a crash (performance.reminders.stuck): a send that began and
never finished is taken up again by the scan after REMINDER_CLAIM_TIMEOUT_MINUTES, once
however many scans run; never lost, at most one duplicate e-mail per crash."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage

from budget.models import Role
from performance.models import Notice, PeriodKind, ReminderLog, ReminderStatus
from performance.reminders import delivery, service, stuck
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(hour=9, minute=0, day=17):
    return datetime.datetime(2025, 8, day, hour, minute, tzinfo=SHANGHAI)


class Killed(BaseException):
    """The worker process dying mid-send (nothing in delivery catches it)."""


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REMINDER_CLAIM_TIMEOUT_MINUTES = 30


@pytest.fixture
def owed(db):
    """One filler owed a reminder three days before the deadline."""
    period = PeriodFactory(code="2025-07", name="2025年1–7月绩效监控",
                           kind=PeriodKind.MONITORING, cutoff_month=7,
                           deadline=datetime.date(2025, 8, 20))
    unit = UnitFactory(code="900001", name="单位900001")
    IndicatorFactory(project=ProjectFactory(unit=unit))
    user = UserFactory(username="alice", email="alice@example.com")
    MembershipFactory(user=user, unit=unit, role=Role.FILLER)
    return period


def scan(now, **kwargs):
    with time_machine.travel(now, tick=False):
        return service.scan(**kwargs)


def deliver(now, message):
    with time_machine.travel(now, tick=False):
        return delivery.deliver(message.log_ids, message.attempt)


def crash_mid_send(monkeypatch, now, *, after_accepted=False):
    """The scan at `now` claims; its send is killed before (or just after) the server took
    the e-mail, leaving the claim taken and not sent."""
    real = EmailMessage.send

    def dying(self, *args, **kwargs):
        if after_accepted:
            real(self, *args, **kwargs)
        raise Killed

    message = scan(now).new[0]
    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", dying)
        with pytest.raises(Killed):
            deliver(now, message)
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == (ReminderStatus.CLAIMED, 1)
    return log


def test_a_claim_stuck_for_31_minutes_is_sent_by_the_next_scan(owed, monkeypatch):
    crash_mid_send(monkeypatch, at(9, 0))

    result = scan(at(9, 31))

    assert [m.recipient for m in result.retries] == ["alice"]
    assert [deliver(at(9, 31), m) for m in result.retries] == [delivery.SENT]
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts, log.error) == (ReminderStatus.SENT, 2, "")
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert Notice.objects.count() == 1  # the notice of the killed attempt is not repeated


def test_a_claim_taken_5_minutes_ago_is_left_to_its_worker(owed, monkeypatch):
    log = crash_mid_send(monkeypatch, at(9, 0))

    assert scan(at(9, 5)).retries == []

    log.refresh_from_db()
    assert (log.status, log.attempts, log.claimed_at) == (ReminderStatus.CLAIMED, 1, at(9, 0))


def test_the_timeout_counts_from_the_attempt_not_the_first_claim(owed, monkeypatch):
    message = scan(at(9, 0)).new[0]  # claimed at 9:00, its task runs only at 9:20
    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", lambda *a, **k: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            deliver(at(9, 20), message)

    assert scan(at(9, 40)).retries == []  # 20 minutes after the attempt began
    assert len(scan(at(9, 51)).retries) == 1


def test_two_scans_re_claim_a_stuck_claim_once_and_it_is_sent_once(owed, monkeypatch):
    crash_mid_send(monkeypatch, at(9, 0))

    first, second = scan(at(9, 31)), scan(at(9, 31))

    assert len(first.retries) == 1 and second.retries == []
    outcomes = [deliver(at(9, 32), m) for m in first.retries + first.retries]
    assert outcomes == [delivery.SENT, delivery.SKIPPED] and len(mail.outbox) == 1


def test_two_scans_that_both_found_the_stuck_claim_dispatch_it_once(owed, monkeypatch):
    crash_mid_send(monkeypatch, at(9, 0))
    cfg = service.config()
    with time_machine.travel(at(9, 31), tick=False):
        found = service._messages(list(ReminderLog.objects.all()), names={})
        # both read it before either re-claimed it: the conditional UPDATE decides
        won = [stuck.reclaim(found, at(9, 31), cfg), stuck.reclaim(found, at(9, 31), cfg)]

    assert [len(w) for w in won] == [1, 0]
    assert "已重新发送" in ReminderLog.objects.get().error


def test_a_crash_after_the_server_accepted_the_mail_gives_one_duplicate_never_a_loss(
        owed, monkeypatch):
    crash_mid_send(monkeypatch, at(9, 0), after_accepted=True)
    assert len(mail.outbox) == 1

    for minute in (31, 45):
        for message in scan(at(9, minute)).retries:
            deliver(at(9, minute), message)

    assert len(mail.outbox) == 2  # the accepted one and one more, not a third
    assert ReminderLog.objects.get().status == ReminderStatus.SENT


def test_a_stuck_last_attempt_is_marked_failed_not_sent_again(owed, monkeypatch, settings):
    settings.REMINDERS = {**settings.REMINDERS, "retry_max_attempts": 1}
    crash_mid_send(monkeypatch, at(9, 0))

    assert scan(at(9, 31)).retries == []

    log = ReminderLog.objects.get()
    assert log.status == ReminderStatus.FAILED and "已达最大尝试次数" in log.error
    assert mail.outbox == []


def test_a_dry_run_lists_the_stuck_claim_without_taking_it(owed, monkeypatch):
    log = crash_mid_send(monkeypatch, at(9, 0))

    assert len(scan(at(9, 31), dry_run=True).retries) == 1

    log.refresh_from_db()
    assert log.claimed_at == at(9, 0) and log.error == ""
    assert len(scan(at(9, 31)).retries) == 1


class TimingOut:
    """An SMTP server that never answers: the backend gives up after EMAIL_TIMEOUT."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise TimeoutError("timed out")  # what socket.timeout is


def test_an_smtp_timeout_marks_the_claim_failed_and_a_later_scan_retries_it(owed, settings):
    settings.EMAIL_BACKEND = f"{__name__}.TimingOut"
    message = scan(at(9, 0)).new[0]

    assert deliver(at(9, 0), message) == delivery.FAILED

    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == (ReminderStatus.FAILED, 1) and "timed out" in log.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retries = scan(at(10, 1)).retries
    assert [deliver(at(10, 1), m) for m in retries] == [delivery.SENT]
