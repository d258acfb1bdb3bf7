"""Import 表13 targets from a spreadsheet: read, normalize every cell, review, then write
through services.targets.apply_targets (the one writer of 表13 rows), all or nothing. Projects
whose targets are in use get an adjustment proposal instead (docs/adjustments.md)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from budget.models import Project, Unit
from performance.domain import Operator, TargetRow
from performance.lengths import max_length, too_long
from performance.normalize import (
    clean_name,
    clean_unit,
    frozen,
    match_key,
    normalize_direction,
    normalize_operator,
    parse_target,
)
from performance.services.carry_over import LinkReport, link_previous_year, preview_links
from performance.services.targets import Problem, TargetsError, TargetsResult, apply_targets
from performance.workflow import Channel

from .errors import ExcelImportError, ProblemLog
from .layouts import TARGETS
from .reader import Limits, Row, Table, gc_paused, read_table
from .values import LevelNames, code_text, decimal_in, split_unit

NAME_MAX = 100
MEASURE_MAX = 30


@dataclass
class TargetsImport:
    """What an import did (or, dry-run, would do), with the review's findings."""

    result: TargetsResult
    rows: int
    sheet: str
    findings: list = field(default_factory=list)  # performance.review findings, if available
    missing_projects: list[str] = field(default_factory=list)
    link: LinkReport | None = None  # last year's projects continued (services.carry_over)

    def summary(self) -> str:
        text = f"读取 {self.rows} 行指标。" + self.result.summary()
        if self.missing_projects:
            text += f"；数据库中有、文件中没有的项目 {len(self.missing_projects)} 个（未删除）"
        if self.link is not None:
            text += f"；{self.link.summary()}"
        return text

    def link_notes(self) -> list[str]:
        return self.link.notes() if self.link is not None else []


def read_targets(source, *, filename: str | None = None, sheet: str | None = None,
                 limits: Limits | None = None) -> tuple[Table, list[TargetRow], ProblemLog]:
    """The file's rows as TargetRows, and every problem found in its cells."""
    # Streamed: each Row is converted as it is read and dropped, so the file's cells and its
    # TargetRows are never all held at once (the Rows of 100,000 lines weigh ~100 MB).
    table = read_table(source, TARGETS, filename=filename, sheet=sheet, limits=limits,
                       stream=True)
    converter = _Converter(table, LevelNames.load(), _units_by_name())
    convert = converter.convert
    rows = [target_row for row in table.rows if (target_row := convert(row)) is not None]
    table.rows = []  # consumed
    return table, rows, converter.problems


def import_targets(source, year: int, *, dry_run: bool = False, replace: bool = False,
                   filename: str | None = None, sheet: str | None = None,
                   limits: Limits | None = None, user=None,
                   channel: str = Channel.COMMAND,
                   progress: Callable[[int], None] | None = None) -> TargetsImport:
    """Validate the whole file, then write it in one transaction; raise ExcelImportError
    (every problem, nothing written) or BadFile (one message). `user` and `channel` make the
    adjustment proposals of projects in use (no user: the administrator, by the channel).
    `progress` is told the percent done at each stage (a job's heartbeat)."""
    with gc_paused():
        return _import_targets(source, year, dry_run=dry_run, replace=replace,
                               filename=filename, sheet=sheet, limits=limits, user=user,
                               channel=channel, progress=progress)


def _import_targets(source, year: int, *, dry_run, replace, filename, sheet, limits, user,
                    channel, progress) -> TargetsImport:
    report = progress or (lambda percent: None)
    table, rows, problems = read_targets(source, filename=filename, sheet=sheet, limits=limits)
    report(30)
    if problems:
        problems += writer_problems(year, rows)
        raise ExcelImportError(problems, table.filename)
    if not rows:
        raise ExcelImportError([Problem(table.header_row, "三级指标", "表头下没有任何指标行")],
                               table.filename)
    findings, blocked = review_rows(rows, year)
    report(50)
    if blocked:
        raise ExcelImportError(
            [Problem(f.source_row, "目标审核", f.message) for f in findings
             if str(getattr(f.severity, "value", "")) == "error"], table.filename)
    try:
        result = apply_targets(year, rows, replace=replace, dry_run=dry_run, user=user,
                               channel=channel, source_name=table.filename)
    except TargetsError as exc:
        raise ExcelImportError(exc.problems, table.filename) from exc
    report(90)
    return TargetsImport(result=result, rows=len(rows), sheet=table.sheet, findings=findings,
                         missing_projects=missing_projects(year, rows),
                         link=carry_over(year, rows, dry_run=dry_run))


def carry_over(year: int, rows: list[TargetRow], *, dry_run: bool) -> LinkReport:
    """Link the file's projects to last year's of the same name in their unit (a dry run:
    what would be linked)."""
    names = {(row.unit_code, row.project_name) for row in rows}
    if dry_run:
        return preview_links(year, names)
    unit_ids = Unit.objects.filter(code__in={code for code, _ in names}).values_list("id",
                                                                                  flat=True)
    return link_previous_year(year, list(unit_ids))


class _Converter:
    """One row of cells → a TargetRow, collecting every problem on the way."""

    def __init__(self, table: Table, levels: LevelNames, units_by_name: dict[str, str]):
        self.has_code = table.has("单位代码")
        self.levels = levels
        self.units_by_name = units_by_name
        self.problems = ProblemLog()  # the first IMPORT_MAX_ERRORS kept, all counted
        self._memo: dict[tuple, object] = {}
        self._bodies: dict[tuple, tuple] = {}
        self._heads: dict[tuple, tuple] = {}
        self.lengths = [(column, model, field_name, max_length(model, field_name))
                        for column, model, field_name in (("单位代码", Unit, "code"),
                                                          ("单位名称", Unit, "name"),
                                                          ("项目名称", Project, "name"))]

    def memo(self, kind: str, raw, compute):
        """Values repeat (a project's columns on each row, a few operators): read each once."""
        key = (kind, raw)
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value
        except TypeError:  # unhashable (never for cell values)
            return compute()

    def problem(self, row: Row, column: str, message: str) -> None:
        self.problems.append(Problem(row.number, column, message))

    def convert(self, row: Row) -> TargetRow | None:
        before = len(self.problems)
        get = row.values.get
        # A project's columns (filled down) repeat on each of its rows, and the rest of a row
        # (target, weight, direction) across the file: each distinct combination is converted
        # once, its problems replayed with this row's number, in the order a row reports them.
        head = (get("单位名称"), get("单位代码") if self.has_code else None, get("项目名称"),
                get("预算数"), get("年度目标"))
        (unit_code, unit_name, project, budget, goal), messages = self.cached(
            self._heads, head, self.head)
        for column, message in messages:
            self.problem(row, column, message)
        levels = (get("一级指标"), get("二级指标"))
        level1, level2 = self.memo("levels", levels, lambda: self.levels.names(*levels))
        for column, value in (("一级指标", level1), ("二级指标", level2)):
            if not value:
                self.problem(row, column, f"{column}为空")
        name = clean_name(get("三级指标"))
        if not name:
            self.problem(row, "三级指标", "三级指标为空")
        elif len(name) > NAME_MAX:
            self.problem(row, "三级指标", f"三级指标超过 {NAME_MAX} 个字")
        body = (get("指标性质"), get("指标值"), get("度量单位"), get("权重"), get("指标方向性"))
        parsed, messages = self.cached(self._bodies, body, self.body)
        for column, message in messages:
            self.problem(row, column, message)
        if len(self.problems) > before:
            return None
        operator, value, grade, measure, weight, direction = parsed
        return frozen(TargetRow, {
            "unit_code": unit_code, "unit_name": unit_name, "project_name": project,
            "budget": budget, "goal": goal, "level1": level1, "level2": level2, "name": name,
            "operator": operator, "target_value": value, "target_grade": grade,
            "unit": measure, "weight": weight, "direction": direction,
            "source_row": row.number,
        })

    @staticmethod
    def cached(memo: dict, key: tuple, compute):
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = compute(*key)
            return value
        except TypeError:  # unhashable (never for cell values)
            return compute(*key)

    def head(self, raw_unit, raw_code, raw_project, raw_budget, raw_goal):
        """A project's columns → (unit code, unit name, project, budget, goal) and their
        (column, message) problems."""
        messages: list[tuple[str, str]] = []
        unit_code, unit_name = self.unit(raw_unit, raw_code, messages)
        project = clean_name(raw_project)
        if not project:
            messages.append(("项目名称", "项目名称为空"))
        for (column, model, field_name, limit), text in zip(
                self.lengths, (unit_code, unit_name, project), strict=True):
            # lengths before writing; too_long (its message) only for a text over the limit
            if (limit is not None and text is not None and len(str(text)) > limit
                    and (too_long_message := too_long(model, field_name, text)) is not None):
                messages.append((column, too_long_message))
        budget = self.parse_number(raw_budget, "预算数", 2, 14, True, messages)
        if budget is not None and budget < 0:
            messages.append(("预算数", "预算数不能为负数"))
        goal = str(raw_goal or "").strip()
        return (unit_code, unit_name, project, budget, goal), messages

    def body(self, raw_operator, raw_value, raw_measure, raw_weight, raw_direction):
        """The target, weight and direction cells → their values and the (column, message)
        problems they have, in the order a row reports them."""
        messages: list[tuple[str, str]] = []
        operator, value, grade, measure = self.target(raw_operator, raw_value, raw_measure,
                                                      messages)
        weight = self.parse_number(raw_weight, "权重", 2, 6, True, messages)
        direction = normalize_direction(raw_direction)
        if direction is None:
            messages.append(("指标方向性", f"无法识别“{raw_direction}”（应为正向指标或反向指标）"
                             if raw_direction is not None else "指标方向性为空"))
        return (operator, value, grade, measure, weight, direction), messages

    def unit(self, text, code, messages: list) -> tuple[str, str]:
        if code is not None:
            split = split_unit(text)
            return code_text(code), split[1] if split else clean_name(text)
        split = split_unit(text)
        if split is not None:
            return split
        known = self.units_by_name.get(match_key(text))
        if known is not None:
            return known, clean_name(text)
        messages.append(("单位名称",
                         f"“{clean_name(text)}”应写成“单位代码-单位名称”，如 342601-广元市社会保险事务中心"
                         if text else "单位名称为空"))
        return "", ""

    def parse_number(self, value, column: str, places: int, digits: int, required: bool,
                     messages: list):
        if value is None:
            if required:
                messages.append((column, f"{column}为空"))
            return None
        try:
            return self.memo(("number", places, digits), value,
                             lambda: decimal_in(value, places=places, max_digits=digits))
        except ValueError as exc:
            messages.append((column, f"{column}{exc}"))
            return None

    def target(self, raw_operator, raw_target, raw_measure, messages: list):
        operator = normalize_operator(raw_operator)
        measure = clean_unit(raw_measure)
        parsed = parse_target(raw_target, measure)
        if raw_operator is not None and operator is None:
            messages.append(("指标性质",
                             f"无法识别“{raw_operator}”（应为 ≥、＞、＝、＜、≤ 或 定性）"))
            return None, None, None, measure or ""
        if operator is None:
            operator = parsed.operator
        if operator is None:
            messages.append(("指标性质", "指标性质为空"))
            return None, None, None, measure or ""
        if parsed.operator is not None and parsed.operator != operator:
            messages.append(("指标值", f"指标值中的“{parsed.operator.value}”与指标性质"
                                       f"“{operator.value}”不一致"))
        if not parsed.ok:
            messages.append(("指标值", parsed.error))
            return operator, None, None, measure or ""
        if operator == Operator.QUALITATIVE:
            if parsed.grade is None:
                messages.append(("指标值", f"定性指标的指标值应为优/良/中/差，而不是“{raw_target}”"))
            return operator, None, parsed.grade, measure or ""
        if parsed.grade is not None:
            messages.append(("指标值", f"定量指标（{operator.value}）的指标值应为数字，"
                                       f"而不是“{parsed.grade.value}”"))
            return operator, None, None, measure or ""
        measure = measure or parsed.unit or ""
        if len(measure) > MEASURE_MAX:
            messages.append(("度量单位", f"度量单位超过 {MEASURE_MAX} 个字"))
        try:
            value = decimal_in(parsed.number, places=4, max_digits=18)
        except ValueError as exc:
            messages.append(("指标值", f"指标值{exc}"))
            value = None
        return operator, value, None, measure


def _units_by_name() -> dict[str, str]:
    return {match_key(name): code for code, name in Unit.objects.values_list("code", "name")}


def writer_problems(year: int, rows: list[TargetRow]) -> list[Problem]:
    """The writer's own checks (levels, duplicates, budgets) on the rows that did convert, so one
    run reports every problem. The writer rolls its dry run back."""
    if not rows:
        return []
    try:
        apply_targets(year, rows, dry_run=True)
    except TargetsError as exc:
        return exc.problems
    return []


def review_rows(rows: list[TargetRow], year: int) -> tuple[list, bool]:
    """performance.review's checks on the rows, when that module is installed."""
    try:
        service = importlib.import_module("performance.review.service")
    except ImportError:
        return [], False
    review_import = getattr(service, "review_import", None)
    if review_import is None:
        return [], False
    outcome = review_import(rows, year=year)
    return list(outcome.findings), bool(getattr(outcome, "blocked", False))


def missing_projects(year: int, rows: list[TargetRow]) -> list[str]:
    """Projects of the file's units and year that the file does not list."""
    in_file = {(row.unit_code, row.project_name) for row in rows}
    codes = {code for code, _ in in_file}
    found = Project.objects.filter(Q(year=year) & Q(unit__code__in=codes)).values_list(
        "unit__code", "name")
    return sorted(f"{code} {name}" for code, name in found if (code, name) not in in_file)
