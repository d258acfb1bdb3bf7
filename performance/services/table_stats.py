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

That lock is also taken by a second import's ANALYZE, which waits for the first to commit:
large imports into the same tables run one after the other from that point (a unit's own
file, of tens or hundreds of rows, stays under the threshold). SQLite keeps no such counts.
"""

from __future__ import annotations

from django.db import connection

# Below this many rows, a misplanned read stays cheap.
ANALYZE_AFTER_ROWS = 1000


def analyze_after_write(rows_by_model: dict) -> list[str]:
    """ANALYZE each table of `rows_by_model` (model → rows this transaction works on in it)
    where that number reaches ANALYZE_AFTER_ROWS (PostgreSQL only). Returns the tables."""
    if connection.vendor != "postgresql":
        return []
    tables = sorted({model._meta.db_table for model, rows in rows_by_model.items()
                     if rows >= ANALYZE_AFTER_ROWS})
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
    return tables
