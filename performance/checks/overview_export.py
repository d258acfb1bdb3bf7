"""The 抽查复核 overview of a period as a workbook (docs/checks.md): 单位偏差 (one row a unit and
the total), 等级变化项目 (the concluded checks whose grade differs from the self-evaluation's)
and 复核明细 (every indicator of every sampled project, self-score beside 复核 score, with the
budget execution as each project's first row). Text from the data that a spreadsheet would run
as a formula stays text (performance.excel.sheets.SheetWriter.cell).

Queries: one for the overview, one for the checks, one for their scores, and scoring's own
constant number for the sampled projects (performance.services.scoring.score_projects)."""

from __future__ import annotations

from budget.models import Project
from performance.excel.sheets import BOLD, CENTER, FONT, SheetWriter, new_workbook, number
from performance.models import CheckedProject, CheckScore
from performance.services.scoring import current_policy, score_projects

from .overview import DEVIATION_DANGER, DEVIATION_WARNING, Overview, period_overview
from .sidebyside import Entry, Side, side_by_side

SCORE = "0.00"
UNIT_HEADERS = ("单位代码", "单位名称", "抽查项目数", "已复核项目数", "平均自评得分",
                "平均复核得分", "自评偏差", "等级变化项目数")
UNIT_WIDTHS = [10, 36, 10, 12, 12, 12, 10, 14]
CHANGED_HEADERS = ("单位代码", "单位名称", "项目名称", "自评得分", "自评等级", "复核得分",
                   "复核等级", "自评偏差")
CHANGED_WIDTHS = [10, 36, 40, 10, 10, 10, 10, 10]
DETAIL_HEADERS = ("单位代码", "单位名称", "项目名称", "复核状态", "一级指标", "二级指标",
                  "三级指标", "权重", "自评得分", "复核得分", "差异（复核−自评）", "扣分原因",
                  "复核意见")
DETAIL_WIDTHS = [10, 30, 36, 10, 12, 14, 36, 8, 10, 10, 12, 40, 40]
EXECUTION = "预算执行率"


def overview_workbook(period, overview: Overview | None = None):
    policy = current_policy()
    overview = overview or period_overview(period, policy)
    workbook = new_workbook()
    _units_sheet(workbook, period, overview)
    _changed_sheet(workbook, period, overview)
    _detail_sheet(workbook, period, policy)
    return workbook


def _score_cell(sheet, value, font=FONT):
    return sheet.cell(number(value), font=font, fmt=SCORE if value is not None else None)


def _units_sheet(workbook, period, overview: Overview) -> None:
    sheet = SheetWriter(workbook, "单位偏差", UNIT_WIDTHS)
    sheet.title(f"{period.code} {period.name} 抽查复核 单位自评偏差")
    sheet.note("自评偏差 = 平均自评得分 − 平均复核得分，只计已复核（复核完成）的项目；"
               f"偏差 ≥ {DEVIATION_WARNING} 分需关注，≥ {DEVIATION_DANGER} 分偏差较大。")
    sheet.header(UNIT_HEADERS)
    for line in [*overview.units, overview.total]:
        font = BOLD if line.unit_id is None else FONT  # the total line in bold
        sheet.append([sheet.cell(line.code, font=font), sheet.cell(line.name, font=font),
                      sheet.cell(line.sampled, font=font, align=CENTER),
                      sheet.cell(line.concluded, font=font, align=CENTER),
                      _score_cell(sheet, line.self_average, font),
                      _score_cell(sheet, line.check_average, font),
                      _score_cell(sheet, line.deviation, font),
                      sheet.cell(line.grade_changed, font=font, align=CENTER)])


def _changed_sheet(workbook, period, overview: Overview) -> None:
    sheet = SheetWriter(workbook, "等级变化项目", CHANGED_WIDTHS)
    sheet.title(f"{period.code} {period.name} 复核后等级变化的项目")
    sheet.header(CHANGED_HEADERS)
    for p in overview.changed:
        sheet.append([sheet.cell(p.unit_code), sheet.cell(p.unit_name), sheet.cell(p.project_name),
                      _score_cell(sheet, p.self_total), sheet.cell(p.self_grade, align=CENTER),
                      _score_cell(sheet, p.check_total), sheet.cell(p.check_grade, align=CENTER),
                      _score_cell(sheet, p.deviation)])
    if not overview.changed:
        sheet.note("没有复核后等级变化的项目。")


def _detail_sheet(workbook, period, policy) -> None:
    sheet = SheetWriter(workbook, "复核明细", DETAIL_WIDTHS)
    sheet.title(f"{period.code} {period.name} 复核明细（自评与复核逐项对照）")
    sheet.note("复核得分留空：该指标尚未复核（复核中按自评得分计）。")
    sheet.header(DETAIL_HEADERS)
    checks = list(CheckedProject.objects.filter(period=period)
                  .order_by("project__unit__code", "project__name", "id")
                  .values_list("id", "project_id", "project__unit__code", "project__unit__name",
                               "project__name", "status", "execution_score", "verified_spent",
                               "execution_note"))
    entries: dict[int, dict[int, Entry]] = {}
    for checked_id, indicator_id, score, reason, opinion, weight in (
            CheckScore.objects.filter(checked__period=period).order_by()
            .values_list("checked_id", "indicator_id", "score", "deduction_reason", "opinion",
                         "weight")):
        entries.setdefault(checked_id, {})[indicator_id] = Entry(score, reason, opinion, weight)
    results = {r.project_id: r for r in score_projects(
        period, Project.objects.filter(checks__period=period), policy)}
    labels = dict(CheckedProject._meta.get_field("status").choices)
    for (checked_id, project_id, code, unit_name, name, status, override, verified,
         note) in checks:
        view = side_by_side(results[project_id], entries.get(checked_id, {}),
                            Side(override, verified), policy)
        head = [sheet.cell(code), sheet.cell(unit_name), sheet.cell(name),
                sheet.cell(labels.get(status, status), align=CENTER)]
        sheet.append([*head, sheet.cell(""), sheet.cell(""), sheet.cell(EXECUTION),
                      sheet.cell(number(policy.execution_weight)),
                      _score_cell(sheet, view.execution_self),
                      _score_cell(sheet, view.execution_check),
                      _score_cell(sheet, view.execution_difference), sheet.cell(""),
                      sheet.cell(note)])
        for row in view.rows:
            sheet.append([*head, sheet.cell(row.level1), sheet.cell(row.level2),
                          sheet.cell(row.name), sheet.cell(number(row.weight)),
                          _score_cell(sheet, row.self_score), _score_cell(sheet, row.check_score),
                          _score_cell(sheet, row.difference), sheet.cell(row.deduction_reason),
                          sheet.cell(row.opinion)])
