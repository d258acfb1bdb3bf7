"""Admin of the reminder log and the notices: searchable, filterable, read-only log."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from performance.models import ReminderLog, ReminderStatus
from tests.factories import NoticeFactory, PeriodFactory, UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client_(superuser):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def logs(db):
    period = PeriodFactory(deadline=datetime.date(2026, 3, 31))
    unit = UnitFactory(code="900001", name="测试单位")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    sent = ReminderLog.objects.create(period=period, unit=unit, scope="900001", recipient=alice,
                                      audience="filler", step="before-3", subject="三天提醒",
                                      status=ReminderStatus.SENT, attempts=1)
    failed = ReminderLog.objects.create(period=period, unit=unit, scope="900001", recipient=bob,
                                        audience="filler", step="due", subject="截止日提醒",
                                        status=ReminderStatus.FAILED, attempts=2,
                                        error="SMTPServerDisconnected")
    return sent, failed


def test_reminder_log_is_searchable_by_recipient(admin_client_, logs):
    url = reverse("admin:performance_reminderlog_changelist")

    html = admin_client_.get(url, {"q": "bob"}).content.decode()

    assert "截止日提醒" in html and "三天提醒" not in html


def test_reminder_log_filters_by_status_and_step_search(admin_client_, logs):
    url = reverse("admin:performance_reminderlog_changelist")

    failed = admin_client_.get(url, {"status__exact": "failed"}).content.decode()
    by_step = admin_client_.get(url, {"q": "before-3"}).content.decode()

    assert "截止日提醒" in failed and "三天提醒" not in failed
    assert "三天提醒" in by_step and "截止日提醒" not in by_step


def test_reminder_log_is_read_only(admin_client_, logs):
    sent, _ = logs
    change = reverse("admin:performance_reminderlog_change", args=[sent.pk])

    assert admin_client_.get(change).status_code == 200
    assert admin_client_.get(reverse("admin:performance_reminderlog_add")).status_code == 403
    admin_client_.post(change, {"status": "failed"})
    sent.refresh_from_db()
    assert sent.status == ReminderStatus.SENT


def test_notice_admin_lists_and_filters_unread(admin_client_):
    NoticeFactory(subject="未读通知")
    url = reverse("admin:performance_notice_changelist")

    html = admin_client_.get(url, {"read_at__isempty": "1"}).content.decode()

    assert "未读通知" in html
