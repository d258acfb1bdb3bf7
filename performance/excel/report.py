"""The 自评表/监控表 of one unit and period: as a report (scores from the scoring service,
预算执行情况 (10 分), totals; for a 监控表 also the monitoring lights and the projected year-end
score, computed live by performance.services.snapshot) or as a fill-in template (key columns locked, drop-downs for
grades, likelihood and deviation reasons) whose filled copy `import_actuals` reads back.

In the report an indicator (or the money spent) without a value shows 得分 未填, not 0; a project
with nothing entered shows 未填报 as its 指标得分, 项目总分 and 评价等级 (never 差) and is left
out of the totals row's average.

The report is of a unit or of one project (`project=`); its 状态 column gives each project's
workflow status, so a draft is never mixed in unmarked, and `drafts=False` leaves out the
projects not yet submitted (草稿, 已退回, nothing entered). Quantities, weights, money, rates and
scores are number cells; 定性 grades, 未填 and 未填报 stay text. The period is shown by its name."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from budget.models import Project
from performance.domain import DeviationReason, Grade, Light, Likelihood, Operator
from performance.models import (
    Indicator,
    IndicatorRecord,
    ProjectRecord,
    WorkflowStatus,
    format_decimal,
)
from performance.services.scoring import MISSING, NOT_ENTERED, score_projects
from performance.services.snapshot import lights_for_period
from performance.services.versions import earlier_targets

from .sheets import CENTER, INPUT_FILL, SheetWriter, new_workbook, number

PERCENT = "0.00%"
SCORE = "0.00"
SCORE_COLUMNS = frozenset({"得分", "预算执行得分（10分）", "指标得分", "项目总分", "预计全年得分"})
# not submitted yet: its values may still change (marked, or left out with drafts=False)
UNSUBMITTED = frozenset({WorkflowStatus.DRAFT, WorkflowStatus.RETURNED})
LIGHT_FILLS = {Light.RED: "F4B6B6", Light.YELLOW: "FFE699", Light.GREEN: "C6E0B4",
               Light.BLUE: "BDD7EE"}
LIGHT_COLUMNS = ("监控灯", "执行灯", "项目监控灯")


@dataclass(frozen=True)
class Col:
    header: str
    width: int
    project: bool = False  # merged over the project's rows
    entry: str = ""  # "" (locked), "number", "text", "likelihood", "reasons"
    hidden: bool = False  # the template's bookkeeping: which period and record versions


@dataclass
class Block:
    project: Project
    record: ProjectRecord | None
    indicators: list[tuple[Indicator, IndicatorRecord | None]] = field(default_factory=list)
    result: object = None  # performance.services.scoring.ProjectResult
    lights: object = None  # performance.services.snapshot.ProjectLights (监控表 report)

    @property
    def status(self) -> str:
        """The record's workflow status ("" without a record: nothing entered yet)."""
        return self.record.status if self.record else ""

    @property
    def status_label(self) -> str:
        return WorkflowStatus(self.status).label if self.status else NOT_ENTERED

    @property
    def submitted(self) -> bool:
        return bool(self.status) and self.status not in UNSUBMITTED


def columns(monitoring: bool, template: bool) -> list[Col]:
    cols = [Col("单位名称", 22, True), Col("项目名称", 26, True)]
    if not template:
        cols.append(Col("状态", 8, True))
    cols += [Col("预算数", 10, True),
            Col("年度目标", 30, True), Col("预算执行数", 11, True, "number"),
            Col("执行率偏低原因", 20, True, "text")]
    lights = monitoring and not template
    if not template:
        cols += [Col("预算执行率", 10, True), Col("预算执行得分（10分）", 10, True)]
    if lights:
        cols.append(Col("执行灯", 7, True))
    cols += [Col("一级指标", 10), Col("二级指标", 12), Col("三级指标", 28), Col("指标性质", 8),
             Col("指标值", 9), Col("度量单位", 9), Col("权重", 7), Col("指标方向性", 10),
             Col("当前完成值" if monitoring else "全年实际完成值", 12, entry="measure")]
    if monitoring:
        cols += [Col("全年预计完成值", 12, entry="measure"), Col("完成可能性", 11, entry="likelihood"),
                 Col("偏差原因", 14, entry="reasons"), Col("纠偏措施", 24, entry="text")]
    if lights:
        cols.append(Col("监控灯", 7))
    if not template:
        cols.append(Col("得分", 8))
    cols.append(Col("偏差原因说明" if monitoring else "未完成原因", 30, entry="text"))
    if not template:
        cols += [Col("指标得分", 9, True), Col("项目总分", 9, True), Col("评价等级", 8, True),
                 Col("计分依据目标版本", 16, True)]
    if lights:
        cols += [Col("预计全年得分", 9, True), Col("项目监控灯", 8, True)]
    if template:
        # read back by import_actuals: an upload made from an older copy is merged field by
        # field with what was saved since, never applied over it blindly
        cols += [Col("填报期间代码", 6, hidden=True), Col("项目记录版本", 6, True, hidden=True),
                 Col("指标记录版本", 6, hidden=True)]
    return cols


def kind(period) -> str:
    return "监控表" if period.is_monitoring else "自评表"


def report_workbook(period, unit, *, template: bool = False, project=None,
                    drafts: bool = True) -> Workbook:
    """The unit's report (or `project`'s alone); `drafts=False`: submitted projects only."""
    monitoring = period.is_monitoring
    cols = columns(monitoring, template)
    blocks = _blocks(period, unit, scored=not template, project=project,
                     drafts=drafts or template)
    workbook = new_workbook()
    sheet = SheetWriter(workbook, f"{kind(period)}{'（填报）' if template else ''}",
                        [c.width for c in cols])
    for position, col in enumerate(cols, start=1):  # before the first row: a streamed sheet
        if col.hidden:
            sheet.sheet.column_dimensions[get_column_letter(position)].hidden = True
    title = (f"{period.year} 年 1–{period.cutoff_month} 月项目支出绩效运行监控表" if monitoring
             else f"{period.year} 年度项目支出绩效自评表")
    sheet.title(title)
    named = f"    项目：{project.name}" if project is not None else ""
    note = f"单位：{unit.code}-{unit.name}{named}    期间：{period.name}    金额单位：万元"
    if not template:
        note += f"    {draft_note(blocks, drafts)}"
    if template:
        note += "    黄色单元格填写，其余为已申报内容（已锁定）；定性指标填 优/良/中/差"
    sheet.note(note)
    sheet.header([c.header for c in cols])
    validations = _validations(sheet) if template else {}
    for block in blocks:
        _write_block(sheet, cols, block, template, validations, period)
    if not template:
        _write_totals(sheet, cols, blocks)
    else:
        sheet.sheet.protection.sheet = True
        sheet.sheet.protection.formatColumns = False
        sheet.sheet.protection.formatRows = False
    return workbook


def draft_note(blocks: list[Block], drafts: bool) -> str:
    """What the 状态 column means for the figures: whether unsubmitted projects are in."""
    if not drafts:
        return "只含已提交的项目（草稿、已退回和未填报的项目未列入）"
    if any(not b.submitted for b in blocks):
        return "状态为草稿、已退回或未填报的项目尚未提交，数据可能变动"
    return "所列项目均已提交"


def report_blocks(period, unit, *, project=None, drafts: bool = True) -> list[Block]:
    """The report's projects with their indicators, records, scores and (监控表) lights: what
    the printable page shows too. `project`: that one only; `drafts=False`: submitted only."""
    return _blocks(period, unit, scored=True, project=project, drafts=drafts)


def _blocks(period, unit, *, scored: bool, project=None, drafts: bool = True) -> list[Block]:
    queryset = Project.objects.filter(unit=unit, year=period.year)
    if project is not None:
        queryset = queryset.filter(pk=project.pk)
    if not drafts:
        queryset = queryset.filter(records__period=period, records__status__in=[
            s for s in WorkflowStatus.values if s not in UNSUBMITTED])
    projects = list(queryset.select_related("unit", "goal").order_by("id"))
    records = {r.project_id: r for r in ProjectRecord.objects.filter(period=period,
                                                                      project__in=projects)}
    blocks = {p.id: Block(p, records.get(p.id)) for p in projects}
    indicator_records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
        period=period, indicator__project__in=projects)}
    for indicator in (Indicator.objects.filter(project__in=projects)
                      .select_related("level1", "level2").order_by("project_id", "position", "id")):
        blocks[indicator.project_id].indicators.append(
            (indicator, indicator_records.get(indicator.id)))
    for project_id, earlier in earlier_targets(period, [p.id for p in projects]).items():
        blocks[project_id].indicators = [(indicator, indicator_records.get(indicator.id))
                                         for indicator in earlier.indicators()]
    if scored:
        for result in score_projects(period, Project.objects.filter(
                id__in=[p.id for p in projects])):
            blocks[result.project_id].result = result
    if scored and period.is_monitoring:
        for project_id, lights in lights_for_period(period, projects).items():
            blocks[project_id].lights = lights
    return [b for b in blocks.values() if b.indicators]


def _goal(project) -> str:
    goal = getattr(project, "goal", None)
    return goal.text if goal is not None else ""


def _measure(indicator, value, grade, *, template: bool):
    if indicator.operator == Operator.QUALITATIVE:
        return grade or None
    if template:  # text: "95%" typed in a number cell of the fill-in copy would become 0.95
        return format_decimal(value) or None
    return number(value)


def _write_block(sheet: SheetWriter, cols, block: Block, template: bool, validations,
                 period) -> None:
    project, record, result = block.project, block.record, block.result
    scores = {s.key: s for s in result.score.indicator_scores} if result else {}
    execution = result.score.execution if result else None
    project_values = {
        "单位名称": f"{project.unit.code}-{project.unit.name}", "项目名称": project.name,
        "状态": block.status_label,
        "预算数": number(project.budget_amount), "年度目标": _goal(project),
        "预算执行数": number(record.spent) if record else None,
        "执行率偏低原因": record.spent_reason if record else "",
        "项目记录版本": record.version if record else None,
    }
    if execution is not None:
        empty = result.nothing_entered
        project_values.update({
            "预算执行率": execution.rate_display,
            "预算执行得分（10分）": MISSING if execution.missing else execution.score,
            "指标得分": NOT_ENTERED if empty else result.score.indicator_total,
            "项目总分": NOT_ENTERED if empty else result.score.total,
            "评价等级": NOT_ENTERED if empty else result.score.grade.value,
            "计分依据目标版本": result.version.label})
    lights = block.lights
    if lights is not None:
        project_values.update({
            "执行灯": lights.execution_light, "项目监控灯": lights.light,
            "预计全年得分": lights.projected_total})
    first = None
    for index, (indicator, rec) in enumerate(block.indicators):
        qualitative = indicator.operator == Operator.QUALITATIVE
        score = scores.get(str(indicator.id))
        values = {
            "一级指标": indicator.level1.name, "二级指标": indicator.level2.name,
            "三级指标": indicator.name, "指标性质": indicator.operator,
            "指标值": indicator.target_grade if qualitative else number(indicator.target_value),
            "度量单位": indicator.unit, "权重": number(indicator.weight),
            "指标方向性": indicator.direction,
            "当前完成值": _measure(indicator, rec and rec.actual_value, rec and rec.actual_grade,
                                  template=template),
            "全年预计完成值": _measure(indicator, rec and rec.expected_value,
                                      rec and rec.expected_grade, template=template),
            "完成可能性": rec.likelihood if rec else "",
            "偏差原因": "、".join(rec.deviation_reasons) if rec else "",
            "纠偏措施": rec.corrective_measures if rec else "",
            "得分": (MISSING if score.missing else score.score) if score else None,
            "未完成原因": rec.explanation if rec else "",
            "监控灯": lights.indicators.get(indicator.id) if lights is not None else None,
            "填报期间代码": period.code,
            "指标记录版本": rec.version if rec else None,
        }
        values["全年实际完成值"] = values["当前完成值"]
        values["偏差原因说明"] = values["未完成原因"]
        cells = []
        for col in cols:
            if col.project:
                value = project_values.get(col.header) if index == 0 else None
            else:
                value = values.get(col.header)
            fill = INPUT_FILL if template and col.entry else None
            if col.header in LIGHT_COLUMNS and value is not None:
                fill = PatternFill("solid", fgColor=LIGHT_FILLS[value])
                value = value.label
            editable = template and bool(col.entry)
            fmt = _format(col, value, editable and col.entry == "measure" and not qualitative)
            cells.append(sheet.cell(value, unlocked=editable, fill=fill,
                                    fmt=fmt, align=CENTER if col.project and index else None))
        row = sheet.append(cells)
        first = first or row
        if validations:
            _validate_row(validations, cols, row, qualitative)
    for position, col in enumerate(cols, start=1):
        if col.project:
            sheet.merge(first, row, position)


def _format(col: Col, value, text: bool) -> str | None:
    """The number format of a cell: rates as percentages, scores with two decimals, the
    fill-in copy's measures as text; other numbers as typed (General)."""
    if text:
        return "@"
    if isinstance(value, str) or value is None:
        return None
    if col.header == "预算执行率":
        return PERCENT
    if col.header in SCORE_COLUMNS:
        return SCORE
    return None


def _validations(sheet: SheetWriter) -> dict[str, DataValidation]:
    def listed(values, *, strict=True, prompt=""):
        dv = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True,
                            showErrorMessage=strict, showInputMessage=bool(prompt),
                            prompt=prompt or None, error="请从下拉列表中选择" if strict else None)
        sheet.sheet.data_validations.append(dv)
        return dv

    return {
        "grade": listed([g.value for g in Grade]),
        "likelihood": listed([v.value for v in Likelihood]),
        "reasons": listed([v.value for v in DeviationReason], strict=False,
                          prompt="可多选，用顿号分隔，如：经费、人员"),
    }


def _validate_row(validations, cols, row: int, qualitative: bool) -> None:
    for position, col in enumerate(cols, start=1):
        ref = f"{get_column_letter(position)}{row}"
        if col.entry == "measure" and qualitative:
            validations["grade"].add(ref)
        elif col.entry in ("likelihood", "reasons"):
            validations[col.entry].add(ref)


def _write_totals(sheet: SheetWriter, cols, blocks: list[Block]) -> None:
    budget = sum((b.project.budget_amount for b in blocks), start=Decimal(0))
    spent = sum((b.record.spent for b in blocks if b.record and b.record.spent is not None),
                start=Decimal(0))
    # 未填报 projects have no total to average (theirs, 0, is no score)
    totals = [b.result.score.total for b in blocks if b.result and not b.result.nothing_entered]
    values = {"单位名称": "合计", "预算数": budget, "预算执行数": spent,
              "预算执行率": (spent / budget).quantize(Decimal("0.0001")) if budget else None,
              "项目总分": (sum(totals) / len(totals)).quantize(Decimal("0.01")) if totals else None,
              "评价等级": ("（项目总分为平均分）" if len(totals) == len(blocks)
                       else "（项目总分为已填报项目的平均分）") if totals else ""}
    sheet.append([sheet.cell(values.get(c.header), fmt=_format(c, values.get(c.header), False))
                  for c in cols])
