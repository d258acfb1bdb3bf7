"""INSERT … ON CONFLICT DO UPDATE in large batches, without building model instances.

Django's bulk_create(update_conflicts=True) does the same SQL, but it builds a model instance
per row, compiles every value through the ORM and, on SQLite, caps a statement at 999
parameters (~70 rows here): three quarters of an import's time. `upsert` takes rows as dicts,
`upsert_tuples` as plain tuples: on SQLite (≥ 3.24) both go as multi-row statements sized to
its real parameter limit (_sqlite_insert). On PostgreSQL many rows go by COPY (formatted in
C): a plain INSERT straight into the table, an upsert or an update (`update_rows`) of COPY_MIN
rows or more through a temporary table inside the transaction; fewer as unnest arrays. Each
distinct value is prepared once (`Field.get_db_prep_save`, so stored values are exactly what
the ORM would store). Values must already be valid: the importers validate every row before
anything is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence

from django.db import connection

MAX_ROWS = 2000  # rows per statement


def sqlite_max_params() -> int:
    connection.ensure_connection()
    getlimit = getattr(connection.connection, "getlimit", None)
    if getlimit is not None:
        return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 999


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
    # as plain values in field order, through upsert_tuples (one path per database)
    spec = [(f.attname, f.get_default()) for f in model._meta.concrete_fields
            if not f.primary_key]
    return upsert_tuples(model, [name for name, _ in spec],
                         ([row.get(name, default) for name, default in spec] for row in rows),
                         unique=unique, update=update)


def upsert_tuples(model, names: Sequence[str], rows: Iterable[tuple], *,
                  unique: list[str] | None, update: list[str],
                  constants: Mapping[str, object] | None = None) -> int:
    """`upsert` for rows given as plain tuples of the `names` fields (attnames, in that order),
    with no dict per row: `constants` (the same value for every row, such as one updated_at
    per run) and every other field's default are prepared once and appended. On SQLite the
    rows go as multi-row statements (_sqlite_insert); on PostgreSQL by COPY (see the module), or
    as one INSERT … SELECT FROM unnest(one array per column) per small chunk (psycopg splits a
    multi-row statement's tens of thousands of placeholders with a regex on each execute).
    Returns the statements run."""
    constants = dict(constants or {})
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    by_name = {f.attname: f for f in fields}
    given = [by_name[name] for name in names]
    fixed = [f for f in fields if f.attname not in names]
    tail = tuple(_prepared(f, constants.get(f.attname, f.get_default())) for f in fixed)
    preparers = [(i, prep) for i, f in enumerate(given) if (prep := _preparer(f)) is not None]
    on_conflict = _on_conflict(model, unique, update)
    if connection.vendor == "sqlite":
        if preparers:
            rows = (_prepare_row(row, preparers) for row in rows)
        with connection.cursor() as cursor:
            return _sqlite_insert(cursor, model, (*given, *fixed),
                                  (row + tail for row in rows) if tail else rows, on_conflict)
    if unique is None:
        return _copy(model, (*given, *fixed), rows, preparers, tail)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in (*given, *fixed))
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in (*given, *fixed))
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
           f"SELECT * FROM unnest({arrays}){on_conflict}")
    staged = None  # PostgreSQL: the temporary table large chunks are copied into
    statements = 0
    with connection.cursor() as cursor:
        for chunk in chunks(rows, CHUNK):
            if preparers:
                chunk = [_prepare_row(row, preparers) for row in chunk]
            if len(chunk) >= COPY_MIN and connection.in_atomic_block:
                staged = staged or _stage(cursor, model, (*given, *fixed))
                _copy_rows(cursor, staged, [row + tail for row in chunk] if tail else chunk)
                cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
                               f"SELECT * FROM {staged}{on_conflict}")
                cursor.execute(f"TRUNCATE {staged}")
            else:
                size = len(chunk)
                cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)]
                               + [[value] * size for value in tail])
            statements += 1
        if staged:
            cursor.execute(f"DROP TABLE {staged}")
    return statements


def _stage(cursor, model, fields) -> str:
    """A temporary table of `fields`' columns and types (no defaults, no constraints) for a
    chunk to be copied into and upserted from: COPY is formatted in C, where the unnest arrays
    are dumped element by element in Python (3 of a 100,000-row 表13 import's 5 s). Made
    inside the transaction (in_atomic_block: with a pooler, one server connection), dropped
    when done; one left by a failed statement outside a transaction is replaced."""
    quote = connection.ops.quote_name
    name = quote(f"upsert_{model._meta.db_table}")
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT "
                   f"{', '.join(quote(f.column) for f in fields)} "
                   f"FROM {quote(model._meta.db_table)} WITH NO DATA")
    return name


CHUNK = 10_000  # rows per statement: bounded memory, few calls
ARRAY_BATCH = 20000  # rows per UPDATE … FROM unnest statement (PostgreSQL)
COPY_MIN = 1000  # rows from which a PostgreSQL upsert chunk is staged by COPY


def _copy(model, fields, rows: Iterable[tuple], preparers, tail: tuple) -> int:
    """A plain INSERT on PostgreSQL as COPY … FROM STDIN, a row at a time (psycopg formats
    each row in C, where the unnest arrays are dumped element by element in Python, with a
    regex or two per element: 7 of a 100,000-row actuals import's 15 s). Constraints, foreign
    keys and defaults hold as for an INSERT; the whole COPY fails on the first bad row."""
    quote = connection.ops.quote_name
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    if preparers:
        rows = (_prepare_row(row, preparers) for row in rows)
    with connection.cursor() as cursor:
        _copy_rows(cursor, target, (row + tail for row in rows) if tail else rows)
    return 1


def _copy_rows(cursor, target: str, rows: Iterable[tuple]) -> None:
    """COPY `rows` into `target` (a quoted table, with its columns if not all) through the
    driver's own cursor (Django has no COPY), its errors raised as Django's (IntegrityError…)."""
    with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def chunks(rows: Iterable, size: int) -> Iterator[list]:
    """`rows` as lists of `size` (the last shorter), never more than one list held."""
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepare_row(row: Sequence, preparers) -> tuple:
    values = list(row)
    for index, prepare in preparers:
        values[index] = prepare(values[index])
    return tuple(values)


def _prepared(field, value):
    prepare = _preparer(field)
    return value if prepare is None else prepare(value)


def _on_conflict(model, unique: list[str] | None, update: list[str]) -> str:
    if unique is None:
        return ""
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}"
                        for c in (model._meta.get_field(n).column for n in update))
    conflict = ", ".join(quote(model._meta.get_field(n).column) for n in unique)
    return f" ON CONFLICT ({conflict}) " + (f"DO UPDATE SET {updates}" if updates
                                           else "DO NOTHING")


def _sqlite_insert(cursor, model, fields, rows: Iterable[Sequence], on_conflict: str) -> int:
    """INSERT `rows` (prepared values of `fields`, in order) on SQLite, as many rows a statement
    as its parameter limit allows (MAX_ROWS at most): an executemany of a one-row statement takes
    about twice as long per row (SQLite runs the whole statement once per row; measured with
    sqlite3 alone, 100,000 indicators: 1.3 s against 0.55 s in statements of 50 rows or more).
    Returns the statements run."""
    quote = connection.ops.quote_name
    head = (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) VALUES ")
    per_statement = max(1, min(MAX_ROWS, sqlite_max_params() // len(fields)))
    # Django rewrites each %s of a statement by a regex on every execute (5 ms for a 2,000-row
    # statement, half as long as SQLite takes to insert its rows): unless a debug cursor logs
    # the statement (DEBUG, a test counting queries), the driver gets SQLite's own ? marks
    # (so, like a COPY on PostgreSQL, past any connection.execute_wrapper: none is installed).
    logged = connection.queries_logged
    one = "(" + ", ".join(["%s" if logged else "?"] * len(fields)) + ")"
    full = ""  # the statement of a full chunk, built once
    statements = 0
    for chunk in chunks(rows, per_statement):
        if len(chunk) == per_statement:
            sql = full = full or head + ", ".join([one] * per_statement) + on_conflict
        else:
            sql = head + ", ".join([one] * len(chunk)) + on_conflict
        params = [value for row in chunk for value in row]
        if logged:
            cursor.execute(sql, params)
        else:
            with connection.wrap_database_errors:
                sqlite3.Cursor.execute(cursor.cursor, sql, params)
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


def update_rows(model, names: list[str], rows: list[tuple]) -> None:
    """UPDATE the fields `names` of `model` rows given as (*values, id): one set-based statement
    on PostgreSQL (UPDATE … FROM unnest of one array per column: a statement per row, even
    pipelined, costs the server a plan and an index probe each), an executemany elsewhere (SQLite
    runs it in C with one prepared statement)."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    # each distinct value prepared once (a datetime, a list of reasons); most are sent as is
    preparers = [_preparer(f) for f in fields]
    prepared = [[v if p is None else p(v) for p, v in zip(preparers, row, strict=False)]
                + [row[-1]] for row in rows]
    with connection.cursor() as cursor:
        if (connection.vendor == "postgresql" and len(prepared) >= COPY_MIN
                and connection.in_atomic_block):
            # staged by COPY, as a large upsert chunk (_stage): no array dumped in Python
            staged = _stage(cursor, model, [*fields, meta.pk])
            _copy_rows(cursor, staged, prepared)
            cursor.execute("UPDATE {} AS t SET {} FROM {} AS v WHERE t.{} = v.{}".format(
                table, ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields),
                staged, pk, pk))
            cursor.execute(f"DROP TABLE {staged}")
        elif connection.vendor == "postgresql":
            columns = [*fields, meta.pk]
            names_v = [f"c{i}" for i in range(len(columns))]
            sql = "UPDATE {} AS t SET {} FROM unnest({}) AS v({}) WHERE t.{} = v.{}".format(
                table, ", ".join(f"{quote(f.column)} = v.{n}" for f, n in zip(fields, names_v,
                                                                          strict=False)),
                ", ".join(f"%s::{_array_type(f)}" for f in columns), ", ".join(names_v),
                pk, names_v[-1])
            for start in range(0, len(prepared), ARRAY_BATCH):
                part = prepared[start:start + ARRAY_BATCH]
                cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
        else:
            sql = "UPDATE {} SET {} WHERE {} = %s".format(
                table, ", ".join(f"{quote(f.column)} = %s" for f in fields), pk)
            cursor.executemany(sql, prepared)


def _array_type(field) -> str:
    """The PostgreSQL array type of a column: numeric(6, 2)[], varchar(10)[], bigint[]…"""
    return (field.rel_db_type(connection) if field.primary_key
            else field.db_type(connection)) + "[]"
