"""Benchmark: one reminder scan over 10,000 units, half of them complete.

    .venv/bin/python bench/reminders.py [--units N] [--keep] [--smoke]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/reminders.py

One open period due in 3 days; every unit has one project of 3 indicators and a filler; half
the units have submitted. Times (a) the scan that claims the reminders, counting its queries,
and checks that exactly the incomplete units are claimed; (b) delivering every message
(locmem e-mail + in-app notice), as the send tasks would; (c) a second scan, which must claim
nothing. Uses its own SQLite file under bench/out/ unless BENCH_DATABASE_URL is set.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.database import choose_database, migrate  # noqa: E402

SMOKE = {"units": 60}


def setup_django(keep: bool, smoke: bool = False) -> str:
    label = choose_database("reminders", keep, smoke=smoke)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    migrate(label, keep)
    return label


def generate(n_units: int, deadline: datetime.date):
    from django.contrib.auth.models import User

    from budget.models import Membership, Project, Role, Unit
    from performance.domain import Direction, Operator
    from performance.models import (
        Indicator,
        IndicatorLevel1,
        IndicatorLevel2,
        PeriodKind,
        ProjectRecord,
        ReportingPeriod,
        WorkflowStatus,
    )

    period = ReportingPeriod.objects.create(
        year=deadline.year, code="bench-07", name="基准监控", kind=PeriodKind.MONITORING,
        cutoff_month=7, deadline=deadline,
    )
    level2 = IndicatorLevel2.objects.select_related("level1").first()
    if level2 is None:  # a flushed PostgreSQL database lost the seeded reference rows
        level1 = IndicatorLevel1.objects.create(name="产出指标")
        level2 = IndicatorLevel2.objects.create(level1=level1, name="数量指标")
    units = Unit.objects.bulk_create(
        Unit(code=f"R{i:05d}", name=f"基准单位{i}") for i in range(n_units))
    projects = Project.objects.bulk_create(
        Project(unit=u, year=deadline.year, name=f"项目{u.code}", budget_amount=10) for u in units)
    Indicator.objects.bulk_create(
        Indicator(project=p, level1=level2.level1, level2=level2, name=f"指标{k}",
                  operator=Operator.GE, target_value=100, unit="人次", weight=30,
                  direction=Direction.POSITIVE, position=k)
        for p in projects for k in range(3))
    now = datetime.datetime.now(datetime.UTC)
    ProjectRecord.objects.bulk_create(
        ProjectRecord(project=p, period=period, status=WorkflowStatus.SUBMITTED, submitted_at=now)
        for i, p in enumerate(projects) if i % 2 == 0)
    users = User.objects.bulk_create(
        User(username=f"filler{i}", email=f"filler{i}@example.com", password="!")
        for i in range(n_units))
    Membership.objects.bulk_create(
        Membership(user=user, unit=unit, role=Role.FILLER) for user, unit in zip(users, units, strict=True))
    finance = User.objects.create(username="finance", email="finance@example.com", password="!")
    Membership.objects.create(user=finance, unit=None, role=Role.FINANCE_REVIEWER)
    return period, {u.code for i, u in enumerate(units) if i % 2 == 1}


def timed(label, fn):
    from django.db import connection

    counts = {"all": 0, "insert": 0}

    def count(execute, sql, params, many, context):
        counts["all"] += 1
        counts["insert"] += sql.lstrip().upper().startswith("INSERT")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s, {counts['all']} queries "
          f"({counts['insert']} of them INSERTs)")
    return result, seconds, counts["all"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    args = harness.parse_args(parser, SMOKE)
    label = setup_django(args.keep, args.smoke)

    from django.core import mail
    from django.utils import timezone

    from performance.models import ReminderLog
    from performance.reminders import delivery, service

    deadline = timezone.localdate() + datetime.timedelta(days=3)  # the scan runs today at 09:00
    start = time.perf_counter()
    period, incomplete = generate(args.units, deadline)
    print(f"{label}: {args.units} units, deadline {deadline} (in 3 days), "
          f"{len(incomplete)} incomplete; generated in {time.perf_counter() - start:.1f} s; "
          f"{harness.machine()}")

    now = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(9)))
    result, _, _ = timed("scan (claims)", lambda: service.scan(now))
    claimed = set(ReminderLog.objects.filter(period=period).values_list("scope", flat=True))
    assert claimed == incomplete, f"claimed {len(claimed)} units, expected {len(incomplete)}"
    assert {m.step for m in result.new} == {"before-3"}

    mail.outbox = []
    outcomes, seconds, queries = timed(
        "deliver every message", lambda: [delivery.deliver(m.log_ids, m.attempt) for m in result.new])
    assert outcomes.count(delivery.SENT) == len(result.new) == len(mail.outbox) == len(incomplete)
    print(f"  per message: {seconds / len(outcomes) * 1000:.2f} ms, {queries / len(outcomes):.1f} queries")

    again, _, _ = timed("second scan", lambda: service.scan(now))
    assert again.new == [] and again.already_claimed == len(incomplete)
    print(f"OK: exactly the {len(incomplete)} incomplete units were reminded "
          f"({len(result.new)} messages, {len(mail.outbox)} e-mails); the second scan sent nothing")


if __name__ == "__main__":
    main()
