"""Pruning the security audit log (accounts.retention, docs/security.md): events are kept for
AUDIT_LOG_RETENTION_DAYS, never fewer than 180, then deleted in batches by the daily task or
the command."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessLog
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.retention import prune
from accounts.tasks import prune_security_events

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 9, 1, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def event_aged(days: float, username: str = "") -> SecurityEvent:
    with time_machine.travel(NOW - timedelta(days=days), tick=False):
        return SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN,
                                            username=username or f"aged-{days}")


def remaining() -> list[str]:
    return sorted(SecurityEvent.objects.values_list("username", flat=True))


def test_events_of_the_last_180_days_are_kept_older_ones_pruned(settings):
    settings.AUDIT_LOG_RETENTION_DAYS = 180
    for days in (0, 30, 179, 179.9, 180.1, 181, 400):
        event_aged(days)
    with time_machine.travel(NOW, tick=False):
        result = prune()
    assert result.events == 3
    assert remaining() == sorted(["aged-0", "aged-30", "aged-179", "aged-179.9"])


def test_a_longer_retention_keeps_more(settings):
    settings.AUDIT_LOG_RETENTION_DAYS = 365
    event_aged(200)
    event_aged(366)
    with time_machine.travel(NOW, tick=False):
        prune()
    assert remaining() == ["aged-200"]


def test_a_retention_below_180_days_is_raised_to_180(settings):
    settings.AUDIT_LOG_RETENTION_DAYS = 30
    event_aged(100)
    with time_machine.travel(NOW, tick=False):
        assert prune(days=7).events == 0
    assert remaining() == ["aged-100"]


def test_the_setting_itself_is_never_under_180_days():
    assert django_settings.AUDIT_LOG_RETENTION_DAYS >= 180


def test_pruning_goes_in_bounded_batches():
    for n in range(7):
        event_aged(200 + n)
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        result = prune(batch_size=3)
    assert result.events == 7 and remaining() == []
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")
               and "accounts_securityevent" in q["sql"]]
    assert len(deletes) == 3  # 3 + 3 + 1


def test_a_run_stops_after_its_batches_and_the_next_goes_on():
    for n in range(5):
        event_aged(200 + n)
    with time_machine.travel(NOW, tick=False):
        assert prune(batch_size=2, max_batches=1).events == 2
        assert prune(batch_size=2, max_batches=5).events == 3


def test_the_login_log_of_axes_is_pruned_too():
    with time_machine.travel(NOW - timedelta(days=200), tick=False):
        AccessLog.objects.create(username="old", ip_address="10.0.0.1", user_agent="x")
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        AccessLog.objects.create(username="new", ip_address="10.0.0.1", user_agent="x")
    with time_machine.travel(NOW, tick=False):
        assert prune().access_logs == 1
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["new"]


def test_the_command_prunes_and_says_how_many(capsys):
    event_aged(300)
    event_aged(1)
    with time_machine.travel(NOW, tick=False):
        call_command("prune_security_events")
    assert "安全审计日志 1 条" in capsys.readouterr().out
    assert remaining() == ["aged-1"]


def test_the_daily_task_prunes():
    event_aged(300)
    with time_machine.travel(NOW, tick=False):
        summary = prune_security_events()
    assert "1 条" in summary and remaining() == []


def test_the_daily_task_is_scheduled():
    entries = [e["task"] for e in django_settings.CELERY_BEAT_SCHEDULE.values()]
    assert "accounts.tasks.prune_security_events" in entries
