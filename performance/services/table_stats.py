"""Planner statistics after a large write, inside the writing transaction (PostgreSQL).

An import writes thousands of rows and then, in the same transaction, reads them back (the ids
of new records, the refresh of scores and lights). PostgreSQL plans those reads from the
tables' statistics, and an autovacuum that runs meanwhile counts the transaction's rows as not
there yet (they are uncommitted): a table of 146 pages "holds 0 rows", every join over it looks
free, and the planner loops over the whole table once per row — minutes at 8,000 indicators,
hours at 100,000 (a CI run stalled that way). ANALYZE inside the transaction counts the
transaction's own rows, so the reads that follow are planned for the sizes they meet, and the
lock it holds until the transaction ends makes an autovacuum skip the table meanwhile instead
of counting it again without them.

Only where the table's committed rows are fewer than those the transaction works on (a first
import into a fresh database, every test's): a table already holding more is counted well
enough by any autovacuum, and ANALYZE costs about half a second per table of 1,000,000 rows.
The lock is also taken by a second import's ANALYZE, which then waits for the first to commit.
SQLite keeps no such counts.
"""

from __future__ import annotations

from django.db import connection

# Below this many rows, a misplanned read stays cheap.
ANALYZE_AFTER_ROWS = 1000


def analyze_after_write(rows_by_model: dict) -> list[str]:
    """ANALYZE each table of `rows_by_model` (model → rows this transaction works on in it)
    where that number reaches ANALYZE_AFTER_ROWS and exceeds the table's committed rows
    (PostgreSQL only). Returns the tables analyzed."""
    if connection.vendor != "postgresql":
        return []
    wanted = {model._meta.db_table: rows for model, rows in rows_by_model.items()
              if rows >= ANALYZE_AFTER_ROWS}
    if not wanted:
        return []
    committed = committed_rows(list(wanted))
    tables = sorted(name for name, rows in wanted.items()
                    if committed.get(name) is None or committed[name] < rows)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
    return tables


def committed_rows(tables: list[str]) -> dict[str, int | None]:
    """table → its live committed rows as the statistics system counts them (None: unknown)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, (SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = "
                       "to_regclass(quote_ident(name))) FROM unnest(%s::text[]) AS name",
                       [tables])
        return dict(cursor.fetchall())
