"""Planner statistics after a large write (performance.services.table_stats): an autovacuum
that runs while an import's rows are uncommitted counts the tables as empty, and PostgreSQL
then planned the import's own reads (the refresh of scores and lights) as a loop over every
row for each row — a CI run stalled for over an hour in tests/test_import_memory.py that way.
The import now ANALYZEs, inside its transaction, a table it wrote more rows to than the table
holds committed."""

import psycopg
import pytest
from django.db import connection

from performance.excel.actuals_import import import_actuals
from performance.models import Indicator
from performance.services import table_stats, values_bulk
from tests.test_import_memory import PER_PROJECT, actuals, workbook, world

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="PostgreSQL's planner statistics")


def autovacuum(*tables):
    """What an autovacuum does meanwhile, from its own connection: it sees none of this test's
    uncommitted rows and skips a table whose lock someone holds."""
    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"],
                         password=s["PASSWORD"], dbname=s["NAME"], autocommit=True) as other:
        for table in tables:
            other.execute(f"VACUUM (ANALYZE, SKIP_LOCKED) {table}")


def counted(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
        return cursor.fetchone()[0]


def indicators(count: int) -> None:
    world(count // PER_PROJECT)  # tests/test_import_memory's: PER_PROJECT indicators a project


def test_sqlite_has_no_statistics_to_refresh():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert table_stats.analyze_after_write({Indicator: 10**6}) == []


@postgres_only
def test_a_table_counted_empty_by_an_autovacuum_is_analyzed_inside_the_transaction():
    indicators(2000)
    autovacuum("performance_indicator")
    assert counted("performance_indicator") == 0  # the uncommitted rows are not seen
    assert table_stats.analyze_after_write({Indicator: 2000}) == ["performance_indicator"]
    assert counted("performance_indicator") >= 2000


@postgres_only
def test_a_small_write_is_left_alone():
    assert table_stats.analyze_after_write(
        {Indicator: table_stats.ANALYZE_AFTER_ROWS - 1}) == []


@postgres_only
def test_a_table_with_more_committed_rows_than_written_is_left_alone(monkeypatch):
    # its count stays right whatever an autovacuum meanwhile sees (and its ANALYZE is costly)
    monkeypatch.setattr(table_stats, "committed_rows", lambda tables: dict.fromkeys(tables, 10**6))
    assert table_stats.analyze_after_write({Indicator: 100_000}) == []
    monkeypatch.setattr(table_stats, "committed_rows", lambda tables: dict.fromkeys(tables, 50))
    assert table_stats.analyze_after_write({Indicator: 2000}) == ["performance_indicator"]


@postgres_only
def test_the_committed_rows_are_those_of_the_statistics_system():
    indicators(2000)  # uncommitted: not counted
    assert table_stats.committed_rows(["performance_indicator"])["performance_indicator"] < 2000


@postgres_only
def test_an_autovacuum_meanwhile_skips_a_table_analyzed_in_the_transaction():
    indicators(2000)
    assert table_stats.analyze_after_write({Indicator: 2000}) == ["performance_indicator"]
    autovacuum("performance_indicator")  # skipped: the ANALYZE's lock is held until commit
    assert counted("performance_indicator") >= 2000


@postgres_only
def test_an_autovacuum_before_the_refresh_leaves_the_new_records_counted(monkeypatch):
    unit, period = world(800)
    rows = 8000
    refresh, seen = values_bulk.refresh_snapshots, {}

    def autovacuum_then_refresh(period, project_ids):
        autovacuum("performance_indicatorrecord", "performance_indicator",
                   "performance_projectrecord")
        seen.update({table: counted(table) for table in (
            "performance_indicatorrecord", "performance_indicator")})
        return refresh(period, project_ids)

    monkeypatch.setattr(values_bulk, "refresh_snapshots", autovacuum_then_refresh)
    result = import_actuals(workbook(actuals(unit, rows // PER_PROJECT), rows), period)
    assert result.records_created == rows
    # planned for the 8,000 records it reads back, not for an empty table
    assert seen["performance_indicatorrecord"] >= rows
    assert seen["performance_indicator"] >= rows
