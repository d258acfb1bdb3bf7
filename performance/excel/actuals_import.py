"""Import the values of a 自评表 or 监控表 into one reporting period, all or nothing.

Each row is matched to a stored indicator by unit, project and the three levels (exact text
first, then `match_key`, so spaces, width and punctuation do not matter); an unmatched row is
an error. 表13 columns present in the file are checked against the stored targets. Records
are written with upserts (INSERT … ON CONFLICT DO UPDATE) in batches: the number of queries
does not grow with the rows of a batch. A row equal to its record changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from budget.models import Unit
from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus
from performance.services.snapshot import refresh_snapshots
from performance.services.upsert import upsert

from .actuals_rows import RECORD_COLUMNS, Matcher, RowReader
from .errors import BadFile, ExcelImportError, Problem
from .layouts import ACTUALS
from .reader import Limits, read_table

UNIT_CHUNK = 500
LOCKED_STATUSES = (WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED)


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
                   progress: Callable[[int], None] | None = None) -> ActualsResult:
    """Import `file` into `period`. `units` (Unit objects, ids or codes) restricts the rows to
    those units (the web upload passes the user's own). Raises BadFile (one message) or
    ExcelImportError (every problem); nothing is written then, nor on a dry run."""
    report = progress or (lambda percent: None)
    if period.is_locked:
        raise BadFile(f"填报期间“{period.code} {period.name}”已锁定，不能导入", filename or "")
    table = read_table(file, ACTUALS, filename=filename, sheet=sheet, limits=limits)
    report(30)
    allowed = _unit_ids(units)
    matcher = Matcher.load(period.year, allowed, table)
    reader = RowReader(table, matcher, allowed)
    for row in table.rows:
        reader.read(row)
    report(50)
    if reader.problems:
        raise ExcelImportError(reader.problems, table.filename)
    if not reader.records:
        raise ExcelImportError([Problem(table.header_row, "三级指标", "表头下没有任何指标行")],
                               table.filename)
    result = ActualsResult(rows=len(reader.records), dry_run=dry_run)
    fields = [f for column, names in RECORD_COLUMNS.items() if table.has(column) for f in names]
    if table.has("偏差原因") and "explanation" not in fields:
        fields.append("explanation")
    project_fields = [f for column, f in (("预算执行数", "spent"), ("执行率偏低原因", "spent_reason"))
                      if table.has(column)]
    stamp = {"period_id": period.pk, "updated_at": timezone.now(),
             "updated_by_id": getattr(user, "pk", None)}
    records, touched = _diff_records(period, reader, fields, result, stamp)
    projects, status = _diff_projects(period, reader, project_fields, result, touched, stamp)
    _refuse_locked_projects(reader, touched, status)
    report(70)
    if not dry_run:
        with transaction.atomic():
            _upsert(IndicatorRecord, records, ["indicator", "period"], fields)
            _upsert(ProjectRecord, projects, ["project", "period"], project_fields)
            # Lists and dashboards read the stored scores and lights: bring them up to date in
            # the same transaction, whoever imported (command, admin or the unit's upload).
            if touched:
                refresh_snapshots(period, sorted(touched))
    report(100)
    return result


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


def _existing(model, key: str, period, ids: list[int], fields: list[str]) -> dict[int, tuple]:
    found = {}
    for start in range(0, len(ids), UNIT_CHUNK):
        chunk = ids[start:start + UNIT_CHUNK]
        lookup = {"period": period, f"{key}__unit_id__in" if key == "project" else
                  "indicator__project__unit_id__in": chunk}
        for values in model.objects.filter(**lookup).values_list(
                f"{key}_id", "version", "status" if key == "project" else "id", *fields):
            found[values[0]] = values[1:]
    return found


def _diff_records(period, reader: RowReader, fields: list[str], result: ActualsResult, stamp):
    existing = _existing(IndicatorRecord, "indicator", period, sorted(reader.unit_ids), fields)
    records, touched = [], set()
    for indicator_id, (project_id, values) in reader.records.items():
        old = existing.get(indicator_id)
        new = tuple(values.get(f, _DEFAULTS[f]) for f in fields)
        if (old is not None and old[2:] == new) or (old is None and _blank(new)):
            result.records_unchanged += 1
            continue
        touched.add(project_id)
        if old is None:
            result.records_created += 1
        else:
            result.records_updated += 1
        records.append({"indicator_id": indicator_id, **stamp,
                        "version": 0 if old is None else old[0] + 1,
                        **dict(zip(fields, new, strict=True))})
    return records, touched


def _diff_projects(period, reader: RowReader, fields: list[str], result: ActualsResult, touched,
                   stamp):
    """The project records to write, and the workflow status of every existing one."""
    existing = _existing(ProjectRecord, "project", period, sorted(reader.unit_ids), fields)
    status = {project_id: old[1] for project_id, old in existing.items()}
    records = []
    if not fields:
        return records, status
    for project_id, values in reader.projects.items():
        old = existing.get(project_id)
        new = tuple(values.get(f, _DEFAULTS[f]) for f in fields)
        if old is not None and old[2:] == new:
            result.projects_unchanged += 1
            continue
        if old is None and _blank(new):
            continue  # nothing entered for a project that has no record yet
        touched.add(project_id)
        if old is None:
            result.projects_created += 1
        else:
            result.projects_updated += 1
        records.append({"project_id": project_id, **stamp,
                        "version": 0 if old is None else old[0] + 1,
                        **dict(zip(fields, new, strict=True))})
    return records, status


def _refuse_locked_projects(reader: RowReader, touched: set[int], status: dict) -> None:
    problems = [
        Problem(reader.first_rows[pid], "项目名称",
                f"项目“{reader.project_names[pid]}”本期已{WorkflowStatus(status[pid]).label}，"
                "不能再导入修改（请先由审核人退回）")
        for pid in sorted(touched, key=lambda p: reader.first_rows[p])
        if status.get(pid) in LOCKED_STATUSES
    ]
    if problems:
        raise ExcelImportError(problems, reader.table.filename)


def _upsert(model, rows: list[dict], unique: list[str], fields: list[str]) -> None:
    upsert(model, rows, unique=unique, update=[*fields, "version", "updated_at", "updated_by"])


def _blank(values: tuple) -> bool:
    return all(v in (None, "", []) for v in values)


_DEFAULTS = {
    "actual_value": None, "actual_grade": "", "expected_value": None, "expected_grade": "",
    "likelihood": "", "deviation_reasons": [], "corrective_measures": "", "explanation": "",
    "spent": None, "spent_reason": "",
}
