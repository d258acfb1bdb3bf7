"""Import the values of a 自评表 or 监控表 into one reporting period, all or nothing, through the
one write path (performance.services.values).

Each row is matched to a stored indicator by unit, project and the three levels (exact text
first, then `match_key`, so spaces, width and punctuation do not matter); an unmatched row is
an error. 表13 columns present in the file are checked against the stored targets.

What a row gives: the values of its filled cells. A blank cell leaves the saved value alone
unless `clear_blanks`. A fill-in template (performance.excel.report) carries the period it was
made for and each record's version, so a copy filled while someone else changed the same
records is merged field by field, and a clash refuses the file naming the row, the column and
who changed what. A file without versions may fill empty values and change the importer's own;
changing a value someone else saved needs `overwrite`. A locked period, or a project that is
submitted or approved, refuses its rows. The write locks the project records before it
compares, writes history rows (channel and reason “Excel 导入：<file>”) and refreshes the
stored scores and lights; a dry run does all of it but the writing.

Memory follows a part, not the file: the rows stream from the sheet READ_BATCH at a time (the
indicators of the units they name read as they come), and the values go to the write path in
parts of whole projects, about WRITE_PART indicators each, one after the other in the one
transaction (services.values_bulk.write_in_parts). Every problem of every row, and every
refusal or clash of every part, is still reported at once, and nothing is written unless all
of it can be.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction

from budget.models import Unit
from performance.services.merge import UNVERSIONED, EditConflict
from performance.services.period_lock import open_for_any
from performance.services.upsert import chunks
from performance.services.values import RecordChange, ValueWrite, WriteRefused, WriteResult
from performance.services.values_bulk import write_in_parts
from performance.workflow import Channel

from .actuals_rows import RECORD_COLUMNS, Matcher, RowReader
from .errors import BadFile, ExcelImportError, Problem
from .layouts import ACTUALS
from .reader import Limits, gc_paused, read_table

PROJECT_COLUMNS = {"spent": "预算执行数", "spent_reason": "执行率偏低原因"}
FIELD_COLUMNS = {f: column for column, names in RECORD_COLUMNS.items() for f in names}
READ_BATCH = 5000  # rows matched at a time (their units' indicators read first)
# Indicators a write part holds (whole projects): its saved records, merges and statements are
# all that is in memory at once; a part costs about ten queries.
WRITE_PART = 10_000


@dataclass
class ActualsResult:
    rows: int = 0
    records_created: int = 0
    records_updated: int = 0
    records_unchanged: int = 0
    projects_created: int = 0
    projects_updated: int = 0
    projects_unchanged: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.records_created or self.records_updated or self.projects_created
                    or self.projects_updated)

    def summary(self) -> str:
        text = (f"读取 {self.rows} 行：新增指标填报 {self.records_created} 条，更新 "
                f"{self.records_updated} 条，未变 {self.records_unchanged} 条；项目预算执行数新增 "
                f"{self.projects_created} 个，更新 {self.projects_updated} 个，未变 "
                f"{self.projects_unchanged} 个")
        return text + ("（试运行，未写入）" if self.dry_run else "")


def import_actuals(file, period, *, units: Iterable | None = None, dry_run: bool = False,
                   filename: str | None = None, sheet: str | None = None, user=None,
                   limits: Limits | None = None,
                   progress: Callable[[int], None] | None = None,
                   channel: str = Channel.COMMAND, clear_blanks: bool = False,
                   overwrite: bool = False) -> ActualsResult:
    """Import `file` into `period` as `user` by `channel`. `units` (Unit objects, ids or codes)
    restricts the rows to those units (the web upload passes the user's own). Raises BadFile
    (one message) or ExcelImportError (every problem); nothing is written then, nor on a dry
    run."""
    report = progress or (lambda percent: None)
    if not open_for_any(period, None if units is None else _unit_ids(units)):
        raise BadFile(f"填报期间“{period.code} {period.name}”已锁定，不能导入", filename or "")
    table = read_table(file, ACTUALS, filename=filename, sheet=sheet, limits=limits,
                       stream=True)
    report(30)
    allowed = _unit_ids(units)
    reader = RowReader(table, Matcher.for_year(period.year, table), allowed)
    # Streamed: READ_BATCH rows at a time, the indicators of the units they name read first;
    # a row object goes once read, so the peak is never every row plus every record.
    with gc_paused():
        for batch in chunks(table.rows, READ_BATCH):
            reader.add_units(batch)
            for row in batch:
                _check_period(reader, row, period)
                reader.read(row)
            del batch
    reader.matcher = None  # its lookup maps are not needed by the write
    report(50)
    if reader.problems:
        raise ExcelImportError(reader.problems, table.filename)
    if not reader.records:
        raise ExcelImportError([Problem(table.header_row, "三级指标", "表头下没有任何指标行")],
                               table.filename)
    rows_read = len(reader.records)
    writes = _writes(reader, period, user, channel, clear_blanks, overwrite,
                     filename or table.filename or _name(file))
    report(60)
    # the collector paused as for the rows (reader.gc_paused): the write's objects live to
    # its end, and a full collection would walk every record read so far (about 1 s of 8)
    with transaction.atomic(), gc_paused():
        try:
            written = write_in_parts(writes, reader.targets, dry_run=dry_run)
        except WriteRefused as exc:
            raise ExcelImportError(_refusals(reader, exc), table.filename) from exc
        except EditConflict as exc:
            raise ExcelImportError(_conflicts(reader, exc), table.filename) from exc
        if dry_run:
            transaction.set_rollback(True)  # the records created to lock go too
    report(100)
    return _result(rows_read, written, dry_run)


def _check_period(reader: RowReader, row, period) -> None:
    code = row.get("填报期间代码") if reader.has["填报期间代码"] else None
    if code is not None and str(code).strip() != period.code:
        reader.problem(row, "填报期间代码", f"这是期间“{code}”的填报模板，不能导入到“{period.code}”")


def _writes(reader: RowReader, period, user, channel, clear_blanks, overwrite,
            name) -> Iterator[ValueWrite]:
    """The file's values as ValueWrites of whole projects, WRITE_PART indicators or so each,
    in project order (values_bulk.write_in_parts); each record's values leave the reader as
    they go into a write."""
    by_project: dict[int, list[int]] = {}
    for indicator_id, (project_id, _) in reader.records.items():
        by_project.setdefault(project_id, []).append(indicator_id)
    versioned = reader.has["指标记录版本"]
    project_versioned = reader.has["项目记录版本"]
    reason = f"Excel 导入：{name}"[:100]
    indicators, projects = {}, {}
    for project_id in sorted(by_project.keys() | reader.projects.keys()):
        for indicator_id in by_project.get(project_id, ()):
            _, values = reader.records.pop(indicator_id)
            given = {f: v for f, v in values.items() if clear_blanks or not _blank(v)}
            version = reader.versions.get(indicator_id) if versioned else UNVERSIONED
            indicators[indicator_id] = RecordChange(given, version, reader.rows_of[indicator_id])
        values = reader.projects.get(project_id, {})
        given = {f: v for f, v in values.items()
                 if f in PROJECT_COLUMNS and (clear_blanks or not _blank(v))}
        if given:
            version = (reader.project_versions.get(project_id) if project_versioned
                       else UNVERSIONED)
            projects[project_id] = RecordChange(given, version, reader.first_rows[project_id])
        if len(indicators) >= WRITE_PART:
            yield ValueWrite(period=period, actor=user, channel=channel, indicators=indicators,
                             projects=projects, reason=reason, overwrite=overwrite)
            indicators, projects = {}, {}
    if indicators or projects:
        yield ValueWrite(period=period, actor=user, channel=channel, indicators=indicators,
                         projects=projects, reason=reason, overwrite=overwrite)


def _refusals(reader: RowReader, exc: WriteRefused) -> list[Problem]:
    return [Problem(reader.first_rows.get(r.project_id), "项目名称", r.named())
            for r in exc.refusals]


def _conflicts(reader: RowReader, exc: EditConflict) -> list[Problem]:
    problems = []
    for conflict in exc.conflicts:
        first = conflict.clashes[0].field if conflict.clashes else ""
        column = PROJECT_COLUMNS.get(first) or FIELD_COLUMNS.get(first, "三级指标")
        row = conflict.source
        if row is None and conflict.project_id is not None:
            row = reader.first_rows.get(conflict.project_id)
        problems.append(Problem(row, column, conflict.message()))
    return problems


def _result(rows: int, written: WriteResult, dry_run: bool) -> ActualsResult:
    return ActualsResult(
        rows=rows, records_created=written.indicators_created,
        records_updated=written.indicators_updated,
        records_unchanged=written.indicators_unchanged,
        projects_created=written.projects_created, projects_updated=written.projects_updated,
        projects_unchanged=written.projects_unchanged, dry_run=dry_run)


def _unit_ids(units) -> set[int] | None:
    if units is None:
        return None
    ids, codes = set(), set()
    for unit in units:
        if isinstance(unit, Unit):
            ids.add(unit.id)
        elif isinstance(unit, int):
            ids.add(unit)
        else:
            codes.add(str(unit))
    if codes:
        ids |= set(Unit.objects.filter(code__in=codes).values_list("id", flat=True))
    return ids


def _name(file) -> str:
    name = getattr(file, "name", file if isinstance(file, str | os.PathLike) else "")
    return os.path.basename(str(name or "")) or "文件"


def _blank(value) -> bool:
    # by type first: `==` of a Decimal with a str or list goes through slow conversions
    return value is None or (type(value) in (str, list, tuple) and not value)
