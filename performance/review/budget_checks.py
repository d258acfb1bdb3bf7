"""Cross-checks of the published budget tables: printed totals against their lines.

Pure module: no Django import. The budget is loaded as printed, disagreements included
(budget/seed.py); these checks say where the document disagrees with itself:

* 表1 totals against 表3's lines (scopes are functional class code prefixes);
* 表3 totals per column (合计 / 基本支出 / 项目支出) and per subject against its lines;
* 表7 totals per column (人员经费 / 公用经费) and class (301/302/303 by economic code prefix);
* 表8's total against its project lines;
* a 款 line against the sum of its detail rows;
* the category totals of the performance-target section (人员类 ↔ 表7 人员经费 lines,
  运转类 ↔ 表7 公用经费 lines, 特定目标类 ↔ 表8 lines and the 表13 project budgets).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from performance.review.findings import Finding, money, signed
from performance.review.rules import ProjectFacts

TABLE_NAMES = {"t1": "表1", "t3": "表3", "t7": "表7", "t8": "表8", "targets": "绩效目标设置情况"}
CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineFacts:
    table: str
    kind: str
    amount: Decimal
    name: str = ""
    functional_code: str = ""
    economic_code: str = ""
    id: int | None = None
    parent_id: int | None = None
    unit_code: str = ""
    year: int | None = None


@dataclass(frozen=True)
class TotalFacts:
    table: str
    label: str
    column: str
    amount: Decimal
    scope: str = ""
    item_count: int | None = None
    unit_code: str = ""
    year: int | None = None


@dataclass(frozen=True)
class _Sum:
    description: str
    lines: tuple[LineFacts, ...]

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


_T3_COLUMNS = {"合计": None, "基本支出": ("basic",), "项目支出": ("project",)}
_T7_COLUMNS = {"合计": None, "人员经费": ("personnel",), "公用经费": ("public",)}
_CATEGORY_SOURCES = {
    "personnel": ("t7", ("personnel",), "表7 人员经费各行"),
    "operation": ("t7", ("public",), "表7 公用经费各行"),
    "specific": ("t8", None, "表8 各项目行"),
}


def _pick(lines, kinds=None, prefix="", code="functional_code") -> tuple[LineFacts, ...]:
    return tuple(
        line for line in lines
        if (kinds is None or line.kind in kinds) and getattr(line, code).startswith(prefix)
    )


def _source(total: TotalFacts, top: dict[str, list[LineFacts]]) -> _Sum | None:
    """The lines a printed total should be the sum of; None when the total is not understood
    or the table it sums was not loaded."""
    scope, column = total.scope, total.column
    where = f"中功能分类 {scope} " if scope else "中"
    if total.table == "t1" and top["t3"]:
        return _Sum(f"表3 {where}各行合计", _pick(top["t3"], prefix=scope))
    if total.table == "t3" and column in _T3_COLUMNS and top["t3"]:
        label = "" if column == "合计" else f"{column}"
        return _Sum(f"表3 {where}{label}各行合计", _pick(top["t3"], _T3_COLUMNS[column], scope))
    if total.table == "t7" and column in _T7_COLUMNS and top["t7"]:
        where = f"中经济分类 {scope} " if scope else "中"
        label = "" if column == "合计" else column
        return _Sum(f"表7 {where}{label}各行合计",
                    _pick(top["t7"], _T7_COLUMNS[column], scope, "economic_code"))
    if total.table == "t8" and top["t8"]:
        return _Sum(f"表8 {where}各项目行合计", _pick(top["t8"], prefix=scope))
    if total.table == "targets":
        if scope in _CATEGORY_SOURCES:
            table, kinds, description = _CATEGORY_SOURCES[scope]
            return _Sum(description + "合计", _pick(top[table], kinds)) if top[table] else None
        if not scope and top["t7"] and top["t8"]:
            return _Sum("表7 与表8 各行合计", tuple(top["t7"]) + tuple(top["t8"]))
    return None


def _rounding_hint(difference: Decimal, count: int) -> str:
    if abs(difference) <= CENT * max(count, 1):
        return "（差额很小，可能是四舍五入造成）"
    return ""


def _where(total: TotalFacts) -> str:
    column = "" if total.column in ("", "合计") and total.label == "合计" else f"（{total.column}）"
    return f"{TABLE_NAMES.get(total.table, total.table)}“{total.label}”{column}"


def check_printed_totals(lines: Sequence[LineFacts], totals: Iterable[TotalFacts],
                         projects: Sequence[ProjectFacts] = ()) -> list[Finding]:
    top: dict[str, list[LineFacts]] = defaultdict(list)
    for line in lines:
        if line.parent_id is None:
            top[line.table].append(line)
    findings = []
    for total in totals:
        source = _source(total, top)
        if source is None:
            continue
        rule = "target_category_mismatch" if total.table == "targets" else "printed_total_mismatch"
        difference = total.amount - source.amount
        if difference:
            findings.append(_total_finding(rule, total, source.description, source.amount,
                                           difference, len(source.lines)))
        if total.table == "targets" and total.scope == "specific":
            findings += _specific_projects(total, source, projects)
    return findings


def _total_finding(rule, total, description, amount, difference, count, subject_suffix=""):
    return Finding(
        rule=rule,
        message=(
            f"{_where(total)}印为 {money(total.amount)} 万元，{description} {money(amount)} 万元，"
            f"相差 {signed(difference)} 万元：请核对原表的合计数与明细数"
            f"{_rounding_hint(difference, count)}。"
        ),
        unit_code=total.unit_code,
        year=total.year,
        subject=f"{total.table}:{total.label}:{total.column}{subject_suffix}",
    )


def _specific_projects(total: TotalFacts, t8: _Sum, projects: Sequence[ProjectFacts]):
    """特定目标类: the 表13 project budgets and the number of projects, too."""
    mine = [p for p in projects if p.unit_code == total.unit_code and p.year == total.year]
    findings = []
    if mine:
        budget = sum((p.budget or ZERO for p in mine), ZERO)
        if budget != total.amount:
            findings.append(_total_finding("target_category_mismatch", total,
                                           "表13 各项目预算数合计", budget, total.amount - budget,
                                           len(mine), ":表13"))
    if total.item_count is not None:
        counts = [(len(t8.lines), "表8 列有", ":表8个数")]
        if mine:
            counts.append((len(mine), "表13 填报了", ":表13个数"))
        for count, what, suffix in counts:
            if count != total.item_count:
                findings.append(Finding(
                    rule="target_category_mismatch",
                    message=f"{_where(total)}的项目个数印为 {total.item_count} 个，{what} "
                            f"{count} 个项目：请核对项目个数。",
                    unit_code=total.unit_code,
                    year=total.year,
                    subject=f"{total.table}:{total.label}:{total.column}{suffix}",
                ))
    return findings


def check_detail_sums(lines: Sequence[LineFacts]) -> list[Finding]:
    """A 款 line (e.g. 30101 基本工资) against the sum of its detail rows."""
    details: dict[int, list[LineFacts]] = defaultdict(list)
    for line in lines:
        if line.parent_id is not None:
            details[line.parent_id].append(line)
    findings = []
    for line in lines:
        children = details.get(line.id) if line.id is not None else None
        if not children:
            continue
        total = sum((child.amount for child in children), ZERO)
        difference = line.amount - total
        if not difference:
            continue
        code = line.economic_code or line.functional_code
        kind = "经济分类" if line.economic_code else "功能分类"
        table = TABLE_NAMES.get(line.table, line.table)
        parts = "、".join(
            f"{c.economic_code or c.functional_code} {c.name} {money(c.amount)}" for c in children
        )
        findings.append(Finding(
            rule="detail_sum_mismatch",
            message=(
                f"{table} {kind} {code}“{line.name}”印为 {money(line.amount)} 万元，其明细（{parts}）"
                f"合计 {money(total)} 万元，相差 {signed(difference)} 万元：请核对该行金额或其明细"
                f"{_rounding_hint(difference, len(children))}。"
            ),
            unit_code=line.unit_code,
            year=line.year,
            subject=f"{line.table}:{code or line.name}",
        ))
    return findings


def check_budget_tables(lines: Sequence[LineFacts], totals: Iterable[TotalFacts],
                        projects: Sequence[ProjectFacts] = ()) -> list[Finding]:
    """Every cross-check of the budget tables, unit and year at a time."""
    groups: dict[tuple[str, int | None], list[LineFacts]] = defaultdict(list)
    for line in lines:
        groups[(line.unit_code, line.year)].append(line)
    total_groups: dict[tuple[str, int | None], list[TotalFacts]] = defaultdict(list)
    for total in totals:
        total_groups[(total.unit_code, total.year)].append(total)
    findings = []
    for key in sorted(set(groups) | set(total_groups), key=lambda k: (k[0], k[1] or 0)):
        group_lines = groups.get(key, [])
        findings += check_printed_totals(group_lines, total_groups.get(key, []), projects)
        findings += check_detail_sums(group_lines)
    return findings
