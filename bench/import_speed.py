"""Benchmark of the Excel imports: prints figures, asserts nothing.

    .venv/bin/python bench/import_speed.py [--rows 100000] [--units 500] [--ie-rows 5000]
                                           [--rounds 3] [--smoke]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/import_speed.py

Generates (bench/import_files.py, in a child process, so its memory is not counted) a 表13
workbook of ROWS indicator rows (~ROWS/14 projects across UNITS units, the project columns
merged as published), the same with every 10th target changed, and two 自评表 for them. Then, on its own SQLite file under
bench/out/ (or BENCH_DATABASE_URL), ROUNDS rounds, each from the freshly migrated database:

  * the reader alone (the floor: every row built, streamed as the imports read) right
    before each import of the same file, then
  * import_targets on an empty database, then on the full one (every 10th target changed);
  * import_actuals on an empty period, then again with every value changed;
  * openpyxl's read-only mode on the 表13, for comparison with the reader;
  * django-import-export's default row-by-row import (a plain ModelResource for Indicator)
    on a subset of IE_ROWS of the same rows, extrapolated to ROWS.

Every figure is the best of its ROUNDS runs (at least 3); floor and imports are interleaved in
one process, and the machine's load average and nproc are printed beside the ratios. Each
import's breakdown (read, normalize, review, write, refresh…) is that of its best run; its
peak RSS is the highest of its runs (Linux: the peak is reset before each step), with how far
that peak rose over the RSS the step started with (the earlier steps' leftovers excluded).

Last, each import runs once more alone in a fresh (spawned) process, in a round's order from
the empty database, and its peak RSS is printed: what a worker running that import job holds,
without the rounds' leftovers.

Goals (issue 21): import ≤ 3× the reader; ≥ 10× faster than django-import-export; peak
memory < 300 MB at 100,000 rows.
"""

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.database import choose_database, migrate  # noqa: E402
from bench.import_files import LEVELS, make_files_apart  # noqa: E402

SMOKE = {"rows": 1_400, "units": 20, "ie_rows": 100}
TARGETS_EMPTY = "import_targets, empty database"
TARGETS_CHANGED = "import_targets, full database (10% targets changed)"
ACTUALS_EMPTY = "import_actuals, empty period"
ACTUALS_CHANGED = "import_actuals, full period (every value changed)"
PERIOD_CODE = "2025-final"
FLOOR_T, FLOOR_A = "reader (calamine): 表13", "reader (calamine): 自评表"
OPENPYXL = "openpyxl read-only iteration: 表13 (comparison)"


def setup_django(smoke: bool, name: str = "import_speed") -> str:
    # BENCH_SQLITE_NAME: a file of one's own under bench/out/ when several people measure at once
    label = choose_database(os.environ.get("BENCH_SQLITE_NAME", name), keep=False,
                            smoke=smoke)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"  # no query log: measure what production runs
    import django

    django.setup()
    migrate(label, keep=False)
    return label


# ---------------------------------------------------------------- the database between rounds


class Reset:
    """Back to the database as migrate left it: every table that was empty then is emptied
    (Django's flush SQL for those tables); the reference rows the migrations seeded stay."""

    def __init__(self):
        self.empty, self.kept = [], {}
        for table, count in self.counts().items():
            if count:
                self.kept[table] = count
            else:
                self.empty.append(table)

    @staticmethod
    def counts() -> dict[str, int]:
        from django.db import connection

        with connection.cursor() as cursor:
            found = {}
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                found[table] = cursor.fetchone()[0]
        return found

    def __call__(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), self.empty))
        now = {table: count for table, count in self.counts().items() if table in self.kept}
        if now != self.kept:
            changed = sorted(t for t in self.kept if now.get(t) != self.kept[t])
            raise SystemExit(f"bench out of date: the imports changed the reference rows of "
                             f"{', '.join(changed)}; the rounds cannot start equal")


# ---------------------------------------------------------------- measuring


def import_export_rows(keys):
    """django-import-export's default import of `keys`' rows, into fresh projects."""
    import tablib
    from import_export import fields, resources, widgets

    from budget.models import Project, Unit
    from performance.models import Indicator, IndicatorLevel2

    class PlainIndicatorResource(resources.ModelResource):
        project = fields.Field(attribute="project", column_name="project",
                               widget=widgets.ForeignKeyWidget(Project, "pk"))

        class Meta:
            model = Indicator
            fields = ("id", "project", "level1", "level2", "name", "operator", "target_value",
                      "target_grade", "unit", "weight", "direction", "position")

    levels = {(l2.level1.name, l2.name): l2 for l2 in IndicatorLevel2.objects.all()}
    unit = Unit.objects.create(code="ie0001", name="django-import-export")
    projects = {}
    dataset = tablib.Dataset(headers=["id", "project", "level1", "level2", "name", "operator",
                                      "target_value", "target_grade", "unit", "weight",
                                      "direction", "position"])
    for index, (_, project, level1, level2, name, target) in enumerate(keys):
        if project not in projects:
            projects[project] = Project.objects.create(unit=unit, year=2025, name=project,
                                                       budget_amount=100)
        level = levels[(level1, level2)]
        op, measure, direction = next((o, m, d) for a, b, o, m, d in LEVELS if (a, b) == (level1, level2))
        dataset.append(["", projects[project].pk, level.level1_id, level.pk, name, op, target, "",
                        measure, 6, direction, index])
    result = PlainIndicatorResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    return result


def read_all(path, layout, limits) -> int:
    """The floor: the reader building every row of the file, as the imports read it (row by
    row, streamed, the cyclic GC paused, performance.excel.reader.gc_paused)."""
    from performance.excel.reader import gc_paused, read_table

    with gc_paused():
        return sum(1 for _ in read_table(path, layout, limits=limits, stream=True).rows)


def target_steps():
    """The steps of import_targets, through the names performance.excel.targets_import
    calls: the reader, read_targets (reader + normalizing), the review, the writer
    (services.targets.apply_targets), the carry-over and the missing-projects report.
    The import streams its rows (read_table(stream=True)): "read" is opening the file,
    loading the sheet and finding the header; each row is built as it is converted, so
    building the rows counts in "normalize"."""
    from performance.excel import targets_import

    steps = harness.Steps()
    steps.wrap(targets_import, "read_table", "read", within="normalize")
    steps.wrap(targets_import, "read_targets", "normalize")  # read_targets less the reader
    steps.wrap(targets_import, "review_rows", "review")
    steps.wrap(targets_import, "apply_targets", "write (apply_targets)")
    steps.wrap(targets_import, "carry_over", "carry over")
    steps.wrap(targets_import, "missing_projects", "missing projects")
    return steps


def actuals_steps():
    """The steps of import_actuals: opening the file (the rows stream, each built as it is
    matched, so building them counts in the rest), then matching and normalizing the rows (the
    rest), and per write part services.values_bulk.prepare_bulk (locks, workflow checks,
    merge) and apply_bulk (the writes and history rows), of which refresh_snapshots (the
    stored scores and lights), summed over the parts."""
    from performance.excel import actuals_import
    from performance.services import values_bulk

    steps = harness.Steps(rest="match + normalize (the rest)")
    steps.wrap(actuals_import, "read_table", "open")
    steps.wrap(values_bulk, "prepare_bulk", "check + merge (prepare)")
    steps.wrap(values_bulk, "apply_bulk", "write + history (apply)")
    steps.wrap(values_bulk, "refresh_snapshots", "refresh", within="write + history (apply)")
    return steps


def _fresh_import(kind: str, path: str) -> tuple[float, float]:
    """One import in this fresh process (spawned: nothing of the rounds in it), as a worker
    runs an import job: (RSS once Django is set up, peak RSS of the import) in MB."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from performance.excel.reader import Limits

    limits = Limits(max_bytes=None, max_rows=None)
    if kind == "targets":
        from performance.excel.targets_import import import_targets

        def call():
            return import_targets(path, 2025, limits=limits)
    else:
        from performance.excel.actuals_import import import_actuals
        from performance.models import ReportingPeriod

        period = ReportingPeriod.objects.get(year=2025, code=PERIOD_CODE)

        def call():
            return import_actuals(path, period, limits=limits)
    start = harness.rss_mb()
    harness.reset_peak()
    call()
    return start, harness.peak_mb()


def fresh_peaks(args, files: dict, reset) -> dict[str, tuple[float, float]]:
    """Each import once more, alone in a fresh process, in a round's order from the empty
    database: label → (RSS at its start, its peak RSS) in MB."""
    from performance.excel.reader import Limits
    from performance.excel.targets_import import import_targets

    reset()
    context = multiprocessing.get_context("spawn")
    found = {}

    def alone(label, kind):
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            found[label] = pool.submit(_fresh_import, kind, str(files[label])).result()

    if args.only != "actuals":
        alone(TARGETS_EMPTY, "targets")
        alone(TARGETS_CHANGED, "targets")
    else:
        import_targets(files[TARGETS_EMPTY], 2025, limits=Limits(max_bytes=None, max_rows=None))
    if args.only != "targets":
        new_period()
        alone(ACTUALS_EMPTY, "actuals")
        alone(ACTUALS_CHANGED, "actuals")
    return found


def new_period():
    from performance.models import ReportingPeriod

    return ReportingPeriod.objects.create(year=2025, code=PERIOD_CODE, name="2025 年度绩效自评",
                                          kind="self_evaluation", cutoff_month=12)


def timed_import(runs, label, steps, func):
    steps.clear()
    value = runs.time(label, func, extra=steps.breakdown)
    steps.check()
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--ie-rows", type=int, default=5_000)
    parser.add_argument("--only", choices=("targets", "actuals"),
                        help="measure only that import (and its floor)")
    harness.add_rounds(parser)
    args = harness.parse_args(parser, SMOKE)
    harness.run_with_files(run, args)


def run(args, tmp: Path):
    targets, changed, actuals, actuals2, ie_keys, seconds = make_files_apart(
        tmp, args.rows, args.units, args.ie_rows)
    label = setup_django(args.smoke)
    from openpyxl import load_workbook

    from performance.excel.actuals_import import import_actuals
    from performance.excel.layouts import ACTUALS, TARGETS
    from performance.excel.reader import Limits
    from performance.excel.targets_import import import_targets

    limits = Limits(max_bytes=None, max_rows=None)
    print(f"database: {label}; rows: {args.rows:,}; units: {args.units}; rounds: {args.rounds}")
    print(f"files generated in {seconds:.1f} s: 表13 {targets.stat().st_size / 2**20:.1f} MB, "
          f"自评表 {actuals.stat().st_size / 2**20:.1f} MB")
    t_steps, a_steps = target_steps(), actuals_steps()
    reset = Reset()
    runs = harness.Runs()
    summaries = {}
    cpu: dict[str, list[float]] = {}  # this process's CPU seconds per run of each label

    def timed(label, func):
        """`func`, its CPU time noted: on a busy shared machine the wall-clock ratios swing
        with the neighbours' load, this process's CPU time much less (on PostgreSQL the
        server's work is not in it)."""
        def call():
            start = time.process_time()
            try:
                return func()
            finally:
                cpu.setdefault(label, []).append(time.process_time() - start)
        return call

    def openpyxl_rows():
        book = load_workbook(targets, read_only=True)
        try:
            return sum(1 for _ in book.active.iter_rows(values_only=True))
        finally:
            book.close()

    for number in range(1, args.rounds + 1):
        if number > 1:
            reset()
        print(f"round {number} of {args.rounds} ({harness.machine()})", flush=True)
        if args.only != "actuals":
            runs.time(FLOOR_T, timed(FLOOR_T, lambda: read_all(targets, TARGETS, limits)))
            timed_import(runs, TARGETS_EMPTY, t_steps, timed(
                TARGETS_EMPTY, lambda: import_targets(targets, 2025, limits=limits)))
            runs.time(FLOOR_T, timed(FLOOR_T, lambda: read_all(targets, TARGETS, limits)))
            result = timed_import(runs, TARGETS_CHANGED, t_steps, timed(
                TARGETS_CHANGED, lambda: import_targets(changed, 2025, limits=limits)))
            summaries[TARGETS_CHANGED] = result.summary()
        else:  # the actuals need the targets in the database (each round starts empty)
            import_targets(targets, 2025, limits=limits)
        if args.only != "targets":
            period = new_period()
            runs.time(FLOOR_A, timed(FLOOR_A, lambda: read_all(actuals, ACTUALS, limits)))
            timed_import(runs, ACTUALS_EMPTY, a_steps, timed(
                ACTUALS_EMPTY,
                lambda period=period: import_actuals(actuals, period, limits=limits)))
            runs.time(FLOOR_A, timed(FLOOR_A, lambda: read_all(actuals2, ACTUALS, limits)))
            result = timed_import(runs, ACTUALS_CHANGED, a_steps, timed(
                ACTUALS_CHANGED,
                lambda period=period: import_actuals(actuals2, period, limits=limits)))
            summaries[ACTUALS_CHANGED] = result.summary()
        if args.only is None:
            runs.time(FLOOR_T, timed(FLOOR_T, lambda: read_all(targets, TARGETS, limits)))
            runs.time(OPENPYXL, openpyxl_rows)
            runs.time(f"django-import-export row by row, {len(ie_keys):,} rows",
                      lambda: import_export_rows(ie_keys))
    alone = fresh_peaks(args, {TARGETS_EMPTY: targets, TARGETS_CHANGED: changed,
                               ACTUALS_EMPTY: actuals, ACTUALS_CHANGED: actuals2}, reset)
    report(args, runs, summaries, len(ie_keys), cpu, alone)


def report(args, runs, summaries, ie_count, cpu, alone):
    print(f"\nbest of {args.rounds} runs each, floor and imports interleaved; "
          f"{harness.machine()}")
    pairs = [(label, floor) for label, floor in (
        (TARGETS_EMPTY, FLOOR_T), (TARGETS_CHANGED, FLOOR_T),
        (ACTUALS_EMPTY, FLOOR_A), (ACTUALS_CHANGED, FLOOR_A)) if label in runs.peaks]
    for label in (FLOOR_T, FLOOR_A, OPENPYXL):
        if label in cpu or label == OPENPYXL and args.only is None:
            print(f"  {label:<56} {runs.spread(label)}")
    for label, _ in pairs:
        print(f"  {label:<56} {runs.spread(label)}, peak RSS {runs.peaks[label]:.0f} MB "
              f"(+{runs.growth[label]:.0f} MB over its start)")
        if label in summaries:
            print(f"      {summaries[label]}")
        print(f"      best run: {harness.describe(runs.extra[label])}")
    ie = None
    if args.only is None:
        ie_label = f"django-import-export row by row, {ie_count:,} rows"
        ie = runs.best(ie_label) * args.rows / ie_count
        print(f"  {ie_label:<56} {runs.spread(ie_label)}; extrapolated to {args.rows:,} rows: "
              f"{ie:.0f} s")
    print("ratios (goal: import ≤ 3× reader; ≥ 10× faster than django-import-export):")
    for label, floor in pairs:
        faster = (f", {ie / runs.best(label):6.1f}× faster than django-import-export"
                  if ie is not None else "")
        print(f"    {label:<54} {runs.ratio(label, floor):5.1f}× reader{faster}")
    if args.only is None:
        print(f"    openpyxl read-only / calamine: {runs.ratio(OPENPYXL, FLOOR_T):.1f}×")
    print("the same in this process's CPU time (best runs; on PostgreSQL without the server's):")
    for label, floor in pairs:
        print(f"    {label:<54} {min(cpu[label]):6.2f} s / {min(cpu[floor]):5.2f} s = "
              f"{min(cpu[label]) / min(cpu[floor]):4.1f}× reader")
    labels = [label for label, _ in pairs]
    imports = max(runs.peaks[label] for label in labels)
    growth = max(runs.growth[label] for label in labels)
    print(f"peak memory (RSS) during an import: {imports:.0f} MB (goal < 300 MB), of which "
          f"{growth:.0f} MB at most over the RSS the import started with (the rest: Django and "
          f"what earlier steps left allocated); whole process: "
          f"{max(imports, harness.process_peak_mb()):.0f} MB")
    print("peak memory (RSS) of each import run once more alone, in a fresh process from the "
          "round's starting point (as a worker runs an import job; goal < 300 MB):")
    for label, (start, peak) in alone.items():
        print(f"    {label:<54} {peak:6.0f} MB (Django and the process: {start:.0f} MB)")
    print(f"machine at end: {harness.machine()}")


if __name__ == "__main__":
    main()
