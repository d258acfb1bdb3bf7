"""表13 in its published layout: 表号 and title rows, 金额单位, the header, and the project
columns (单位名称, 项目名称, 预算数, 年度目标) merged over each project's rows, as units publish it
and as `import_targets` reads it back.

Targets change during the year (docs/adjustments.md): 表13 is written either 调整后 (the
version in force now: the Indicator rows, with the 调整后预算数 where there is one) or 年初 (as
approved at the start of the year: version 1 of the projects that have versions, the Indicator
rows of the others; projects added mid-year were not in it)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from itertools import groupby

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from openpyxl import Workbook

from performance.chain import VersionStatus
from performance.domain import Operator, TargetRow
from performance.models import Indicator, IndicatorTarget, TargetVersion, VersionKind

from .layouts import TABLE13_HEADERS
from .sheets import CENTER, FONT, INPUT_FILL, WRAP, SheetWriter, new_workbook, number

WIDTHS = [24, 28, 10, 40, 11, 14, 30, 8, 10, 10, 8, 11]
PROJECT_COLUMNS = 4  # 单位名称, 项目名称, 预算数, 年度目标
CHUNK = 5000
ADJUSTED, INITIAL = "adjusted", "initial"
WHICH = {ADJUSTED: "调整后", INITIAL: "年初"}
_TARGET_COLUMNS = ("level1__name", "level2__name", "name", "operator", "target_value",
                   "target_grade", "unit", "weight", "direction")


def targets_workbook(year: int, unit_code: str | None = None, which: str = ADJUSTED) -> Workbook:
    """Every indicator of `year` (of one unit, if given), one sheet 表13: the targets in force
    now (`which` "adjusted") or as approved at the start of the year ("initial")."""
    if which not in WHICH:
        raise ValueError(f"which: {which!r} (adjusted or initial)")
    rows = _initial_rows(year, unit_code) if which == INITIAL else _adjusted_rows(year, unit_code)
    workbook, sheet = _table13_sheet(year)
    for _, project_rows in groupby(rows, key=lambda r: r[0]):
        first_row = None
        for index, row in enumerate(project_rows):
            (_, code, unit_name, project, budget, goal, level1, level2, name, operator, target,
             grade, measure, weight, direction) = row
            head = [f"{code}-{unit_name}", project, number(budget), goal or ""] if index == 0 \
                else [None] * PROJECT_COLUMNS
            target_value = grade if operator == Operator.QUALITATIVE else number(target)
            current = _append_row(sheet, head, [level1, level2, name, operator, target_value,
                                                measure, number(weight), direction])
            first_row = first_row or current
        for column in range(1, PROJECT_COLUMNS + 1):
            sheet.merge(first_row, current, column)
    return workbook


def _adjusted_rows(year, unit_code):
    """The Indicator rows (the version in force), 预算数 the 调整后预算数 where there is one."""
    indicators = (
        Indicator.objects.filter(project__year=year)
        .order_by("project__unit__code", "project_id", "position", "id")
        .values_list("project_id", "project__unit__code", "project__unit__name", "project__name",
                     Coalesce("project__adjusted_amount", "project__budget_amount"),
                     "project__goal__text", *_TARGET_COLUMNS)
    )
    if unit_code:
        indicators = indicators.filter(project__unit__code=unit_code)
    return indicators.iterator(chunk_size=CHUNK)


def _initial_rows(year, unit_code):
    """Version 1 (年初批复) of the projects that have versions, merged in order with the
    Indicator rows of the projects that never had one (still their 年初 targets)."""
    first = TargetVersion.objects.filter(project=OuterRef("project_id"), number=1)
    never = (Indicator.objects.filter(project__year=year).filter(~Exists(first))
             .order_by("project__unit__code", "project_id", "position", "id")
             .values_list("project_id", "project__unit__code", "project__unit__name",
                          "project__name", "project__budget_amount", "project__goal__text",
                          *_TARGET_COLUMNS))
    versioned = (IndicatorTarget.objects
                 .filter(version__project__year=year, version__number=1,
                         version__kind=VersionKind.INITIAL,
                         version__status=VersionStatus.APPROVED)
                 .order_by("version__project__unit__code", "version__project_id", "position", "id")
                 .values_list("version__project_id", "version__project__unit__code",
                              "version__project__unit__name", "version__project__name",
                              "version__budget_amount", "version__goal", *_TARGET_COLUMNS))
    if unit_code:
        never = never.filter(project__unit__code=unit_code)
        versioned = versioned.filter(version__project__unit__code=unit_code)
    # each project is in one stream only, so merging on (unit, project) keeps its rows in order
    return heapq.merge(never.iterator(chunk_size=CHUNK), versioned.iterator(chunk_size=CHUNK),
                       key=lambda r: (r[1], r[0]))


def target_rows_workbook(rows: Iterable[TargetRow], year: int, *,
                         mark_missing: bool = False) -> Workbook:
    """表13 of these rows (consecutive rows of one unit and project make one project), in the
    layout of `targets_workbook`. With `mark_missing`, rows may hold None where a value is
    unknown (the drafts of performance.document.rows): such cells stay empty, filled yellow."""
    workbook, sheet = _table13_sheet(year)
    for _, project_rows in groupby(rows, key=lambda r: (r.unit_code, r.project_name)):
        first_row = None
        for index, r in enumerate(project_rows):
            unit = f"{r.unit_code}-{r.unit_name}" if r.unit_code else r.unit_name
            head = [unit, r.project_name, number(r.budget), r.goal] if index == 0 \
                else [None] * PROJECT_COLUMNS
            qualitative = r.operator == Operator.QUALITATIVE
            target = (r.target_grade.value if r.target_grade else None) if qualitative \
                else number(r.target_value)
            current = _append_row(
                sheet, head,
                [r.level1, r.level2, r.name, _text(r.operator), target, r.unit,
                 number(r.weight), _text(r.direction)],
                missing=mark_missing and index == 0, missing_body=mark_missing)
            first_row = first_row or current
        for column in range(1, PROJECT_COLUMNS + 1):
            sheet.merge(first_row, current, column)
    return workbook


def _table13_sheet(year: int) -> tuple[Workbook, SheetWriter]:
    workbook = new_workbook()
    sheet = SheetWriter(workbook, "表13", WIDTHS)
    sheet.title("表 13", font=FONT, merge=False)
    sheet.title(f"部门预算项目绩效目标表（{year} 年度）")
    sheet.note("金额单位：万元")
    sheet.header(TABLE13_HEADERS)
    return workbook, sheet


def _append_row(sheet: SheetWriter, head: list, body: list, *, missing: bool = False,
                missing_body: bool = False) -> int:
    """One indicator row: the 4 project cells (None below a project's first row), then 8."""
    cells = [sheet.cell(v, fmt="0.00" if i == 2 and v is not None else None,
                        align=CENTER if i == 2 else WRAP,
                        fill=INPUT_FILL if missing and v is None else None)
             for i, v in enumerate(head)]
    cells += [sheet.cell(v, fill=INPUT_FILL if missing_body and v is None else None)
              for v in body]
    return sheet.append(cells)


def _text(value) -> str | None:
    return None if value is None else str(getattr(value, "value", value))
