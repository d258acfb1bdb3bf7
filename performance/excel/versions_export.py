"""A project's versions of its targets as a workbook (docs/adjustments.md): what was approved at
the start of the year, each adjustment or 年中追加 with its changes and reasons, and every step
of their approval.

One sheet per version, because a finance clerk reads (and prints, and files) each version as a
table of its own, the way 表13 is read, with the change and its reason beside each indicator;
a first sheet 版本一览 lists the versions one a row (their numbers, budgets and dates as cells,
to sort or sum), and a last sheet 审核记录 every step. Text from the data that a spreadsheet
would run as a formula stays text (sheets.SheetWriter.cell)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from openpyxl import Workbook

from performance.chain import VersionStatus
from performance.domain import Operator
from performance.models import AnnualGoal, Indicator, RowChange, TargetVersion, VersionKind
from performance.services.adjustments import COMPARED, diff, version_history

from .sheets import BOLD, CENTER, FONT, HEADER_FILL, SheetWriter, new_workbook, number

LIST_HEADERS = ("版本号", "类型", "状态", "生效日期", "预算数（万元）", "调整后预算数（万元）",
                "预算调整原因", "调整原因", "年度目标", "调整前版本", "申请人", "申请时间",
                "提交时间", "批复人", "批复时间")
LIST_WIDTHS = [8, 14, 16, 12, 14, 16, 30, 40, 50, 10, 10, 17, 17, 10, 17]
ROW_HEADERS = ("序号", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重",
               "指标方向性", "调整情况", "调整内容（原 → 新）", "调整理由")
ROW_WIDTHS = [6, 12, 14, 36, 8, 10, 10, 8, 11, 10, 40, 40]
STEP_HEADERS = ("版本号", "操作", "审核层级", "原状态", "新状态", "意见或原因", "操作人", "时间",
                "途径")
STEP_WIDTHS = [8, 12, 14, 16, 16, 50, 12, 17, 12]
FIELD_LABELS = {"level1_id": "一级指标", "level2_id": "二级指标", "name": "三级指标",
                "operator": "指标性质", "target_value": "指标值", "target_grade": "指标值",
                "unit": "度量单位", "weight": "权重", "direction": "指标方向性"}
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"


@dataclass
class _Line:
    level1: str
    level2: str
    name: str
    operator: str
    target: object
    unit: str
    weight: object
    direction: str
    change: str = ""
    detail: str = ""
    reason: str = ""


@dataclass
class _Version:
    """A version as the workbook shows it (for a project never adjusted: its Indicator rows)."""

    number: int
    kind: str
    status: str
    effective_from: date | None
    budget: object
    adjusted: object
    budget_reason: str = ""
    reason: str = ""
    goal: str = ""
    based_on: int | None = None
    created_by: str = ""
    created_at: object = None
    submitted_at: object = None
    decided_by: str = ""
    decided_at: object = None
    lines: list[_Line] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"第{self.number}版（{VersionKind(self.kind).label}）"


def versions_workbook(project) -> Workbook:
    """Every version of `project`'s targets, with its indicators and its approval steps."""
    history = version_history(project)
    numbers = {v.id: v.number for v in history}
    versions = [_from_version(v, numbers) for v in history] or [_from_indicators(project)]
    current = max((v.number for v in versions if v.status == VersionStatus.APPROVED), default=None)
    workbook = new_workbook()
    _list_sheet(workbook, project, versions, current)
    for version in versions:
        _version_sheet(workbook, project, version, current)
    _steps_sheet(workbook, project, history)
    return workbook


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _local(moment):
    """An aware datetime as a local one without its zone (Excel cells have none)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _target(operator, value, grade):
    return grade if operator == Operator.QUALITATIVE else number(value)


def _shown(row, name: str) -> str:
    if name == "level1_id":
        return row.level1.name
    if name == "level2_id":
        return row.level2.name
    if name in ("target_value", "target_grade"):
        return str(row.target_display)
    value = getattr(row, name)
    return str(number(value)) if name == "weight" else str(value or "")


def _detail(line) -> str:
    """`指标值：2 → 3；权重：4 → 8` for a changed indicator."""
    if line.change != RowChange.CHANGED or line.old is None:
        return ""
    parts, seen = [], set()
    for name in COMPARED:
        label = FIELD_LABELS[name]
        if name in line.changed_fields and label not in seen:
            seen.add(label)
            parts.append(f"{label}：{_shown(line.old, name)} → {_shown(line.new, name)}")
    return "；".join(parts)


def _from_version(version: TargetVersion, numbers: dict[int, int]) -> _Version:
    lines = [_Line(level1=d.new.level1.name, level2=d.new.level2.name, name=d.new.name,
                   operator=d.new.operator,
                   target=_target(d.new.operator, d.new.target_value, d.new.target_grade),
                   unit=d.new.unit, weight=number(d.new.weight), direction=d.new.direction,
                   change=RowChange(d.change).label if version.number > 1 or
                   version.kind != VersionKind.INITIAL else "",
                   detail=_detail(d), reason=d.new.reason)
             for d in diff(version)]
    shown = _Version(
        number=version.number, kind=version.kind, status=version.status,
        effective_from=version.effective_from, budget=version.budget_amount,
        adjusted=version.adjusted_amount, budget_reason=version.budget_reason,
        reason=version.reason, goal=version.goal, based_on=numbers.get(version.based_on_id),
        lines=lines)
    if version.kind != VersionKind.INITIAL:
        # version 1 is kept by the system when the first adjustment is proposed: its stamps
        # are that moment's, not the 年初批复's, so they are not shown as if they were
        shown.created_by, shown.created_at = _person(version.created_by), version.created_at
        shown.submitted_at = version.submitted_at
        shown.decided_by, shown.decided_at = _person(version.decided_by), version.decided_at
    return shown


def _from_indicators(project) -> _Version:
    """A project never adjusted: its Indicator rows are version 1 (年初批复)."""
    indicators = (Indicator.objects.filter(project=project).select_related("level1", "level2")
                  .order_by("position", "id"))
    goal = AnnualGoal.objects.filter(project=project).values_list("text", flat=True).first()
    return _Version(
        number=1, kind=VersionKind.INITIAL, status=VersionStatus.APPROVED,
        effective_from=date(project.year, 1, 1), budget=project.budget_amount,
        adjusted=project.adjusted_amount, goal=goal or "",
        lines=[_Line(level1=i.level1.name, level2=i.level2.name, name=i.name,
                     operator=i.operator, target=_target(i.operator, i.target_value,
                                                         i.target_grade),
                     unit=i.unit, weight=number(i.weight), direction=i.direction)
               for i in indicators])


def _status(version: _Version, current) -> str:
    text = VersionStatus(version.status).label
    return text + "（现行）" if version.number == current else text


def _list_sheet(workbook, project, versions, current) -> None:
    sheet = SheetWriter(workbook, "版本一览", LIST_WIDTHS)
    sheet.title(f"{project.unit.code}-{project.unit.name} {project.name}（{project.year} 年度）"
                "绩效目标版本")
    sheet.header(LIST_HEADERS)
    for v in versions:
        sheet.append([
            sheet.cell(v.number, align=CENTER), sheet.cell(VersionKind(v.kind).label),
            sheet.cell(_status(v, current)), sheet.cell(v.effective_from, fmt=DATE),
            sheet.cell(number(v.budget), fmt="0.00"),
            sheet.cell(number(v.adjusted), fmt="0.00" if v.adjusted is not None else None),
            sheet.cell(v.budget_reason), sheet.cell(v.reason), sheet.cell(v.goal),
            sheet.cell(v.based_on, align=CENTER), sheet.cell(v.created_by),
            sheet.cell(_local(v.created_at), fmt=DATETIME),
            sheet.cell(_local(v.submitted_at), fmt=DATETIME), sheet.cell(v.decided_by),
            sheet.cell(_local(v.decided_at), fmt=DATETIME)])


def _version_sheet(workbook, project, version: _Version, current) -> None:
    sheet = SheetWriter(workbook, f"第{version.number}版", ROW_WIDTHS)
    sheet.title(f"{project.name} {version.label}")
    effective = f"{version.effective_from:%Y-%m-%d}" if version.effective_from else "批复时确定"
    adjusted = f"{number(version.adjusted)} 万元" if version.adjusted is not None else "—"
    sheet.note(f"状态：{_status(version, current)}；生效日期：{effective}；"
               f"预算数：{number(version.budget)} 万元；调整后预算数：{adjusted}")
    for label, text in (("调整原因", version.reason), ("预算调整原因", version.budget_reason),
                        ("年度目标", version.goal)):
        if text:
            sheet.note(f"{label}：{text}")
    sheet.header(ROW_HEADERS)
    for index, line in enumerate(version.lines, start=1):
        sheet.append([sheet.cell(index, align=CENTER), sheet.cell(line.level1),
                      sheet.cell(line.level2), sheet.cell(line.name),
                      sheet.cell(line.operator, align=CENTER), sheet.cell(line.target),
                      sheet.cell(line.unit), sheet.cell(line.weight), sheet.cell(line.direction),
                      sheet.cell(line.change, font=BOLD if line.change and line.change !=
                                 RowChange.UNCHANGED.label else FONT,
                                 fill=HEADER_FILL if line.change and line.change !=
                                 RowChange.UNCHANGED.label else None),
                      sheet.cell(line.detail), sheet.cell(line.reason)])


def _steps_sheet(workbook, project, history) -> None:
    sheet = SheetWriter(workbook, "审核记录", STEP_WIDTHS)
    sheet.title(f"{project.name} 目标调整审核记录")
    sheet.header(STEP_HEADERS)
    steps = [(v.number, s) for v in history for s in v.steps.all()]
    for number_, step in steps:
        sheet.append([sheet.cell(number_, align=CENTER), sheet.cell(step.get_action_display()),
                      sheet.cell(step.get_level_display() if step.level else ""),
                      sheet.cell(step.get_from_status_display()),
                      sheet.cell(step.get_to_status_display()), sheet.cell(step.reason),
                      sheet.cell(_person(step.by)), sheet.cell(_local(step.at), fmt=DATETIME),
                      sheet.cell(step.get_channel_display() if step.channel else "")])
    if not steps:
        sheet.note("尚无调整申请的审核记录。")
