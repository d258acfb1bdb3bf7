"""The parser's projects and indicators as TargetRows, the rows the one writer takes.

Pure module: no Django import. Two conversions:

* `to_target_rows` gives a TargetRow for every indicator the document printed completely, and
  a RowProblem for every other one (and for values that do not fit their column). Nothing is
  filled in: an indicator the parser already reported with an error is left out silently here
  (its finding says why), any other incomplete one gets its own problem.
* `draft_rows` gives every indicator as printed, with None where the document lost a cell:
  the rows of a 表13 workbook that a person checks and completes (performance.excel.export).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from performance.document.model import ERROR, ParsedIndicator, ParsedProject, ParseResult
from performance.domain import Operator, TargetRow
from performance.excel.values import decimal_in

__all__ = ["RowProblem", "draft_rows", "to_target_rows"]

# The columns' sizes (budget.models.Project, performance.models.Indicator and its levels).
PROJECT_NAME_MAX = 200
UNIT_NAME_MAX = 100
UNIT_CODE_MAX = 20
LEVEL_MAX = 30
NAME_MAX = 100
MEASURE_MAX = 30
NUMBERS = {  # column → (decimal places, max digits), as the DecimalFields
    "预算数": (2, 14),
    "指标值": (4, 18),
    "权重": (2, 6),
}

LevelNames = Callable[[str, str], tuple[str, str]]


@dataclass(frozen=True)
class RowProblem:
    """An indicator that cannot become a TargetRow: its document line, the column, why."""

    line: int
    column: str
    message: str


def to_target_rows(
    result: ParseResult, *, level_names: LevelNames | None = None
) -> tuple[list[TargetRow], list[RowProblem]]:
    """The completely printed indicators as TargetRows; a RowProblem for each other one.

    `level_names(level1, level2)` gives the stored spelling of the level names (the Django
    side passes performance.excel.values.LevelNames.names); by default they stay as read.
    A missing value on a line the parser already reported as an error is not repeated.
    """
    reported = {f.line for f in result.findings if f.severity == ERROR}
    rows: list[TargetRow] = []
    problems: list[RowProblem] = []
    for project in result.projects:
        head = _Checks(project.source_line)
        budget = head.project(project)
        problems += head.result(reported)
        for indicator in project.indicators:
            checks = _Checks(indicator.source_line)
            row = checks.indicator(project, budget, indicator, level_names)
            problems += checks.result(reported)
            if row is not None and not head.failed:
                rows.append(row)
    return rows, problems


def draft_rows(result: ParseResult) -> list[TargetRow]:
    """Every indicator as printed, None where the document lost a cell (not valid TargetRows:
    a draft for a person to complete, never for the writer)."""
    drafts = []
    for p in result.projects:
        for i in p.indicators:
            qualitative = i.operator is Operator.QUALITATIVE
            unit = i.unit if i.unit is not None else ("" if qualitative else None)
            drafts.append(TargetRow(
                unit_code=p.unit_code or "", unit_name=p.unit_name, project_name=p.name,
                budget=p.budget, goal=p.goal, level1=i.level1, level2=i.level2, name=i.name,
                operator=i.operator, target_value=None if qualitative else i.target_value,
                target_grade=i.target_grade if qualitative else None, unit=unit,
                weight=i.weight, direction=i.direction, source_row=i.source_line,
            ))
    return drafts


class _Checks:
    """The problems of one document line: values it lacks, values that do not fit."""

    def __init__(self, line: int):
        self.line = line
        self.missing: list[RowProblem] = []
        self.limits: list[RowProblem] = []

    @property
    def failed(self) -> bool:
        return bool(self.missing or self.limits)

    def result(self, reported: set[int]) -> list[RowProblem]:
        return ([] if self.line in reported else self.missing) + self.limits

    def lack(self, column: str, message: str | None = None) -> None:
        self.missing.append(RowProblem(self.line, column,
                                       message or f"文件中没有{column}，未作推断"))

    def number(self, column: str, value: Decimal | None) -> Decimal | None:
        if value is None:
            return None
        places, digits = NUMBERS[column]
        try:
            return decimal_in(value, places=places, max_digits=digits)
        except ValueError as exc:
            self.limits.append(RowProblem(self.line, column, f"{column}{exc}"))
            return None

    def fits(self, column: str, text: str, size: int) -> None:
        if len(text) > size:
            self.limits.append(RowProblem(self.line, column,
                                          f"{column}超过 {size} 个字：“{text[:20]}…”"))

    def project(self, p: ParsedProject) -> Decimal | None:
        if not p.unit_code:
            self.lack("单位名称", "单位名称应写成“单位代码-单位名称”，文件中没有单位代码")
        self.fits("单位代码", p.unit_code or "", UNIT_CODE_MAX)
        self.fits("单位名称", p.unit_name, UNIT_NAME_MAX)
        if not p.name:
            self.lack("项目名称")
        self.fits("项目名称", p.name, PROJECT_NAME_MAX)
        if p.budget is None:
            self.lack("预算数")
        elif p.budget < 0:
            self.limits.append(RowProblem(self.line, "预算数", "预算数不能为负数"))
        return self.number("预算数", p.budget)

    def indicator(self, p: ParsedProject, budget: Decimal | None, i: ParsedIndicator,
                  level_names: LevelNames | None) -> TargetRow | None:
        level1, level2 = level_names(i.level1, i.level2) if level_names else (i.level1, i.level2)
        for column, text in (("一级指标", level1), ("二级指标", level2)):
            if not text:
                self.lack(column)
            self.fits(column, text, LEVEL_MAX)
        if not i.name:
            self.lack("三级指标")
        self.fits("三级指标", i.name, NAME_MAX)
        if i.operator is None:
            self.lack("指标性质")
        qualitative = i.operator is Operator.QUALITATIVE
        printed = f"，而不是“{i.target_text}”" if i.target_text else ""
        if qualitative and i.target_grade is None:
            self.lack("指标值", "定性指标的指标值应为优/良/中/差" + printed)
        if i.operator is not None and not qualitative and i.target_value is None:
            self.lack("指标值", "定量指标的指标值应为数字" + printed)
        target = None if qualitative else self.number("指标值", i.target_value)
        unit = i.unit if i.unit is not None else ("" if qualitative else None)
        if unit is None and i.operator is not None:
            self.lack("度量单位")
        self.fits("度量单位", unit or "", MEASURE_MAX)
        if i.weight is None:
            self.lack("权重")
        elif i.weight <= 0:
            self.limits.append(RowProblem(self.line, "权重", "权重必须大于 0"))
        weight = self.number("权重", i.weight)
        if i.direction is None:
            self.lack("指标方向性")
        if self.failed or budget is None:
            return None
        return TargetRow(
            unit_code=p.unit_code, unit_name=p.unit_name, project_name=p.name, budget=budget,
            goal=p.goal, level1=level1, level2=level2, name=i.name, operator=i.operator,
            target_value=target, target_grade=i.target_grade if qualitative else None,
            unit=unit or "", weight=weight, direction=i.direction, source_row=self.line,
        )
