"""The target review rules (docs/review.md), on small facts about a project and its indicators.

Pure module: no Django import. The service builds the facts from the database; the Excel
importer builds them from its rows (`review_target_rows`) before anything is written, which is
where a duplicate indicator name can still occur (the database forbids it).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from performance.domain import Direction, Grade, Operator, TargetRow
from performance.normalize import match_key
from performance.review.facts import (
    BudgetLineFacts,
    IndicatorFacts,
    ProjectFacts,
    iter_facts_from_rows,
)
from performance.review.findings import (
    DEFAULT_RULE_SETTINGS,
    Finding,
    RuleSettings,
    money,
    number,
    signed,
)

GRADES = frozenset(grade.value for grade in Grade)
PERCENT_UNITS = frozenset({"%", "％"})
PER_MILLE_UNITS = frozenset({"‰"})
# A metric counting people: its unit should be people (人, 万人, 人次), never 次 or %.
PERSON_SUFFIXES = ("人数", "人次数", "人员数")
PERSON_BAD_UNITS = frozenset({"次", "%", "％", "‰"})
# A count (数量指标 ending in 数/数量: 次数, 人数, 户数 …) is not a percentage.
COUNT_SUFFIXES = ("数量", "数")
NOT_COUNTS = ("指数", "系数", "倍数", "分数", "函数")
NAME_SIMILARITY = 0.8  # 表13 and 表8 names this alike are taken for the same project
ZERO = Decimal(0)
# Enum values read once: an enum member's .value is a slow descriptor, and the rules run on
# every indicator of an import.
_BELOW = (Operator.LE.value, Operator.LT.value)
_EQ = Operator.EQ.value
_POSITIVE = Direction.POSITIVE.value


@dataclass(frozen=True)
class RuleContext:
    expected_weight_total: Decimal = Decimal("90")


def _finding(rule, message, project: ProjectFacts, indicator: IndicatorFacts | None = None,
             **extra) -> Finding:
    first_row = next((i.source_row for i in project.indicators if i.source_row), None)
    return Finding(
        rule=rule,
        message=message,
        unit_code=project.unit_code,
        year=project.year,
        project_id=project.id,
        project_name=project.name,
        indicator_id=indicator.id if indicator else None,
        indicator_name=indicator.name if indicator else "",
        source_row=indicator.source_row if indicator else first_row,
        **extra,
    )


# ---------------------------------------------------------------- rules on one project

def check_weights(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    total = ZERO
    for ind in project.indicators:
        if ind.weight is None or ind.weight <= 0:
            yield _finding("weight_not_positive",
                           f"指标“{ind.name}”的权重为 {number(ind.weight)}：权重必须大于 0，"
                           "请填写该指标的分值。", project, ind)
        else:
            total += ind.weight
    expected = ctx.expected_weight_total
    if total != expected:
        yield _finding("weights_total",
                       f"项目“{project.name}”各指标权重合计 {number(total)}，应为 {number(expected)}"
                       f"（相差 {number(total - expected)}）：请调整指标权重，使合计为 "
                       f"{number(expected)}。", project)


_REQUIRED_LEVELS = (
    ("output_indicator_required", "产出", "产出指标", "数量、质量或时效指标"),
    ("benefit_indicator_required", "效益", "效益指标", "社会效益、经济效益或可持续影响指标"),
    ("satisfaction_indicator_required", "满意度", "满意度指标", "服务对象满意度指标"),
    ("cost_indicator_required", "成本", "成本指标", "经济成本指标"),
)


def check_required_levels(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    for rule, prefix, label, examples in _REQUIRED_LEVELS:
        if not any(ind.level1.startswith(prefix) for ind in project.indicators):
            yield _finding(rule, f"项目“{project.name}”没有{label}：请至少设置一个{label}"
                                 f"（如{examples}）。", project)


def check_targets(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    for ind in project.indicators:
        if ind.quantitative:
            if ind.target_value is None:
                yield _finding("target_not_number",
                               f"指标“{ind.name}”的指标性质为“{ind.operator}”，指标值却不是数字"
                               "：请填写数字目标值，或把指标性质改为“定性”并填写等级。",
                               project, ind)
            if not ind.clean_unit:
                yield _finding("unit_required",
                               f"定量指标“{ind.name}”没有度量单位：请填写度量单位"
                               "（如 %、万元、人次、年）。", project, ind)
        elif ind.target_grade not in GRADES:
            shown = ind.target_grade or number(ind.target_value)
            yield _finding("target_not_grade",
                           f"定性指标“{ind.name}”的指标值为“{shown}”：定性指标的指标值应为"
                           "优、良、中或差，请改为等级（或把指标性质改为定量）。", project, ind)


def _is_wanyuan(ind: IndicatorFacts) -> bool:
    return ind.clean_unit.startswith("万元")  # 万元, 万元/年


def check_cost_within_budget(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    costs = [i for i in project.indicators
             if i.is_cost and _is_wanyuan(i) and i.target_value is not None]
    total = sum((i.target_value for i in costs), ZERO)
    if costs and project.budget is not None and total > project.budget:
        names = "、".join(f"{i.name} {number(i.target_value)}" for i in costs)
        yield _finding("cost_exceeds_budget",
                       f"项目“{project.name}”以万元计的成本指标合计 {money(total)} 万元（{names}），"
                       f"超过项目预算 {money(project.budget)} 万元 {money(total - project.budget)} 万元"
                       "：请调减成本指标值，使其合计不超过预算。", project)


def check_percent_range(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    for ind in project.indicators:
        value = ind.target_value
        if ind.clean_unit in PERCENT_UNITS and value is not None and not ZERO <= value <= 100:
            yield _finding("percent_out_of_range",
                           f"指标“{ind.name}”的指标值为 {number(value)}%，不在 0–100 之间"
                           "：请核对指标值，或更换度量单位。", project, ind)


def check_directions(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    for ind in project.indicators:
        if "时效" in ind.level2 and not ind.is_negative:
            yield _finding("timeliness_not_negative",
                           f"时效指标“{ind.name}”的方向性为“{ind.direction}”：完成时间越短越好，"
                           "时效指标应为反向指标，请改为“反向指标”。", project, ind)
        elif ind.is_cost and not ind.is_negative:
            yield _finding("cost_not_negative",
                           f"成本指标“{ind.name}”的方向性为“{ind.direction}”：成本越低越好，"
                           "成本指标应为反向指标，请改为“反向指标”。", project, ind)
        elif _direction_conflict(ind):
            yield _finding("direction_conflict",
                           f"指标“{ind.name}”的指标性质“{ind.operator}”与方向性“{ind.direction}”"
                           "不一致（≥、＞ 为正向，≤、＜ 为反向）：评分按指标性质计算，"
                           "请修正方向性或指标性质。", project, ind)


def _direction_conflict(ind: IndicatorFacts) -> bool:
    """As the scoring engine flags it: ≤ ＜ with 正向; ≥ ＞ ＝ (T ≠ 0) with 反向."""
    if not ind.quantitative or not ind.direction:
        return False
    if ind.operator in _BELOW:
        return ind.direction == _POSITIVE
    if ind.operator == _EQ and ind.target_value == 0:
        return False
    return ind.is_negative


def check_unit_fit(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    for ind in project.indicators:
        unit, name = ind.clean_unit, ind.name.strip()
        if not unit or not ind.quantitative:
            continue
        if name.endswith(PERSON_SUFFIXES) and unit in PERSON_BAD_UNITS:
            yield _finding("unit_mismatch",
                           f"指标“{ind.name}”统计的是人数，度量单位却是“{unit}”：人数应以“人”"
                           "“万人”或“人次”计量；若考核的是比例，请把指标改为“……率”。"
                           "请人工核对度量单位与指标值。", project, ind)
        elif ("数量" in ind.level2 and name.endswith(COUNT_SUFFIXES)
              and not name.endswith(NOT_COUNTS) and unit in PERCENT_UNITS | PER_MILLE_UNITS):
            yield _finding("unit_mismatch",
                           f"数量指标“{ind.name}”是计数，度量单位却是“{unit}”：数量应以个、次、户"
                           "等计量；若考核的是比例，请改为“……率”并归入质量指标。"
                           "请人工核对度量单位与指标值。", project, ind)


def check_duplicate_names(project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[str, IndicatorFacts] = {}
    for ind in project.indicators:
        key = match_key(ind.name)
        first = seen.setdefault(key, ind)
        if first is not ind:
            where = f"第{first.source_row}行的" if first.source_row else "前面的"
            yield _finding("duplicate_indicator_name",
                           f"项目“{project.name}”中指标“{ind.name}”与{where}“{first.name}”重名"
                           "：同一项目的三级指标名称不能重复，请合并这两行或改名。", project, ind)


PROJECT_RULES: tuple[Callable[[ProjectFacts, RuleContext], Iterator[Finding]], ...] = (
    check_weights,
    check_required_levels,
    check_targets,
    check_cost_within_budget,
    check_percent_range,
    check_directions,
    check_unit_fit,
    check_duplicate_names,
)


def check_project(project: ProjectFacts, ctx: RuleContext) -> list[Finding]:
    """Every project rule; project-level findings first, then by indicator order."""
    order = {ind.name: index for index, ind in enumerate(project.indicators)}
    findings = [f for rule in PROJECT_RULES for f in rule(project, ctx)]
    return sorted(findings, key=lambda f: (order.get(f.indicator_name, -1) if f.indicator_name
                                           else -1, f.severity.rank))


# ---------------------------------------------------------------- 表13 against 表8

def check_budget_list(projects: Sequence[ProjectFacts], lines: Iterable[BudgetLineFacts], *,
                      report_unmatched_lines: bool = True) -> list[Finding]:
    """Names and amounts of the 表13 projects against the 表8 project lines of the same unit
    and year. A line without a unit code (or year) is compared with every unit (or year)."""
    lines = list(lines)
    by_key: dict[tuple[str, int | None], list] = defaultdict(list)
    by_unit: dict[str, list] = defaultdict(list)
    for line in lines:
        unit_code = getattr(line, "unit_code", "") or ""
        by_key[(unit_code, getattr(line, "year", None))].append(line)
        by_unit[unit_code].append(line)
    groups: dict[tuple[str, int | None], list[ProjectFacts]] = {}
    for project in projects:
        groups.setdefault((project.unit_code, project.year), []).append(project)
    findings: list[Finding] = []
    matched: set[int] = set()
    for (unit_code, year), group in groups.items():
        if year is None:
            pool = by_unit[unit_code] + (by_unit[""] if unit_code else [])
        else:
            pool = by_key[(unit_code, year)] + by_key[(unit_code, None)]
            if unit_code:
                pool += by_key[("", year)] + by_key[("", None)]
        findings += _match_group(group, [ln for ln in pool if id(ln) not in matched], matched)
    if report_unmatched_lines:
        for line in lines:
            if id(line) not in matched:
                findings.append(Finding(
                    rule="budget_line_without_project",
                    message=f"表8 项目“{line.name}”（{money(line.amount)} 万元）在表13 中没有"
                            "绩效目标：请为该项目填报绩效目标，或核对表13 中的项目名称。",
                    unit_code=getattr(line, "unit_code", "") or "",
                    year=getattr(line, "year", None),
                    subject=f"表8:{line.name}",
                ))
    return findings


def _match_group(projects, free, matched: set[int]) -> list[Finding]:
    """Pair projects with lines: same name first, then names alike; `matched` gets the ids."""
    findings: list[Finding] = []
    free = list(free)
    unmatched = []
    for project in projects:
        key = match_key(project.name)
        line = next((ln for ln in free if match_key(ln.name) == key), None)
        if line is None:
            unmatched.append(project)
        else:
            free.remove(line)
            matched.add(id(line))
            findings += _compare(project, line, exact=True)
    candidates = sorted(
        ((difflib.SequenceMatcher(None, match_key(p.name), match_key(ln.name)).ratio(), i, j)
         for i, p in enumerate(unmatched) for j, ln in enumerate(free)),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    paired: set[int] = set()
    for ratio, i, j in candidates:
        if ratio >= NAME_SIMILARITY and i not in paired and id(free[j]) not in matched:
            paired.add(i)
            matched.add(id(free[j]))
            findings += _compare(unmatched[i], free[j], exact=False)
    for i, project in enumerate(unmatched):
        if i not in paired:
            findings.append(_finding(
                "project_not_in_budget",
                f"表13 项目“{project.name}”（{money(project.budget)} 万元）在表8 项目支出预算中"
                "找不到：请核对项目名称与表8 是否一致，或确认该项目已列入预算。", project))
    return findings


def _compare(project: ProjectFacts, line, *, exact: bool) -> list[Finding]:
    findings = []
    if not exact:
        findings.append(_finding(
            "project_name_mismatch",
            f"表13 项目“{project.name}”在表8 中名为“{line.name}”（{money(line.amount)} 万元）"
            "：两表应使用同一项目名称，请按批复的预算统一名称。", project))
    if project.budget is not None and project.budget != line.amount:
        findings.append(_finding(
            "project_amount_mismatch",
            f"项目“{project.name}”的预算数在表13 中为 {money(project.budget)} 万元，表8 中为 "
            f"{money(line.amount)} 万元（相差 {signed(project.budget - line.amount)} 万元）"
            "：请以批复的表8 金额为准修正表13 的预算数，或核对表8。", project))
    return findings


# ---------------------------------------------------------------- entry points

def review_projects(
    projects: Iterable[ProjectFacts],
    budget_lines: Iterable[BudgetLineFacts] | None = None,
    *,
    settings: RuleSettings = DEFAULT_RULE_SETTINGS,
    expected_weight_total: Decimal = Decimal("90"),
    report_unmatched_lines: bool = True,
) -> list[Finding]:
    """Run every project rule (and, given 表8 lines, the budget-list check); apply settings."""
    ctx = RuleContext(expected_weight_total=expected_weight_total)
    projects = list(projects)
    findings = [f for project in projects for f in check_project(project, ctx)]
    if budget_lines is not None:
        findings += check_budget_list(projects, budget_lines,
                                      report_unmatched_lines=report_unmatched_lines)
    return settings.apply(findings)


def review_target_rows(
    rows: Iterable[TargetRow],
    budget_lines: Iterable[BudgetLineFacts] | None = None,
    *,
    settings: RuleSettings = DEFAULT_RULE_SETTINGS,
    expected_weight_total: Decimal = Decimal("90"),
    year: int | None = None,
) -> list[Finding]:
    """The review of import rows before they are written; `budget_lines` are 表8 lines
    (anything with `name`, `amount` and optionally `unit_code`)."""
    # review_projects, one project's facts at a time: the budget-list check only needs each
    # project's name, amount and first row, so only that much of a project is kept.
    ctx = RuleContext(expected_weight_total=expected_weight_total)
    findings: list[Finding] = []
    kept: list[ProjectFacts] = []
    for project in iter_facts_from_rows(rows, year):
        findings += check_project(project, ctx)
        first = next((i for i in project.indicators if i.source_row), None)
        kept.append(replace(project, indicators=(first,) if first else ()))
    if budget_lines is not None:
        findings += check_budget_list(kept, budget_lines)
    return settings.apply(findings)
