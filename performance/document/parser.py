"""Parser for the 表13 section of a published unit budget, given as text lines.

The input is what a PDF copy gives: one line per printed line, cells separated by tabs, with
rows and long cells breaking across lines and pages, and empty cells that shift columns. The
parser does not trust column positions where the content can tell what a cell is:

* an indicator row is anchored on its 一级指标 cell; after it come, ignoring empty cells,
  二级指标, 三级指标 (one or more cells), 指标性质, 指标值, 度量单位, 权重 and 指标方向性;
* a project starts on a row whose first cell left of the indicator is `代码-单位名称`, then
  项目名称, 预算数 (the first number) and 年度目标;
* any other text left of the indicator columns continues the current project's 单位名称
  (column 0), 项目名称 (column 1) or 年度目标 (further right); text in the indicator columns of
  a row without an indicator continues the previous indicator's cell in the same column.

Pure module: no Django import. Nothing is invented: a cell the document lost stays None and
every row the parser had to guess at or could not place becomes a Finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from performance.document.lines import (
    Row,
    ends_section,
    find_start,
    is_blank,
    is_page_furniture,
    make_rows,
)
from performance.document.model import (
    ERROR,
    WARNING,
    Finding,
    ParsedIndicator,
    ParsedProject,
    ParseResult,
)
from performance.domain import LEVEL1_NAMES
from performance.normalize import (
    clean_name,
    clean_unit,
    join_broken,
    normalize_direction,
    normalize_operator,
    parse_decimal,
    parse_target,
)

__all__ = ["DEFAULT_WEIGHT_TOTAL", "parse_table13_lines", "parse_table13_text"]

DEFAULT_WEIGHT_TOTAL = Decimal(90)
_CODE_RE = re.compile(r"^(\d{3,})\s*[-－—–]\s*(.*)$")
_STANDARD_LEFT_WIDTH = 4  # 单位名称, 项目名称, 预算数, 年度目标


def _is_unit_cell(index: int, text: str) -> bool:
    """`342601-广元市社会保险事务中心` in the first columns (not a goal saying '2025-2027年')."""
    m = _CODE_RE.match(text)
    return bool(m) and index <= 1 and not m.group(2)[:1].isdigit()


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        return parse_decimal(text)
    except ValueError:
        return None


class _Parser:
    def __init__(self, rows: list[Row], level1_names: Iterable[str], weight_total: Decimal):
        self.texts = {r.lineno: r.text for r in rows}
        self.level1_names = {clean_name(n) for n in level1_names}
        self.weight_total = weight_total
        self.result = ParseResult()
        self.project: ParsedProject | None = None
        self.indicator: ParsedIndicator | None = None
        self.layout: dict[int, str] = {}  # cell index → field of the last indicator row
        self.left_width = _STANDARD_LEFT_WIDTH

    # ------------------------------------------------------------------ findings
    def finding(self, severity: str, row: Row, message: str) -> None:
        self.result.findings.append(Finding(severity, row.lineno, row.text, message))

    # ------------------------------------------------------------------ rows
    def feed(self, row: Row) -> None:
        if not row.has_tab:
            self.finding(WARNING, row, f"表外文字“{row.joined}”，已跳过")
            return
        level1_at = self.find_level1(row)
        end = level1_at if level1_at is not None else len(row.cells)
        left = [(i, c) for i, c in enumerate(row.cells[:end]) if c]
        right: list[tuple[int, str]] = []
        if level1_at is None:
            right = [(i, c) for i, c in left if i >= self.left_width]
            left = [(i, c) for i, c in left if i < self.left_width]
        if left:
            if _is_unit_cell(*left[0]):
                self.start_project(row, left)
            else:
                self.continue_project(row, left)
        if level1_at is not None:
            self.read_indicator(row, level1_at)
        elif right:
            self.continue_indicator(row, right)

    def find_level1(self, row: Row) -> int | None:
        cells = row.cells
        for i, c in enumerate(cells):
            if c in self.level1_names and any(cells[i + 1:]):
                return i
        # A local variant: two consecutive "…指标" cells followed by an operator further on.
        filled = row.nonempty
        for k in range(len(filled) - 3):
            (i, a), (_, b) = filled[k], filled[k + 1]
            if a.endswith("指标") and b.endswith("指标") and any(
                normalize_operator(c) for _, c in filled[k + 2:]
            ):
                self.finding(WARNING, row, f"一级指标“{a}”不在参考表中，按一级指标读取")
                return i
        return None

    # ------------------------------------------------------------------ projects
    def start_project(self, row: Row, left: list[tuple[int, str]]) -> None:
        code, unit_name = _CODE_RE.match(left[0][1]).groups()
        rest = [c for _, c in left[1:]]
        budget_at = next((k for k, c in enumerate(rest) if _decimal_or_none(c) is not None), None)
        if budget_at is None:
            name, goal, budget = (rest[0] if rest else ""), join_broken(*rest[1:]), None
            self.finding(ERROR, row, "项目行中未找到预算数（应为数字），预算数留空")
        else:
            name = join_broken(*rest[:budget_at])
            goal = join_broken(*rest[budget_at + 1:])
            budget = _decimal_or_none(rest[budget_at])
        if not name:
            self.finding(ERROR, row, "项目行中未找到项目名称")
        self.project = ParsedProject(
            unit_code=code, unit_name=clean_name(unit_name), name=clean_name(name),
            budget=budget, goal=clean_name(goal), source_line=row.lineno,
        )
        self.result.projects.append(self.project)
        self.indicator = None

    def continue_project(self, row: Row, left: list[tuple[int, str]]) -> None:
        """Text of the merged project cells that wrapped onto this line."""
        if self.project is None:
            texts = "、".join(c for _, c in left)
            self.finding(ERROR, row, f"“{texts}”出现在第一个项目之前，无法归属，已忽略")
            return
        p = self.project
        for i, text in left:
            if i == 0:
                p.unit_name = join_broken(p.unit_name, text)
            elif i == 1:
                p.name = join_broken(p.name, text)
            else:
                p.goal = join_broken(p.goal, text)

    # ------------------------------------------------------------------ indicators
    def read_indicator(self, row: Row, at: int) -> None:
        after = [(i, c) for i, c in enumerate(row.cells) if i > at and c]
        level1 = row.cells[at]
        op_pos = next((k for k, (_, c) in enumerate(after) if k >= 1 and normalize_operator(c)),
                      None)
        if self.project is None:
            self.finding(ERROR, row, "指标行出现在第一个项目之前，无法归属，已忽略")
            return
        layout = {at: "level1"}
        level2 = after[0][1] if after else ""
        if after:
            layout[after[0][0]] = "level2"
        if op_pos is None:
            name_cells, rest, operator = after[1:2], [], None
            self.finding(ERROR, row, "指标行中未找到指标性质（≥、≤、＝、定性等），该行只读取了名称")
        else:
            name_cells, rest = after[1:op_pos], after[op_pos + 1:]
            operator = normalize_operator(after[op_pos][1])
        for i, _ in name_cells:
            layout[i] = "name"
        name = join_broken(*(c for _, c in name_cells))
        ind = ParsedIndicator(
            level1=level1, level2=level2, name=clean_name(name), operator=operator,
            target_value=None, target_grade=None, unit=None, weight=None, direction=None,
            source_line=row.lineno,
        )
        if not ind.name:
            self.finding(ERROR, row, "指标行中未找到三级指标名称")
        if op_pos is not None:
            self.read_values(row, ind, rest, layout)
        self.project.indicators.append(ind)
        self.indicator, self.layout = ind, layout
        if ind.direction is not None and ind.weight is not None:
            self.left_width = at  # a complete row: its layout is the one to go by

    def read_values(self, row: Row, ind: ParsedIndicator, rest, layout: dict[int, str]) -> None:
        """指标值, 度量单位, 权重, 指标方向性 from the non-empty cells after the operator."""
        value_text = rest[0][1] if rest else ""
        tail = rest[1:]
        bad_direction = False
        if tail and normalize_direction(tail[-1][1]):
            layout[tail[-1][0]] = "direction"
            ind.direction = normalize_direction(tail[-1][1])
            tail = tail[:-1]
        elif len(tail) >= 2 and _decimal_or_none(tail[-2][1]) is not None \
                and _decimal_or_none(tail[-1][1]) is None:
            self.finding(ERROR, row, f"指标方向性“{tail[-1][1]}”无法识别"
                                     "（应为正向指标或反向指标），已留空")
            bad_direction, tail = True, tail[:-1]
        if tail and _decimal_or_none(tail[-1][1]) is not None:
            ind.weight = _decimal_or_none(tail[-1][1])
            tail = tail[:-1]
        if tail:
            for i, _ in tail:
                layout[i] = "unit"
            ind.unit = clean_unit("".join(c for _, c in tail))
            if len(tail) > 1 or ind.weight is None:
                self.finding(WARNING, row,
                             f"度量单位按“{ind.unit}”读取（单元格位置不规则），请核对")
        ind.target_text = value_text
        parsed = parse_target(value_text, ind.unit)
        if parsed.error:
            self.finding(ERROR, row, parsed.error)
        ind.target_value, ind.target_grade = parsed.number, parsed.grade
        if parsed.unit and not ind.unit:
            ind.unit = parsed.unit
        if parsed.operator and parsed.operator != ind.operator:
            self.finding(WARNING, row, f"指标值“{value_text}”自带的符号与指标性质"
                                       f"“{ind.operator}”不一致，以指标性质为准")
        missing = []
        if ind.unit is None and ind.operator is not None and ind.operator.is_quantitative:
            missing.append("度量单位")
        if ind.weight is None:
            missing.append("权重")
        if ind.direction is None and not bad_direction:
            missing.append("指标方向性")
        if missing:
            shifted = "（该行单元格整体错位）" if min(layout) > self.left_width else ""
            self.finding(ERROR, row, f"指标“{ind.name}”缺少{'、'.join(missing)}{shifted}，"
                                     "文件中没有这些值，已留空、未作推断")

    def continue_indicator(self, row: Row, frags: list[tuple[int, str]]) -> None:
        """Text in the indicator columns of a line without an indicator: a wrapped cell."""
        ind = self.indicator
        for i, text in frags:
            fld = self.layout.get(i) if ind is not None else None
            if fld == "name":
                ind.name = self.join_name(row, ind.name, text)
            elif fld == "unit":
                ind.unit = clean_unit((ind.unit or "") + text)
            elif fld in ("level1", "level2"):
                setattr(ind, fld, join_broken(getattr(ind, fld), text))
            else:
                self.finding(ERROR, row, f"续行文字“{text}”无法对应到上一指标的任何一列，已忽略")

    def join_name(self, row: Row, name: str, more: str) -> str:
        if name and more and name[-1] == more[0] and not name[-1].isascii():
            merged = join_broken(name, more[1:])
            self.finding(
                WARNING, row,
                f"三级指标续行“{more}”的首字与上一行末字“{name[-1]}”重复，按断行重复处理，"
                f"合并为“{merged}”（未合并为“{join_broken(name, more)}”），请核对",
            )
            return merged
        return join_broken(name, more)

    # ------------------------------------------------------------------ end
    def finish(self) -> ParseResult:
        for p in self.result.projects:
            text = self.texts.get(p.source_line, "")
            if not p.indicators:
                self.result.findings.append(
                    Finding(ERROR, p.source_line, text, f"项目“{p.name}”没有读到任何指标"))
                continue
            total = p.weight_total
            if total != self.weight_total:
                lacking = sum(1 for i in p.indicators if i.weight is None)
                note = f"（其中{lacking}个指标缺少权重）" if lacking else ""
                self.result.findings.append(Finding(
                    WARNING, p.source_line, text,
                    f"项目“{p.name}”的指标权重合计为{_fmt(total)}，应为{_fmt(self.weight_total)}"
                    f"{note}",
                ))
        self.result.findings.sort(key=lambda f: f.line)
        return self.result


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def parse_table13_lines(
    lines: Iterable[str],
    *,
    weight_total: Decimal | int = DEFAULT_WEIGHT_TOTAL,
    level1_names: Iterable[str] = LEVEL1_NAMES,
) -> ParseResult:
    """Parse the 表13 section(s) of a document given as tab-separated text lines."""
    rows = make_rows(lines)
    parser = _Parser(rows, level1_names, Decimal(weight_total))
    begin, warning = find_start(rows)
    if begin is None:
        parser.result.findings.append(
            Finding(ERROR, 0, "", "未找到表13（部门预算项目绩效目标表）的标题或表头"))
        return parser.result
    if warning:
        parser.result.findings.append(Finding(WARNING, rows[max(begin - 1, 0)].lineno,
                                              rows[max(begin - 1, 0)].text, warning))
    k = begin
    while k < len(rows):
        row = rows[k]
        if ends_section(row):
            begin, _ = find_start(rows, k)
            if begin is None:
                break
            k = begin
            continue
        if not is_blank(row) and not is_page_furniture(row):
            parser.feed(row)
        k += 1
    return parser.finish()


def parse_table13_text(text: str, **kwargs) -> ParseResult:
    """Parse 表13 from the whole text of a document (lines separated by newlines)."""
    return parse_table13_lines(text.splitlines(), **kwargs)
