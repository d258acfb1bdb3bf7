"""Rows of a 自评表/监控表 → record values: matching each row to its indicator, checking the
表13 columns against the stored targets, and normalizing what was entered."""

from __future__ import annotations

from typing import NamedTuple

from budget.models import Project, Unit
from performance.domain import Operator
from performance.models import Indicator, format_decimal
from performance.normalize import (
    clean_name,
    clean_unit,
    match_key,
    normalize_direction,
    normalize_grade,
    normalize_likelihood,
    normalize_operator,
    parse_deviation_reasons,
    parse_target,
)
from performance.services.scoring import stream_values

from .errors import Problem, ProblemLog
from .reader import Row, Table
from .values import code_text, decimal_in, shown, split_unit

UNIT_CHUNK = 500
# File column → IndicatorRecord fields it sets.
RECORD_COLUMNS = {
    "实际完成值": ("actual_value", "actual_grade"),
    "全年预计完成值": ("expected_value", "expected_grade"),
    "完成可能性": ("likelihood",),
    "偏差原因": ("deviation_reasons",),
    "纠偏措施": ("corrective_measures",),
    "未完成原因": ("explanation",),
}
INDICATOR_VALUES = ("id", "project_id", "project__unit_id", "project__name", "level1__name",
                    "level2__name", "name", "operator", "target_value", "target_grade", "unit",
                    "weight", "direction")
PROJECT_VALUES = ("id", "budget_amount", "goal__text")  # read only when the file has them


_NO_FACTS = (None, None)


class Target(NamedTuple):
    """A stored indicator as the importer needs it (a tuple: a year has 100,000s, and a
    frozen dataclass costs a setattr per field to build)."""

    id: int
    project_id: int
    unit_id: int
    project: str
    level1: str
    level2: str
    name: str
    operator: str
    target_value: object
    target_grade: str
    unit: str
    weight: object
    direction: str
    budget: object  # budget and goal: None unless the file has those columns
    goal: str | None

    @property
    def qualitative(self) -> bool:
        return self.operator == Operator.QUALITATIVE


class Matcher:
    """Units and indicators of one year, looked up exactly first, then by match_key."""

    def __init__(self, units: list[tuple[int, str, str]], targets: list[Target]):
        self.unit_by_code = {code: uid for uid, code, _ in units}
        self.unit_by_name = {match_key(name): uid for uid, _, name in units}
        self.unit_label = {uid: f"{code}-{name}" for uid, code, name in units}
        self._units: dict[tuple, int | None] = {}
        self.use(targets)

    def use(self, targets: list[Target]) -> None:
        self.exact = {(t.unit_id, t.project, t.level1, t.level2, t.name): t for t in targets}
        self.targets = targets
        self._fuzzy = None
        self._fuzzy_count = 0  # targets already in the fuzzy maps

    @classmethod
    def for_year(cls, year: int, table: Table) -> Matcher:
        """The year's units, no indicators yet: `add_units` reads those of the units a batch
        of rows names, so a file is matched as it streams."""
        matcher = cls(list(Unit.objects.values_list("id", "code", "name")), [])
        matcher.year, matcher.loaded = year, set()
        # The same names, levels, units and project values repeat on every row: each column
        # keeps one object per distinct value (a 100,000-row year held ~60 MB less).
        matcher._pools = [{} for _ in INDICATOR_VALUES[3:]]
        matcher._facts = table.has("预算数") or table.has("年度目标")
        return matcher

    def add_units(self, unit_ids: set) -> None:
        """Read the indicators (and, when the file has those columns, the projects' budget and
        goal) of the units among `unit_ids` not read yet, UNIT_CHUNK units a query."""
        ids = sorted(unit_ids - self.loaded - {None})
        self.loaded.update(ids)
        pools, added = self._pools, []
        for start in range(0, len(ids), UNIT_CHUNK):
            chunk = ids[start:start + UNIT_CHUNK]
            projects = {} if not self._facts else {pid: (budget, goal) for pid, budget, goal in (
                Project.objects.filter(year=self.year, unit_id__in=chunk).values_list(
                    *PROJECT_VALUES))}
            rows = Indicator.objects.filter(
                project__year=self.year, project__unit_id__in=chunk).values_list(
                *INDICATOR_VALUES)
            # stream_values: a target or weight converted once per distinct value
            added += [Target(iid, pid, uid, *[pool.setdefault(v, v) for pool, v
                                               in zip(pools, rest, strict=True)],
                             *projects.get(pid, _NO_FACTS))
                      for iid, pid, uid, *rest in stream_values(rows)]
        self.targets += added
        self.exact.update(((t.unit_id, t.project, t.level1, t.level2, t.name), t) for t in added)

    def unit_id(self, text, code=None) -> int | None:
        key = (text, code)
        if key not in self._units:
            self._units[key] = self._unit_id(text, code)
        return self._units[key]

    def _unit_id(self, text, code) -> int | None:
        if code is not None:
            return self.unit_by_code.get(code_text(code))
        split = split_unit(text)
        if split is not None and split[0] in self.unit_by_code:
            return self.unit_by_code[split[0]]
        return self.unit_by_name.get(match_key(text)) if text else None

    def _fuzzy_maps(self):
        if self._fuzzy is None:
            self._fuzzy = ({}, {}, {})
        full, by_name, projects = self._fuzzy
        # extended with the targets added since: the maps are built once however the file's
        # units arrive
        for t in self.targets[self._fuzzy_count:]:
            project = match_key(t.project)
            full[(t.unit_id, project, match_key(t.level1), match_key(t.level2),
                  match_key(t.name))] = t
            by_name[(t.unit_id, project, match_key(t.name))] = t
            projects[(t.unit_id, project)] = t.project
        self._fuzzy_count = len(self.targets)
        return self._fuzzy

    def target(self, unit_id: int, row: Row) -> tuple[Target | None, str, str]:
        """The row's indicator, or None with the column and message that say why not."""
        values = row.values
        key = (unit_id, values.get("项目名称"), values.get("一级指标"), values.get("二级指标"),
               values.get("三级指标"))
        found = self.exact.get(key)
        if found is not None:
            return found, "", ""
        full, by_name, projects = self._fuzzy_maps()
        project, name = match_key(key[1]), match_key(key[4])
        found = full.get((unit_id, project, match_key(key[2]), match_key(key[3]), name))
        if found is not None:
            return found, "", ""
        if (unit_id, project) not in projects:
            return None, "项目名称", (f"单位“{self.unit_label[unit_id]}”在本年度表13 中没有项目"
                                      f"“{clean_name(key[1])}”")
        other = by_name.get((unit_id, project, name))
        if other is not None:
            return None, "二级指标", (f"指标“{other.name}”已申报的一级/二级指标为“{other.level1}/"
                                      f"{other.level2}”，与文件中的“{clean_name(key[2])}/"
                                      f"{clean_name(key[3])}”不一致")
        return None, "三级指标", (f"项目“{projects[(unit_id, project)]}”中没有指标"
                                  f"“{clean_name(key[4])}”（请核对是否与已申报的表13 一致）")


class RowReader:
    """Reads the rows one by one, collecting record values per indicator and project, and every
    problem."""

    def __init__(self, table: Table, matcher: Matcher, allowed: set[int] | None):
        self.table, self.matcher, self.allowed = table, matcher, allowed
        self.has = {column: table.has(column) for column in (
            "单位代码", "预算数", "年度目标", "预算执行数", "执行率偏低原因", "指标性质", "指标值",
            "度量单位", "权重", "指标方向性", "填报期间代码", "指标记录版本", "项目记录版本",
            *RECORD_COLUMNS)}
        self.problems = ProblemLog()  # the first IMPORT_MAX_ERRORS kept, all counted
        self.records: dict[int, tuple[int, dict]] = {}
        self.rows_of: dict[int, int] = {}
        self.targets: dict[int, Target] = {}  # the matched indicators, for the write
        self.projects: dict[int, dict] = {}
        self.first_rows: dict[int, int] = {}
        self.project_names: dict[int, str] = {}
        self.unit_ids: set[int] = set()
        self.versions: dict[int, object] = {}  # indicator id → the template's record version
        self.project_versions: dict[int, object] = {}
        self._checked: set[tuple] = set()
        self._parsed: dict[tuple, tuple] = {}

    def problem(self, row: Row, column: str, message: str) -> None:
        self.problems.append(Problem(row.number, column, message))

    def add_units(self, rows: list[Row]) -> None:
        """Have the matcher read the indicators of the units `rows` name (those the import
        may write: a unit not allowed is a problem of its rows, its indicators never read)."""
        code = self.has["单位代码"]
        wanted = {self.matcher.unit_id(row.get("单位名称"), row.get("单位代码") if code else None)
                  for row in rows}
        self.matcher.add_units(wanted if self.allowed is None else wanted & self.allowed)

    def read(self, row: Row) -> None:
        unit_text = row.get("单位名称")
        unit_id = self.matcher.unit_id(unit_text, row.get("单位代码") if self.has["单位代码"] else None)
        if unit_id is None:
            self.problem(row, "单位名称", f"找不到单位“{clean_name(unit_text)}”" if unit_text
                         else "单位名称为空")
            return
        if self.allowed is not None and unit_id not in self.allowed:
            self.problem(row, "单位名称",
                         f"“{self.matcher.unit_label[unit_id]}”不是您可填报的单位，不能导入")
            return
        target, column, message = self.matcher.target(unit_id, row)
        if target is None:
            self.problem(row, column, message)
            return
        if target.id in self.rows_of:
            self.problem(row, "三级指标", f"与第{self.rows_of[target.id]}行是同一指标“{target.name}”")
            return
        self.rows_of[target.id] = row.number
        self.targets[target.id] = target
        self.unit_ids.add(unit_id)
        self.read_versions(row, target)
        self.first_rows.setdefault(target.project_id, row.number)
        self.project_names[target.project_id] = target.project
        self.check_targets(row, target)
        self.records[target.id] = (target.project_id, self.record_values(row, target))
        self.project_values(row, target)

    # ------------------------------------------------------------ the template's versions
    def read_versions(self, row: Row, t: Target) -> None:
        """The record versions a fill-in template carries: None for a blank cell (no record when
        the template was made), an int otherwise; other text is a problem."""
        for column, versions, key in (("指标记录版本", self.versions, t.id),
                                      ("项目记录版本", self.project_versions, t.project_id)):
            if not self.has[column] or key in versions:
                continue
            raw = row.get(column)
            if raw is None:
                versions[key] = None
                continue
            try:
                number = int(str(raw).strip().removesuffix(".0"))
            except ValueError:
                number = -1
            if number < 0:
                self.problem(row, column, f"记录版本应为非负整数，而不是“{shown(raw)}”（请勿修改模板的隐藏列）")
            else:
                versions[key] = number

    # ------------------------------------------------------------ 表13 columns
    def mismatch(self, row, column, raw, stored) -> None:
        self.problem(row, column, f"与已申报的目标不一致：文件中为“{shown(raw)}”，系统中为“{stored}”")

    def check_targets(self, row: Row, t: Target) -> None:
        values, has = row.values, self.has
        if has["指标性质"] and (raw := values.get("指标性质")) is not None:
            if normalize_operator(raw) != t.operator:
                self.mismatch(row, "指标性质", raw, t.operator)
        if has["指标值"] and (raw := values.get("指标值")) is not None:
            parsed = parse_target(raw, t.unit)
            same = (parsed.grade is not None and parsed.grade == t.target_grade) if t.qualitative \
                else (parsed.number is not None and parsed.number == t.target_value)
            if not same:
                self.mismatch(row, "指标值", raw, t.target_grade or format_decimal(t.target_value))
        if has["度量单位"] and (raw := values.get("度量单位")) is not None:
            if (clean_unit(raw) or "") != (clean_unit(t.unit) or ""):
                self.mismatch(row, "度量单位", raw, t.unit)
        if has["权重"] and (raw := values.get("权重")) is not None:
            if _decimal(raw, 2, 6) != t.weight:
                self.mismatch(row, "权重", raw, format_decimal(t.weight))
        if has["指标方向性"] and (raw := values.get("指标方向性")) is not None:
            if normalize_direction(raw) != t.direction:
                self.mismatch(row, "指标方向性", raw, t.direction)
        for column, stored, same in (
            ("预算数", t.budget, lambda raw: _decimal(raw, 2, 14) == t.budget),
            ("年度目标", t.goal, lambda raw: match_key(raw) == match_key(t.goal or "")),
        ):
            raw = values.get(column)
            key = (t.project_id, column, raw)
            if has[column] and raw is not None and key not in self._checked:
                self._checked.add(key)
                if not same(raw):
                    self.mismatch(row, column, raw, format_decimal(stored) if column == "预算数"
                                  else stored or "")

    # ------------------------------------------------------------ what was entered
    def measured(self, row: Row, column: str, t: Target) -> tuple[object, str]:
        raw = row.get(column)
        if raw is None:
            return None, ""
        if t.qualitative:
            grade = normalize_grade(raw)
            if grade is None:
                self.problem(row, column, f"定性指标的{column}应为优/良/中/差，而不是“{shown(raw)}”")
                return None, ""
            return None, grade.value
        key = (raw, t.unit)
        if key in self._parsed:  # values repeat: read each spelling once per unit of measure
            return self._parsed[key]
        parsed = parse_target(raw, t.unit)
        if not parsed.ok:
            self.problem(row, column, parsed.error.replace("指标值", column, 1))
        elif parsed.grade is not None:
            self.problem(row, column, f"定量指标的{column}应为数字，而不是“{raw}”")
        elif parsed.operator is not None:
            self.problem(row, column, f"{column}“{raw}”不应带“{parsed.operator.value}”，请只填数字")
        else:
            try:
                value = self._parsed[key] = (decimal_in(parsed.number, places=4, max_digits=18), "")
                return value
            except ValueError as exc:
                self.problem(row, column, f"{column}{exc}")
        return None, ""

    def record_values(self, row: Row, t: Target) -> dict:
        has, values = self.has, {}
        if has["实际完成值"]:
            values["actual_value"], values["actual_grade"] = self.measured(row, "实际完成值", t)
        if has["全年预计完成值"]:
            values["expected_value"], values["expected_grade"] = self.measured(row, "全年预计完成值", t)
        if has["完成可能性"]:
            raw = row.get("完成可能性")
            likelihood = normalize_likelihood(raw)
            if raw is not None and likelihood is None:
                self.problem(row, "完成可能性", f"无法识别“{raw}”（应为确定能、有可能或完全不可能）")
            values["likelihood"] = likelihood.value if likelihood else ""
        explanation = _text(row.get("未完成原因"))
        if has["偏差原因"]:
            raw = row.get("偏差原因")
            reasons = parse_deviation_reasons(raw)
            if reasons is None:  # a free-text reason, not the categories
                explanation = "；".join(t for t in (explanation, _text(raw)) if t)
                reasons = []
            values["deviation_reasons"] = [reason.value for reason in reasons]
        if has["未完成原因"] or has["偏差原因"]:
            values["explanation"] = explanation
        if has["纠偏措施"]:
            values["corrective_measures"] = _text(row.get("纠偏措施"))
        return values

    def project_values(self, row: Row, t: Target) -> None:
        values = {}
        if self.has["预算执行数"]:
            raw = row.get("预算执行数")
            earlier = self.projects.get(t.project_id)
            if earlier is not None and raw == earlier.get("_raw_spent", _UNSET):
                values["spent"] = earlier["spent"]  # the merged cell, filled down
            else:
                try:
                    spent = decimal_in(raw, places=2, max_digits=14)
                except ValueError as exc:
                    self.problem(row, "预算执行数", f"预算执行数{exc}")
                    spent = None
                if spent is not None and spent < 0:
                    self.problem(row, "预算执行数", "预算执行数不能为负数")
                values["spent"] = spent
                values["_raw_spent"] = raw
        if self.has["执行率偏低原因"]:
            values["spent_reason"] = _text(row.get("执行率偏低原因"))
        earlier = self.projects.setdefault(t.project_id, values)
        if earlier is values:
            return
        # A project's later rows may leave its columns blank (merged or not repeated).
        for field, column in (("spent", "预算执行数"), ("spent_reason", "执行率偏低原因")):
            new = values.get(field)
            if new in (None, ""):
                continue
            if earlier[field] in (None, ""):
                earlier[field] = new
            elif earlier[field] != new:
                self.problem(row, column, f"同一项目“{t.project}”的{column}前后不一致"
                                          f"（第{self.first_rows[t.project_id]}行为“{earlier[field]}”）")


_UNSET = object()


def _decimal(raw, places: int, digits: int):
    """A number to compare with a stored one; None (a mismatch) when it is not one."""
    try:
        return decimal_in(raw, places=places, max_digits=digits)
    except ValueError:
        return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
