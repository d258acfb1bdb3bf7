"""The Celery tasks of the reminders: thin wrappers, and exactly once against real Redis."""

import datetime
import os
import shutil
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pytest
import redis
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connection

from budget.models import Role
from performance.models import PeriodKind, ReminderLog, ReminderStatus
from performance.reminders import service, tasks
from tests.factories import (
    MembershipFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)

NOW = "2025-08-17T09:00:00+08:00"  # three days before the deadline


def owed_reminders(units=4):
    """`units` incomplete units with a filler each, plus one filler in two of them."""
    PeriodFactory(code="2025-07", name="2025年1–7月绩效监控", kind=PeriodKind.MONITORING,
                  cutoff_month=7, deadline=datetime.date(2025, 8, 20))
    both = UserFactory(username="both", email="both@example.com")
    for i in range(units):
        unit = UnitFactory(code=f"9{i:05d}", name=f"单位{i}")
        ProjectFactory(unit=unit)
        user = UserFactory(username=f"filler{i}", email=f"filler{i}@example.com")
        MembershipFactory(user=user, unit=unit, role=Role.FILLER)
        if i < 2:
            MembershipFactory(user=both, unit=unit, role=Role.FILLER)
    return units + 1, units + 2  # messages, claim rows


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_scan_task_enqueues_one_send_per_message_once_committed(db, monkeypatch):
    messages, rows = owed_reminders(3)
    sent = []
    monkeypatch.setattr(tasks.send_reminder, "delay_on_commit", lambda *args: sent.append(args))

    summary = tasks.scan_reminders(NOW)

    assert summary == {"new": messages, "retries": 0, "claims": rows, "already_claimed": 0,
                       "quiet": False}
    assert len(sent) == messages and sorted(len(ids) for ids, _ in sent)[-1] == 2
    assert all(attempt == 0 for _, attempt in sent)


def test_send_task_delivers_the_claimed_rows_by_id(db, monkeypatch):
    owed_reminders(1)
    calls = []
    monkeypatch.setattr(tasks.send_reminder, "delay_on_commit", lambda *args: calls.append(args))
    tasks.scan_reminders(NOW)

    outcomes = [tasks.send_reminder(ids, attempt) for ids, attempt in calls]

    assert outcomes == ["sent", "sent"] and len(mail.outbox) == 2


# --- against a real Redis server and a real Celery worker -----------------------------------

@pytest.fixture
def redis_server():
    """The Redis of REDIS_URL; started here when redis-server is installed but not running.

    Skipped only outside CI when redis-server is not installed; in CI (CI set, or REDIS_URL
    given, as `make test` does) an unreachable Redis fails the test.
    """
    url = settings.REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    started = False
    try:
        client.ping()
    except redis.ConnectionError:
        required = bool(os.environ.get("CI") or os.environ.get("REDIS_URL"))
        if shutil.which("redis-server") is None:
            if required:
                pytest.fail(f"Redis at {url} is unreachable and redis-server is not installed")
            pytest.skip("redis-server is not installed (run .ci/services.sh redis)")
        port = str(urlsplit(url).port or 6379)
        subprocess.run(["redis-server", "--port", port, "--save", "", "--daemonize", "yes"],
                       check=True, stdout=subprocess.DEVNULL)
        started = True
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail(f"redis-server did not answer at {url}")
    yield url
    if started:
        client.shutdown(nosave=True)


@pytest.fixture
def worker_connections_closed():
    """Worker threads keep their own database connections: close each one when its task ends,
    or the test database cannot be dropped at teardown ("being accessed by other users")."""

    def close(**kwargs):
        connection.close()  # the connection of the worker thread that ran the task

    task_postrun.connect(close, weak=False)
    yield
    task_postrun.disconnect(close)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_send_each_reminder_exactly_once(
    redis_server, worker_connections_closed, monkeypatch
):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    messages, rows = owed_reminders(4)
    # On PostgreSQL the two scans run at the same moment in two worker threads (they meet at a
    # barrier before scanning). SQLite's in-memory test database cannot be written from two
    # threads at once ("table is locked"), so there one solo worker takes them in turn.
    together = connection.vendor != "sqlite"
    if together:
        barrier, scan = threading.Barrier(2, timeout=30), service.scan

        def scan_together(*args, **kwargs):
            barrier.wait()  # a BrokenBarrierError here: the scans did not run side by side
            return scan(*args, **kwargs)

        monkeypatch.setattr(service, "scan", scan_together)
    pool = {"pool": "threads", "concurrency": 2} if together else {"pool": "solo"}
    # Wait for the sends by the worker's own signal, not by polling the database: on SQLite a
    # read from this thread locks the in-memory table against the worker's write.
    sends, all_sent = [], threading.Event()

    def count_sends(sender=None, **kwargs):
        if getattr(sender, "name", None) == tasks.send_reminder.name:
            args = kwargs.get("args") or [[]]
            sends.append((frozenset(args[0]), kwargs.get("state"), kwargs.get("retval")))
            if sum(1 for *_, retval in sends if retval == "sent") >= messages:
                all_sent.set()

    task_postrun.connect(count_sends, weak=False)
    app.control.purge()  # nothing left over from an earlier, interrupted run
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30, **pool):
            first, second = tasks.scan_reminders.delay(NOW), tasks.scan_reminders.delay(NOW)
            summaries = [first.get(timeout=60), second.get(timeout=60)]
            all_sent.wait(timeout=60)
            time.sleep(0.5)  # a duplicate send, were there one, would land now
    finally:
        task_postrun.disconnect(count_sends)

    assert sorted(s["new"] for s in summaries) == [0, messages]
    assert sum(s["already_claimed"] for s in summaries) == rows
    assert ReminderLog.objects.count() == rows
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    # a task redelivered from an earlier test's worker (acks_late) may run here too: only the
    # sends of this test's claims count
    ours = set(ReminderLog.objects.values_list("id", flat=True))
    assert [state for ids, state, _ in sends if ids & ours] == ["SUCCESS"] * messages
    assert len(mail.outbox) == messages
    assert len({tuple(m.to) for m in mail.outbox}) == messages
