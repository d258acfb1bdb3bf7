"""INSERT … ON CONFLICT DO UPDATE in large batches, without building model instances.

Django's bulk_create(update_conflicts=True) does the same SQL, but it builds a model instance
per row, compiles every value through the ORM and, on SQLite, caps a statement at 999
parameters (~70 rows here): three quarters of an import's time. This writes multi-row
statements sized to the database's real parameter limit, prepares each distinct value once
(`Field.get_db_prep_save`, so stored values are exactly what the ORM would store), and works on
SQLite (≥ 3.24) and PostgreSQL alike. Values must already be valid: the importers validate
every row before anything is written.
"""

from __future__ import annotations

import sqlite3

from django.db import connection

MAX_ROWS = 2000  # rows per statement
PG_MAX_PARAMS = 65_535


def max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        getlimit = getattr(raw, "getlimit", None)
        if getlimit is not None:
            return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return connection.features.max_query_params or 999
    return connection.features.max_query_params or PG_MAX_PARAMS


def insert(model, rows: list[dict]) -> int:
    """INSERT `rows` (dicts by field attname; a missing field takes its default), many rows a
    statement; a duplicate raises IntegrityError. Returns the statements run."""
    return upsert(model, rows, unique=None, update=[])


def upsert(model, rows: list[dict], *, unique: list[str] | None, update: list[str]) -> int:
    """Insert `rows` (dicts by field attname; a missing field takes its default) or, where the
    `unique` fields already exist, update the `update` fields (`unique` None: a plain INSERT).
    Returns the statements run."""
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    spec = [(f.attname, f.get_default(), _preparer(f)) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}"
                        for c in (model._meta.get_field(n).column for n in update))
    if unique is None:
        on_conflict = ""
    else:
        conflict = ", ".join(quote(model._meta.get_field(n).column) for n in unique)
        on_conflict = f" ON CONFLICT ({conflict}) " + (
            f"DO UPDATE SET {updates}" if updates else "DO NOTHING")
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, min(MAX_ROWS, max_params() // len(fields)))
    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            params = []
            append = params.append
            for row in chunk:
                get = row.get
                for name, default, prep in spec:
                    value = get(name, default)
                    append(value if prep is None else prep(value))
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
                f"{', '.join([placeholder] * len(chunk))}{on_conflict}",
                params,
            )
            statements += 1
    return statements


# Values of these fields go to the driver as they are (get_db_prep_save returns them unchanged:
# str, int, Decimal, bool, None); the others are prepared by the field, once per distinct value.
AS_IS = {"AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField",
         "DecimalField", "ForeignKey", "IntegerField", "PositiveIntegerField",
         "PositiveSmallIntegerField", "SmallIntegerField", "TextField"}


def _preparer(field):
    """None (no preparing needed) or `field.get_db_prep_save` with a memo."""
    if field.get_internal_type() in AS_IS:
        return None
    memo: dict = {}

    def prepare(value):
        key = (type(value), tuple(value)) if isinstance(value, list) else (type(value), value)
        try:
            return memo[key]
        except KeyError:
            prepared = memo[key] = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable
            return field.get_db_prep_save(value, connection)

    return prepare
