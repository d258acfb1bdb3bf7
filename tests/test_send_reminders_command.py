"""`manage.py send_reminders [--now ISO-DATETIME] [--dry-run]`."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from budget.models import Role
from performance.models import PeriodKind, ReminderLog
from tests.factories import (
    MembershipFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture
def owed(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    PeriodFactory(code="2025-07", name="2025年1–7月绩效监控", kind=PeriodKind.MONITORING,
                  cutoff_month=7, deadline=datetime.date(2025, 8, 20))
    unit = UnitFactory(code="900001", name="测试单位")
    ProjectFactory(unit=unit, name="信息化建设")
    user = UserFactory(username="alice", email="alice@example.com")
    MembershipFactory(user=user, unit=unit, role=Role.FILLER)


def command(*args):
    out, err = StringIO(), StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_sends_what_is_due_and_prints_it(owed):
    out, _ = command("--now", "2025-08-17T09:00")

    assert "提醒扫描：2025-08-17 09:00" in out
    assert "已发送（新提醒） before-3 filler alice [900001]" in out
    assert "合计：新提醒 1 条消息" in out and "已发送 1" in out
    assert len(mail.outbox) == 1 and ReminderLog.objects.get().status == "sent"


def test_command_run_twice_sends_nothing_new(owed):
    command("--now", "2025-08-17T09:00")

    out, _ = command("--now", "2025-08-17T10:00")

    assert "新提醒 0 条消息" in out and "此前已认领 1 项" in out
    assert len(mail.outbox) == 1


def test_dry_run_prints_what_would_be_sent_and_claims_nothing(owed):
    out, _ = command("--now", "2025-08-17T09:00", "--dry-run")

    assert "演练" in out and "将发送（新提醒） before-3 filler alice [900001]" in out
    assert not ReminderLog.objects.exists() and mail.outbox == []


def test_now_accepts_an_offset_and_a_date_is_midnight_in_the_quiet_hours(owed):
    assert "before-1" in command("--now", "2025-08-19T01:00:00+00:00", "--dry-run")[0]
    out, _ = command("--now", "2025-08-13")
    assert "静默时段" in out and not ReminderLog.objects.exists()


def test_an_unreadable_now_is_refused(owed):
    with pytest.raises(CommandError, match="无法识别的时间"):
        command("--now", "next tuesday")
