"""Write 表13 target rows into the database: units, projects, goals and indicators.

One service for every source (Excel import, the published document, the seed). It validates
everything first and reports every problem with its row; then it writes all or nothing, in
a constant number of queries per batch (no per-row query), so a 100,000-row file stays fast.
Re-applying the same rows changes nothing; a changed target updates its indicator in place,
so values already entered for it stay.

Every row written gets one `updated_at` per run (bulk_update and the raw upsert do not apply
auto_now, so it is set here); rows that did not change are not written, so their stamp, and any
page cached under it, stays.

Targets already in use (values entered, an adjustment approved, a proposal open) are not
overwritten: the rows of such a project become an adjustment proposal, and a project new in a
year underway a 年中追加 proposal (services.imported_adjustments, docs/adjustments.md); `replace`
refuses such projects before writing anything.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.utils import timezone

from budget.models import Project, ProjectCategory, Unit
from performance.domain import Direction, Grade, Operator, TargetRow
from performance.lengths import max_length, too_long
from performance.models import (
    AnnualGoal,
    Indicator,
    IndicatorLevel1,
    IndicatorLevel2,
    TargetVersion,
)
from performance.services.upsert import upsert_tuples
from performance.workflow import Channel

from .adjustments import copy_in_force
from .imported_adjustments import REPLACE_REFUSED, Notice, Proposer, projects_in_use, year_underway

# The fields a 表13 row sets; source_row only says where the row was last read from, so a row
# that merely moved in the file is not a change.
COMPARED_FIELDS = (
    "level1_id",
    "level2_id",
    "operator",
    "target_value",
    "target_grade",
    "unit",
    "weight",
    "direction",
    "position",
)
BATCH = 2000


@dataclass(frozen=True)
class Problem:
    """A problem with one row: `第N行 [列名] 原因`."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        where = f"第{self.row}行 " if self.row is not None else ""
        return f"{where}[{self.column}] {self.message}"


class TargetsError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class TargetsResult:
    units_created: int = 0
    projects_created: int = 0
    projects_updated: int = 0
    indicators_created: int = 0
    indicators_updated: int = 0
    indicators_unchanged: int = 0
    indicators_removed: int = 0
    missing: list[str] = field(default_factory=list)  # "项目 / 指标" kept in the db, absent from rows
    # projects in use (or added mid-year): what was proposed, or why nothing was done
    notices: list[Notice] = field(default_factory=list)
    dry_run: bool = False

    @property
    def proposals(self) -> int:
        return sum(1 for notice in self.notices if notice.proposal)

    @property
    def changed(self) -> bool:
        return bool(
            self.units_created
            or self.projects_created
            or self.projects_updated
            or self.indicators_created
            or self.indicators_updated
            or self.indicators_removed
            or self.proposals
        )

    def summary(self) -> str:
        text = (
            f"新增单位 {self.units_created} 个，新增项目 {self.projects_created} 个，"
            f"更新项目 {self.projects_updated} 个；新增指标 {self.indicators_created} 个，"
            f"更新指标 {self.indicators_updated} 个，未变 {self.indicators_unchanged} 个"
        )
        if self.indicators_removed:
            text += f"，删除指标 {self.indicators_removed} 个"
        if self.missing:
            text += f"；文件中缺少、数据库中保留的指标 {len(self.missing)} 个"
        if self.notices:
            text += (f"；已有填报数据、已批复调整或年中追加的项目 {len(self.notices)} 个未直接改写，"
                     f"生成调整申请 {self.proposals} 份（草稿，需填写理由后提交审核）")
        return text + ("（试运行，未写入）" if self.dry_run else "")


class _DryRun(Exception):
    pass


def apply_targets(
    year: int,
    rows: list[TargetRow],
    *,
    replace: bool = False,
    dry_run: bool = False,
    category: str = ProjectCategory.SPECIFIC,
    functional_subject=None,
    user=None,
    channel: str = Channel.COMMAND,
    source_name: str = "",
) -> TargetsResult:
    """Validate and write `rows` for `year`; raise TargetsError listing every problem.

    Proposals for projects in use are made by `user` (None: the administrator at the command
    line) through `channel`; their reason names the file `source_name`."""
    levels = _level_lookup()
    problems = _validate(rows, levels)
    if problems:
        raise TargetsError(problems)
    result = TargetsResult(dry_run=dry_run)
    proposer = Proposer(levels, user=user, channel=channel, source_name=source_name,
                        dry_run=dry_run)
    try:
        with transaction.atomic():
            _write(year, rows, levels, result, replace, category, functional_subject, proposer)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _level_lookup() -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (level2.level1.name, level2.name): (level2.level1_id, level2.id)
        for level2 in IndicatorLevel2.objects.select_related("level1")
    }


def _validate(rows: list[TargetRow], levels) -> list[Problem]:
    problems: list[Problem] = []
    level1_names = set(IndicatorLevel1.objects.values_list("name", flat=True))
    seen: dict[tuple[str, str, str], int | None] = {}
    project_facts: dict[tuple[str, str], tuple] = {}
    limits = _length_limits()
    text_limits = {attribute: limit for _, _, _, attribute, limit in limits}
    name_limit, unit_limit = text_limits["name"] or 1 << 30, text_limits["unit"] or 1 << 30
    heads_within: set[tuple] = set()  # unit and project texts already found within limits
    for row in rows:
        # the full check only where a text could be too long: a project's unit and name
        # repeat on each of its rows, so they are measured once
        head = (row.unit_code, row.unit_name, row.project_name)
        if (head not in heads_within or len(row.name or "") > name_limit
                or len(row.unit or "") > unit_limit):
            found = _length_problems(row, limits)
            problems += found
            if not found:
                heads_within.add(head)
        if row.level1 not in level1_names:
            problems.append(Problem(row.source_row, "一级指标", f"未知的一级指标“{row.level1}”"))
        elif (row.level1, row.level2) not in levels:
            problems.append(
                Problem(
                    row.source_row,
                    "二级指标",
                    f"一级指标“{row.level1}”下没有二级指标“{row.level2}”"
                    "（地方增设的二级指标请先在管理后台“二级指标”中添加）",
                )
            )
        key = (row.unit_code, row.project_name, row.name)
        if key in seen:
            first = seen[key]
            problems.append(
                Problem(
                    row.source_row,
                    "三级指标",
                    f"项目“{row.project_name}”中指标“{row.name}”重复"
                    + (f"（与第{first}行）" if first else ""),
                )
            )
        else:
            seen[key] = row.source_row
        facts = (row.unit_name, row.budget, row.goal)
        project_key = (row.unit_code, row.project_name)
        earlier = project_facts.setdefault(project_key, facts)
        if earlier[1] != row.budget:
            problems.append(
                Problem(row.source_row, "预算数", f"同一项目的预算数前后不一致（{earlier[1]} 与 {row.budget}）")
            )
        if row.weight is None or row.weight <= 0:
            problems.append(Problem(row.source_row, "权重", "权重必须大于 0"))
        if row.operator == Operator.QUALITATIVE:
            if row.target_grade is None:
                problems.append(Problem(row.source_row, "指标值", "定性指标的指标值应为优/良/中/差"))
        elif row.target_value is None:
            problems.append(Problem(row.source_row, "指标值", "定量指标的指标值应为数字"))
    return problems


_LENGTHS = (("单位代码", Unit, "code", "unit_code"), ("单位名称", Unit, "name", "unit_name"),
            ("项目名称", Project, "name", "project_name"), ("三级指标", Indicator, "name", "name"),
            ("度量单位", Indicator, "unit", "unit"))


def _length_problems(row: TargetRow, limits=None) -> list[Problem]:
    """Text longer than its column, whatever the source (PostgreSQL would refuse it with an
    error, SQLite would store it): `第12行 [项目名称] 长度 300 超过上限 200 个字符`.
    `limits` (from _length_limits) saves reading the fields' limits again for each row."""
    problems = []
    for column, model, field_name, attribute, limit in limits or _length_limits():
        value = getattr(row, attribute)
        # too_long only for a value over the limit: the message stays too_long's own
        if (limit is not None and value is not None and len(str(value)) > limit
                and (message := too_long(model, field_name, value)) is not None):
            problems.append(Problem(row.source_row, column, message))
    return problems


def _length_limits() -> list[tuple]:
    return [(column, model, field_name, attribute, max_length(model, field_name))
            for column, model, field_name, attribute in _LENGTHS]


def _write(year, rows, levels, result, replace, category, functional_subject, proposer):
    now = timezone.now()
    unit_names = {row.unit_code: row.unit_name for row in rows}
    units = {u.code: u for u in Unit.objects.filter(code__in=unit_names)}
    by_project: dict[tuple[str, str], list[TargetRow]] = defaultdict(list)
    for row in rows:
        by_project[(row.unit_code, row.project_name)].append(row)

    # Read first: which of the file's projects exist and which of them are in use, so that
    # `replace` refuses before anything is written.
    existing = Project.objects.filter(year=year, unit_id__in=[u.id for u in units.values()])
    projects = {(p.unit.code, p.name): p for p in existing.select_related("unit")}
    in_use_ids = projects_in_use(existing) if projects else set()
    in_use = {key: projects[key] for key in by_project
              if key in projects and projects[key].id in in_use_ids}
    if replace and in_use:
        raise TargetsError([Problem(by_project[key][0].source_row, "项目名称",
                                    REPLACE_REFUSED.format(name=key[1])) for key in in_use])
    midyear_keys = set()
    if any(key not in projects for key in by_project) and year_underway(year):
        midyear_keys = {key for key in by_project if key not in projects}

    new_units = [Unit(code=code, name=name) for code, name in unit_names.items() if code not in units]
    Unit.objects.bulk_create(new_units, batch_size=BATCH)
    result.units_created = len(new_units)
    units.update({u.code: u for u in Unit.objects.filter(code__in=[u.code for u in new_units])})

    new_projects, changed_projects = [], []
    for (unit_code, name), project_rows in by_project.items():
        first = project_rows[0]
        project = projects.get((unit_code, name))
        if project is None:
            new_projects.append((unit_code, name, first.budget))
        elif (unit_code, name) in in_use:
            continue
        # 调整后 表13 prints the 调整后预算数 as 预算数: the same figure is no change
        elif first.budget not in (project.budget_amount, project.adjusted_amount):
            project.budget_amount = first.budget
            project.updated_at = now
            changed_projects.append(project)
    # Plain tuples through one executemany: bulk_create would build a model instance per
    # project and have Django rewrite each 999-parameter statement.
    subject_id = getattr(functional_subject, "pk", functional_subject)
    upsert_tuples(Project, ("unit_id", "year", "name", "category", "functional_subject_id",
                            "budget_amount"),
                  [(units[code].id, year, name, category, subject_id, budget)
                   for code, name, budget in new_projects],
                  unique=None, update=[], constants={"updated_at": now})
    Project.objects.bulk_update(changed_projects, ["budget_amount", "updated_at"], batch_size=BATCH)
    if new_projects:
        unit_ids = [u.id for u in units.values()]
        projects = {
            (p.unit.code, p.name): p
            for p in Project.objects.filter(year=year, unit_id__in=unit_ids).select_related("unit")
        }
    direct = {key: projects[key] for key in by_project
              if key not in in_use and key not in midyear_keys}
    created_ids = {projects[(code, name)].id for code, name, _ in new_projects}
    goal_changed = _write_goals(direct, by_project, now)
    # A project created in this run counts as created, not also as updated.
    updated_ids = ({p.id for p in changed_projects} | goal_changed) - created_ids
    result.projects_created, result.projects_updated = len(created_ids), len(updated_ids)
    _write_indicators(direct, by_project, levels, result, replace, now, created_ids)
    _refresh_initial_versions([p.id for p in direct.values() if p.id not in created_ids])

    result.indicators_unchanged += proposer.adjust(in_use, by_project)
    proposer.midyear({key: projects[key] for key in by_project if key in midyear_keys},
                     by_project)
    result.notices = proposer.notices
    if proposer.problems:
        raise TargetsError([Problem(row, "调整申请", text) for row, text in proposer.problems])


def _refresh_initial_versions(project_ids) -> None:
    """Version 1 kept as rows (once a proposal was made, since withdrawn) of projects written
    directly: it is what the import now wrote, so later proposals start from it."""
    for version in TargetVersion.objects.filter(project_id__in=project_ids,
                                                number=1).select_related("project"):
        copy_in_force(version)


def _write_goals(projects, by_project, now) -> set[int]:
    """Create or update the 年度目标; return the ids of the projects whose goal changed."""
    # ids, not instances: Django resolves each instance of an IN list on its own (slow)
    goals = {g.project_id: g for g in AnnualGoal.objects.filter(
        project_id__in=[project.id for project in projects.values()])}
    new_goals, changed_goals = [], []
    for key, project in projects.items():
        text = by_project[key][0].goal
        goal = goals.get(project.id)
        if goal is None:
            if text:
                new_goals.append((project.id, text))
        elif goal.text != text:
            goal.text = text
            goal.updated_at = now
            changed_goals.append(goal)
    upsert_tuples(AnnualGoal, ("project_id", "text"), new_goals, unique=None, update=[],
                  constants={"updated_at": now})
    AnnualGoal.objects.bulk_update(changed_goals, ["text", "updated_at"], batch_size=BATCH)
    return {project_id for project_id, _ in new_goals} | {g.project_id for g in changed_goals}


def _stored_indicators(project_ids: list[int]):
    """(project_id, name, id, *COMPARED_FIELDS) of the projects' indicators as the driver
    returns them: Django's per-value converters (a Decimal built and quantized for each
    target and weight on SQLite) cost about a second per 100,000 rows, for a comparison."""
    query = Indicator.objects.filter(project_id__in=project_ids).values_list(
        "project_id", "name", "id", *COMPARED_FIELDS).query
    try:
        sql, params = query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # no project ids
        return
    # a server-side cursor on PostgreSQL (as QuerySet.iterator): the client holds 5,000 rows,
    # not the 100,000 of a year (a re-import's peak was 77 MB above its start)
    server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    # the values repeat (targets, weights, units, levels): one object each, not one a row
    pools: list[dict] = [{} for _ in COMPARED_FIELDS]
    with connection.chunked_cursor() if server_side else connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            for project_id, name, pk, *compared in rows:
                yield (project_id, name, pk,
                       *[pool.setdefault(v, v) for pool, v in zip(pools, compared, strict=True)])


def _enum_texts() -> dict:
    """Stored text of each operator, grade and direction (an enum member's .value is a slow
    descriptor, read three times per row otherwise); None → ''."""
    return {None: "", **{member: member.value
                         for enum in (Operator, Grade, Direction) for member in enum}}


def _write_indicators(projects, by_project, levels, result, replace, now, created_ids):
    existing: dict[int, dict[str, tuple]] = defaultdict(dict)
    for row in _stored_indicators([project.id for project in projects.values()]):
        existing[row[0]][row[1]] = row[2:]
    # SQLite returns a decimal column as int or float: the file's Decimals are compared as
    # floats there (exact for the ≤ 15 significant digits a float holds, as Django's own
    # converter assumes); PostgreSQL returns Decimals.
    as_stored = float if connection.vendor == "sqlite" else None
    texts = _enum_texts()
    writes = []
    for key, project in projects.items():
        current = existing.get(project.id, {})
        for position, row in enumerate(by_project[key], start=1):
            level1_id, level2_id = levels[(row.level1, row.level2)]
            values = (
                level1_id,
                level2_id,
                texts[row.operator],
                row.target_value,
                texts[row.target_grade],
                row.unit,
                row.weight,
                texts[row.direction],
                position,
            )
            stored = current.pop(row.name, None)
            if stored is not None and as_stored is not None:
                compared = (*values[:3],
                            None if row.target_value is None else as_stored(row.target_value),
                            *values[4:6], as_stored(row.weight), *values[7:])
            else:
                compared = values
            if stored is not None and stored[1:] == compared:
                result.indicators_unchanged += 1
                continue
            if stored is None:
                result.indicators_created += 1
            else:
                result.indicators_updated += 1
            writes.append((project.id, row.name, row.source_row, *values))
        for name in current:
            result.missing.append(f"{project.name} / {name}")
    if replace and result.missing:
        leftover = [stored[0] for project in projects.values()
                    for stored in existing.get(project.id, {}).values()]
        result.indicators_removed = Indicator.objects.filter(id__in=leftover).delete()[1].get(
            "performance.Indicator", 0
        )
    # The indicators of projects created in this run are plain INSERTs (on PostgreSQL one COPY,
    # not staged for an upsert: about a second of an empty database's 100,000 rows): until
    # commit no other transaction can see those projects, let alone give them indicators. The
    # others go by INSERT … ON CONFLICT, which creates new rows and updates changed ones in
    # place (their id, and so the values entered against them, stay). Only new and changed rows
    # are in `writes`, so an unchanged indicator keeps its updated_at.
    names = ("project_id", "name", "source_row", *COMPARED_FIELDS)
    inserts = [write for write in writes if write[0] in created_ids]
    upserts = [write for write in writes if write[0] not in created_ids]
    if inserts:
        upsert_tuples(Indicator, names, inserts, unique=None, update=[],
                      constants={"updated_at": now})
    if upserts:
        upsert_tuples(Indicator, names, upserts, unique=["project", "name"],
                      update=[*COMPARED_FIELDS, "source_row", "updated_at"],
                      constants={"updated_at": now})
