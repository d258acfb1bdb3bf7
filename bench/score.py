"""Benchmark: score a whole period of N indicator records (default 1,000,000).

    .venv/bin/python bench/score.py [--indicators N] [--rounds 3] [--keep] [--smoke]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/score.py

Generates 400 units with projects of 15–20 indicators each until N indicators exist, one
record per indicator in one period, then times (a) the values_list floor: reading the same rows
with Django's values_list, (b) the raw floor: a DB-API cursor read (fetchmany, the cursor .iterator() uses) of exactly the SQL
of `indicator_rows`, no conversion at all, (c) score_period over the whole period, interleaved
(floor, raw, score, floor, …), each the best of ROUNDS runs, and measures the peak memory of (c).
Then (d) refresh_snapshots of the whole period, timed twice (the first run creates the project
records and writes every light; the second is a routine refresh), unless --no-refresh.
Uses its own SQLite file under bench/out/ unless BENCH_DATABASE_URL is set.
"""

import argparse
import os
import random
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.database import choose_database, migrate  # noqa: E402

SMOKE = {"indicators": 3_000}


def setup_django(keep: bool, smoke: bool = False) -> str:
    label = choose_database("score", keep, smoke=smoke)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    migrate(label, keep)
    return label


def generate(n_indicators: int, period):
    from budget.models import Project, Unit
    from performance.domain import Direction, Grade, Operator
    from performance.models import Indicator, IndicatorLevel2

    rng = random.Random(2025)
    levels = list(IndicatorLevel2.objects.all())
    units = Unit.objects.bulk_create(Unit(code=f"B{i:05d}", name=f"基准单位{i}") for i in range(400))
    per_unit = -(-n_indicators // (400 * 17))  # ~17.5 indicators per project
    projects = Project.objects.bulk_create(
        (
            Project(unit=unit, year=period.year, name=f"项目{u}-{p}", budget_amount=Decimal("100.00"))
            for u, unit in enumerate(units)
            for p in range(per_unit)
        ),
        batch_size=5000,
    )
    made = 0
    batch_i, batch_r = [], []
    for project in projects:
        if made >= n_indicators:
            break
        for position in range(min(rng.randint(15, 20), n_indicators - made)):
            level2 = levels[position % len(levels)]
            kind = rng.random()
            if kind < 0.1:
                fields = {"operator": Operator.QUALITATIVE, "target_grade": Grade.EXCELLENT}
            elif kind < 0.35:
                fields = {"operator": Operator.LE, "target_value": Decimal(rng.randint(1, 50))}
            else:
                fields = {"operator": Operator.GE, "target_value": Decimal(rng.randint(1, 5000))}
            batch_i.append(
                Indicator(
                    project=project, level1_id=level2.level1_id, level2=level2,
                    name=f"指标{position}", unit="人次", weight=Decimal("5"),
                    direction=Direction.NEGATIVE if fields["operator"] == Operator.LE else Direction.POSITIVE,
                    position=position, **fields,
                )
            )
            made += 1
        if len(batch_i) >= 20000:
            _flush(batch_i, batch_r, period, rng)
    _flush(batch_i, batch_r, period, rng)
    return made, len(projects)


def _flush(indicators, records, period, rng):
    from performance.domain import Grade
    from performance.models import Indicator, IndicatorRecord

    Indicator.objects.bulk_create(indicators, batch_size=5000)
    for indicator in indicators:
        if indicator.target_grade:
            records.append(IndicatorRecord(indicator=indicator, period=period,
                                           actual_grade=rng.choice(list(Grade))))
        else:
            actual = (indicator.target_value * Decimal(rng.randint(50, 130)) / 100).quantize(Decimal("0.01"))
            records.append(IndicatorRecord(indicator=indicator, period=period, actual_value=actual))
    IndicatorRecord.objects.bulk_create(records, batch_size=5000)
    indicators.clear()
    records.clear()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--indicators", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=harness.rounds_type, default=harness.MIN_ROUNDS,
                        help="runs of the floor and of the scoring; each is the best (≥ 3)")
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    parser.add_argument("--no-refresh", action="store_true",
                        help="skip timing refresh_snapshots of the whole period")
    args = harness.parse_args(parser, SMOKE)
    label = setup_django(args.keep, args.smoke)

    from django.db import connection, transaction

    from budget.models import Project
    from performance.models import IndicatorRecord, PeriodKind, ReportingPeriod
    from performance.services.scoring import indicator_rows, score_period

    period, _ = ReportingPeriod.objects.get_or_create(
        code="2099-final", defaults={"year": 2099, "name": "基准", "kind": PeriodKind.SELF_EVALUATION,
                                     "cutoff_month": 12},
    )
    if not IndicatorRecord.objects.filter(period=period).exists():
        start = time.perf_counter()
        made, n_projects = generate(args.indicators, period)
        print(f"generated {made:,} indicators + records in {n_projects:,} projects "
              f"in {time.perf_counter() - start:.1f} s")
    n = IndicatorRecord.objects.filter(period=period).count()
    projects = Project.objects.filter(year=period.year)

    def floor():
        rows = 0
        for _ in indicator_rows(period, projects.values("id")).iterator(chunk_size=5000):
            rows += 1
        return rows

    def raw_floor():
        # exactly the SQL of indicator_rows, read through the driver's own cursor: the least any
        # Python reader of these rows can cost
        sql, params = indicator_rows(period, projects.values("id")).query.sql_with_params()
        rows = 0
        # the cursor .iterator() reads with (server-side on PostgreSQL: a client-side one holds
        # the whole result at once)
        with transaction.atomic(), connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            fetch = cursor.cursor.fetchmany  # the DB-API cursor itself, past Django's wrapper
            while batch := fetch(5000):
                rows += len(batch)
        return rows

    def scoring():
        count = 0
        for result in score_period(period):
            count += len(result.score.indicator_scores)
        return count

    runs = harness.Runs()
    for _ in range(args.rounds):  # interleaved: floor and scoring see the same conditions
        for name, run in (("floor", floor), ("raw", raw_floor), ("score", scoring)):
            rows = runs.time(name, run, quiet=True)
            assert rows == n, (name, rows, n)
    tracemalloc.start()
    scoring()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"database: {label}; indicator records in the period: {n:,}")
    print(f"floor (values_list read of the same rows): {runs.spread('floor')}")
    print(f"score_period (whole period): {runs.spread('score')} "
          f"= {n / runs.best('score'):,.0f} indicators/s")
    print(f"raw floor (DB-API cursor, the SQL of indicator_rows): {runs.spread('raw')}")
    print(f"ratio score / values_list floor: {runs.ratio('score', 'floor'):.2f}; "
          f"score / raw floor: {runs.ratio('score', 'raw'):.2f} (goal ≤ 3), best of "
          f"{args.rounds} interleaved runs each; {harness.machine()}")
    print(f"peak Python memory while scoring (tracemalloc): {peak / 2**20:.0f} MiB (goal ≈ 35)")
    if not args.no_refresh:
        refresh(period, n)


def refresh(period, n):
    """refresh_snapshots of the whole period: the first run (records created, every light
    written), then a routine one (nothing changed). Beside the wall time, the CPU time of this
    process and of its PostgreSQL backend (same machine): on a machine shared with other
    benchmarks the wall time is mostly waiting for a core, their sum is what an idle one pays."""
    from performance.services.snapshot import refresh_snapshots

    runs = harness.Runs()
    for label in ("refresh (first)", "refresh (again)"):
        server, own = server_cpu(), time.process_time()
        count = runs.time(label, lambda: refresh_snapshots(period), quiet=True)
        own, server = time.process_time() - own, server_cpu() - server
        print(f"refresh_snapshots of the whole period, {label.split()[1][1:-1]} run: "
              f"{runs.best(label):.2f} s for {count:,} projects, {n:,} indicators; CPU: "
              f"Python {own:.1f} s + database server {server:.1f} s "
              f"(goal < 60 s on PostgreSQL at 1,000,000); {harness.machine()}", flush=True)


def server_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 elsewhere: SQLite
    runs in this process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # another machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
