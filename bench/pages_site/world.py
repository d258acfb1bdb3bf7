"""bench/pages.py's data, generated fast enough for province scale (--scale 10: 4,000 units,
60,000 projects, 1,000,000 indicators with one record each).

Units, projects and project records (tens of thousands) go through bulk_create. The million
indicators and records do not: building a model instance per row and letting the ORM compile
batches costs minutes, so each row is a plain tuple, the columns a row does not set take the
value a fresh model instance would save (its defaults, auto_now), and the rows are written in
chunks — executemany on SQLite, COPY on PostgreSQL — with ids given here, so that a record can
name its indicator without reading it back.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice

CHUNK = 20_000
BIG = 20  # indicators of the project page


class Table:
    """INSERTs of `model` rows that set `columns` (field names); every other concrete column
    gets the value a model instance made with no arguments would be saved with."""

    def __init__(self, model, columns: list[str]):
        from django.db import DEFAULT_DB_ALIAS, connections

        # the wrapper itself: django.db.connection is a proxy that looks the alias up per call
        self.connection = connection = connections[DEFAULT_DB_ALIAS]
        fields = list(model._meta.concrete_fields)
        by_name = {f.name: f for f in fields}
        given = [by_name[name] for name in columns]
        blank = model()
        # an id not given is the database's to choose (NULL would not do on PostgreSQL)
        rest = [f for f in fields if f.name not in columns and f is not model._meta.pk]
        self.fixed = tuple(f.get_db_prep_save(f.pre_save(blank, add=True), connection)
                           for f in rest)
        # Rows come as plain ints, texts, Decimals and None, which both drivers take as they
        # are (Field.get_db_prep_save per value costs more than writing the row); only JSON
        # needs the field's conversion.
        self.convert = [(i, f) for i, f in enumerate(given) if f.get_internal_type() == "JSONField"]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in given + rest)
        self.width = len(given) + len(rest)

    def _prepared(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        connection, convert, fixed = self.connection, self.convert, self.fixed
        for row in rows:
            if convert:
                row = list(row)
                for i, field in convert:
                    row[i] = field.get_db_prep_save(row[i], connection)
            yield (*row, *fixed)

    def insert(self, rows: Iterable[tuple]) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(
                        f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in self._prepared(rows):
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * self.width)
                cursor.executemany(f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})",
                                   self._prepared(rows))


def _indicator(indicator_id, project_id, position, level2, rng) -> tuple:
    """(id, project, level1, level2, name, operator, target_value, target_grade, unit, weight,
    position, direction): what bench/pages.py's indicators always were."""
    from performance.domain import Direction, Grade, Operator

    name = level2.level1.name
    if position % 10 == 9:
        operator, value, grade, unit = Operator.QUALITATIVE, None, Grade.EXCELLENT, ""
    elif "成本" in name:
        operator, value, grade, unit = Operator.LE, Decimal(rng.randint(1, 50)), "", "万元"
    elif "数量" in level2.name:
        operator, value, grade, unit = Operator.GE, Decimal(rng.randint(10, 5000)), "", "人次"
    else:
        operator, value, grade, unit = Operator.GE, Decimal(rng.randint(80, 100)), "", "%"
    direction = Direction.NEGATIVE if operator == Operator.LE else Direction.POSITIVE
    return (indicator_id, project_id, level2.level1_id, level2.id,
            f"{name[:2]}指标{position:02d}：保障社会保险经办服务的长名称指标", operator.value,
            value, getattr(grade, "value", grade), unit, Decimal("4.5"), position,
            direction.value)


INDICATOR_COLUMNS = ["id", "project", "level1", "level2", "name", "operator", "target_value",
                     "target_grade", "unit", "weight", "position", "direction"]
RECORD_COLUMNS = ["indicator", "period", "actual_value", "actual_grade", "expected_value",
                  "expected_grade", "likelihood", "corrective_measures", "deviation_reasons"]


def _record(indicator: tuple, period_id, rng) -> tuple:
    from performance.domain import DeviationReason, Grade, Likelihood

    share = Decimal(rng.randint(20, 130)) / 100
    target, grade = indicator[6], indicator[7]
    if grade:
        values = (None, rng.choice(list(Grade)).value, None, rng.choice(list(Grade)).value)
    else:
        values = ((target * share * 7 / 12).quantize(Decimal("0.01")), "",
                  (target * share).quantize(Decimal("0.01")), "")
    if share < Decimal("0.8"):
        rest = (Likelihood.POSSIBLE.value, "加快进度", [rng.choice(list(DeviationReason)).value])
    else:
        rest = (Likelihood.CERTAIN.value, "", [])
    return (indicator[0], period_id, *values, *rest)


def generate(period, size):
    """The data of `size` (units, projects, indicators) in `period`; returns the project with
    exactly BIG indicators."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from budget.models import Project, ProjectCategory, Unit
    from performance.models import Indicator, IndicatorLevel2, IndicatorRecord, ProjectRecord
    from performance.models import WorkflowStatus as S

    rng = random.Random(2025)
    levels = list(IndicatorLevel2.objects.select_related("level1"))
    with transaction.atomic():
        units = Unit.objects.bulk_create(
            (Unit(code=f"B{i:05d}", name=f"广元市基准测试第{i}社会保险事务服务中心")
             for i in range(size.units)), batch_size=2000)
        per_unit = size.projects // size.units
        projects = Project.objects.bulk_create(
            (Project(unit=unit, year=period.year,
                     name=f"社会保险经办能力提升专项经费（第{u}-{p}期）",
                     category=rng.choice(ProjectCategory.values),
                     budget_amount=Decimal(rng.randint(10, 500)))
             for u, unit in enumerate(units) for p in range(per_unit)), batch_size=2000)
        statuses = [S.DRAFT, S.DRAFT, S.SUBMITTED, S.APPROVED, S.RETURNED]
        ProjectRecord.objects.bulk_create(
            (ProjectRecord(project=p, period=period, status=(status := rng.choice(statuses)),
                           return_reason="请补充说明" if status == S.RETURNED else "",
                           spent=(p.budget_amount * Decimal(rng.randint(5, 90)) / 100).quantize(
                               Decimal("0.01"))) for p in projects), batch_size=2000)
        counts = [BIG] + [(size.indicators - BIG) // (len(projects) - 1)] * (len(projects) - 1)
        for i in range(size.indicators - sum(counts)):
            counts[1 + i] += 1
        first = (Indicator.all_objects.aggregate(top=Max("id"))["top"] or 0) + 1
        indicators = Table(Indicator, INDICATOR_COLUMNS)
        records = Table(IndicatorRecord, RECORD_COLUMNS)
        rows = _indicator_rows(projects, counts, levels, first, rng)
        while chunk := list(islice(rows, CHUNK)):
            indicators.insert(chunk)
            records.insert(_record(row, period.pk, rng) for row in chunk)
        if connection.vendor == "postgresql":  # ids given here: move the sequences past them
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Indicator]):
                    cursor.execute(sql)
    # Statistics for the planner, as a deployment has them: PostgreSQL's autovacuum gathers
    # them soon; on SQLite docs/deployment.md has the operator run ANALYZE after a large import.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return projects[0]


def _indicator_rows(projects, counts, levels, first, rng) -> Iterator[tuple]:
    indicator_id = first
    for project, count in zip(projects, counts, strict=True):
        for position in range(count):
            yield _indicator(indicator_id, project.pk, position, levels[position % len(levels)],
                             rng)
            indicator_id += 1
