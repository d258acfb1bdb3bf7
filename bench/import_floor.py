"""The least work an import must do, in multiples of the reader: prints figures, asserts nothing.

    .venv/bin/python bench/import_floor.py [--rows 100000] [--units 500] [--rounds 3] [--smoke]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/import_floor.py

Issue 21 asks for imports at ≤ 3× the reader (bench/import_speed.py measures them). This
measures, on the same files and in the same process, floor and parts interleaved, best of
ROUNDS, the parts no implementation of the imports can skip, each at its barest:

  * the reader building every row (the floor itself, as bench/import_speed.py reads);
  * targets: the INSERT of every indicator as plain tuples, prepared beforehand, through the
    driver alone (SQLite: multi-row statements; PostgreSQL: COPY), rolled back;
  * actuals: reading the year's indicators to match the rows against (unit code, project,
    name → id; one raw query);
  * actuals: the INSERT of a record and its history row per value, the same bare way, rolled
    back (every value leaves history: docs/values.md);
  * actuals: scoring the touched projects and their lights, read and computed as the refresh
    does (services.snapshot.lights_for_period), without writing them.

The writes are rolled back: on PostgreSQL the foreign-key checks, deferred to commit, are so
left out (a 100,000-row 表13 import spends about 2 s committing), and the floor is if anything
too low. Their sum, in multiples of the reader, is a lower bound of what an import can reach with
everything the issue includes; the rest of an import (normalizing, the review, the merge,
the workflow checks) comes on top.
"""

import argparse
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.import_files import generate, generate_actuals  # noqa: E402

SMOKE = {"rows": 1_400, "units": 20}
PERIOD_CODE = "2025-final"
READ_T, READ_A = "reader (calamine): 表13", "reader (calamine): 自评表"
WRITE_T = "targets: bare INSERT of the indicators"
MATCH_A = "actuals: read the year's indicators (raw query)"
WRITE_A = "actuals: bare INSERT of records + history rows"
SCORE_A = "actuals: score and light the projects (no write)"


def make_files(tmp: Path, rows: int, units: int):
    targets, keys = generate(tmp, rows, units)
    return targets, generate_actuals(tmp, keys, 0)


def table_rows(model, rows: list[dict]) -> tuple[list[str], list[tuple]]:
    """`rows` (attname → value; any other field takes its default) as the columns and the
    prepared tuples a driver takes, built before the clock starts."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    # SQLite: Decimals as the text Django's adapter would make of them, made here, so the
    # write is timed without a Python call per value
    adapt = str if connection.vendor == "sqlite" else None
    tuples = [tuple(adapt(value) if adapt and isinstance(value, Decimal) else value
                    for value in (f.get_db_prep_save(row.get(f.attname, defaults[f.attname]),
                                                     connection) for f in fields))
              for row in rows]
    return [f.column for f in fields], tuples


def bare_insert(tables: list[tuple]) -> None:
    """INSERT each (model, columns, tuples) through the driver alone, in its fastest form
    (PostgreSQL: COPY; SQLite: statements of as many rows as its parameter limit allows,
    with its own ? placeholders), inside a transaction that is rolled back."""
    from django.db import connection, transaction

    from performance.services.upsert import MAX_ROWS, chunks, sqlite_max_params

    with transaction.atomic():
        raw = connection.connection.cursor()
        for model, columns, tuples in tables:
            names = ", ".join(f'"{c}"' for c in columns)
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in tuples:
                        copy.write_row(row)
                continue
            one = "(" + ", ".join("?" * len(columns)) + ")"
            for chunk in chunks(tuples, min(MAX_ROWS, sqlite_max_params() // len(columns))):
                raw.execute(f'INSERT INTO "{table}" ({names}) VALUES '
                            + ", ".join([one] * len(chunk)),
                            [value for row in chunk for value in row])
        transaction.set_rollback(True)


def indicator_keys(year: int) -> int:
    """The matcher's lookup at its barest: one raw query, every row fetched."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.code, p.name, i.name, i.id FROM performance_indicator i "
            "JOIN budget_project p ON p.id = i.project_id JOIN budget_unit u ON u.id = p.unit_id "
            "WHERE p.year = %s", [year])
        return len(cursor.fetchall())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=500)
    harness.add_rounds(parser)
    args = harness.parse_args(parser, SMOKE)
    harness.run_with_files(run, args)


def run(args, tmp: Path):
    targets, actuals = make_files(tmp, args.rows, args.units)
    from bench.import_speed import read_all, setup_django

    label = setup_django(args.smoke, "import_floor")
    from django.utils import timezone

    from performance.excel.actuals_import import import_actuals
    from performance.excel.layouts import ACTUALS, TARGETS
    from performance.excel.reader import Limits
    from performance.excel.targets_import import import_targets
    from performance.models import Indicator, IndicatorRecord, ReportingPeriod
    from performance.services.snapshot import lights_for_period
    from performance.workflow import Channel

    limits = Limits(max_bytes=None, max_rows=None)
    print(f"database: {label}; rows: {args.rows:,}; units: {args.units}; rounds: {args.rounds}")
    import_targets(targets, 2025, limits=limits)
    period = ReportingPeriod.objects.create(year=2025, code=PERIOD_CODE, name="2025 年度绩效自评",
                                            kind="self_evaluation", cutoff_month=12)
    indicators = list(Indicator.objects.order_by("id").values(
        *[f.attname for f in Indicator._meta.concrete_fields]))
    # the targets' rows again, as fresh indicators of the same projects (names made unique),
    # into the table the import filled: a little slower than into an empty one
    fresh = [{**row, "name": f"{row['name']}*"} for row in indicators]
    now = timezone.now()
    records = [{"indicator_id": row["id"], "period_id": period.id, "actual_value": row[
        "target_value"], "actual_grade": row["target_grade"], "updated_at": now}
        for row in indicators]
    history = IndicatorRecord.history.model
    history_rows = [{**record, "id": number, "history_date": now, "history_type": "+",
                     "history_channel": Channel.UPLOAD.value, "history_change_reason": "bench"}
                    for number, record in enumerate(records, start=1)]
    write_t = [(Indicator, *table_rows(Indicator, fresh))]
    write_a = [(IndicatorRecord, *table_rows(IndicatorRecord, records)),
               (history, *table_rows(history, history_rows))]
    runs = harness.Runs()
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds} ({harness.machine()})", flush=True)
        runs.time(READ_T, lambda: read_all(targets, TARGETS, limits))
        runs.time(WRITE_T, lambda: bare_insert(write_t))
        runs.time(READ_A, lambda: read_all(actuals, ACTUALS, limits))
        runs.time(MATCH_A, lambda: indicator_keys(2025))
        runs.time(WRITE_A, lambda: bare_insert(write_a))
    # the scoring reads what an import wrote: measured once there is one, after the writes
    # (which so went to a records table as empty as an empty period's)
    import_actuals(actuals, period, limits=limits)
    for number in range(1, args.rounds + 1):
        print(f"scoring round {number} of {args.rounds} ({harness.machine()})", flush=True)
        runs.time(READ_A, lambda: read_all(actuals, ACTUALS, limits))
        runs.time(SCORE_A, lambda: lights_for_period(period))
    report(args, runs)


def report(args, runs):
    print(f"\nbest of {args.rounds} runs each, floor and parts interleaved; {harness.machine()}")
    for floor, parts in ((READ_T, [WRITE_T]), (READ_A, [MATCH_A, WRITE_A, SCORE_A])):
        print(f"  {floor:<50} {runs.spread(floor)}")
        for part in parts:
            print(f"  {part:<50} {runs.spread(part)}  = {runs.ratio(part, floor):.2f}× reader")
        least = 1 + sum(runs.ratio(part, floor) for part in parts)
        print(f"  least an import must spend, the read included: {least:.2f}× reader; "
              f"left for all else under the goal of 3×: {max(0.0, 3 - least):.2f}× "
              f"({max(0.0, 3 - least) * runs.best(floor):.2f} s)")
    print(f"machine at end: {harness.machine()}")


if __name__ == "__main__":
    main()
