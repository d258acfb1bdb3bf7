"""An SMTP server that accepts the connection and never answers (issue 18): with EMAIL_TIMEOUT
the send fails within seconds instead of holding the worker for ever, and a reminder's delivery
records the failure (performance.reminders.delivery) rather than crashing."""

import datetime
import smtplib
import socket
import threading
import time

import pytest
from django.core.mail import get_connection, send_mail

from performance.models import ReminderLog, ReminderStatus
from performance.reminders.delivery import FAILED, deliver
from tests.factories import PeriodFactory, UnitFactory, UserFactory

TIMEOUT = 1


@pytest.fixture
def silent_smtp(settings):
    """A listening socket that accepts connections and never says a word (not even the 220)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    accepted, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.getsockname()[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = TIMEOUT
    yield accepted
    stop.set()
    thread.join(2)
    for connection in accepted:
        connection.close()
    server.close()


def test_the_smtp_backend_uses_email_timeout(silent_smtp):
    assert get_connection().timeout == TIMEOUT


def test_a_silent_smtp_server_times_out_instead_of_hanging(silent_smtp):
    started = time.monotonic()
    # smtplib reports the read that timed out as a disconnection "…: timed out"
    with pytest.raises((TimeoutError, socket.timeout, smtplib.SMTPServerDisconnected),
                       match="timed out"):
        send_mail("主题", "正文", "noreply@example.com", ["someone@example.com"])
    assert time.monotonic() - started < 5
    assert silent_smtp, "the backend never reached the server"


@pytest.mark.django_db
def test_a_reminder_to_a_silent_smtp_server_is_recorded_as_failed(silent_smtp):
    period = PeriodFactory(deadline=datetime.date(2026, 3, 31))
    unit = UnitFactory(code="900001", name="测试单位")
    user = UserFactory(username="alice", email="alice@example.com")
    log = ReminderLog.objects.create(period=period, unit=unit, scope="900001", recipient=user,
                                     audience="filler", step="due", subject="截止日提醒",
                                     body="测试单位：1 个项目未提交")
    started = time.monotonic()
    assert deliver([log.pk]) == FAILED
    assert time.monotonic() - started < 5
    log.refresh_from_db()
    assert log.status == ReminderStatus.FAILED
    assert "timed out" in log.error.lower() or "timeout" in log.error.lower()
