"""The 结果应用 workbook: 结果应用建议 (every column of the list, one row a project) and 单位汇总
(one line a unit and the total). Text from the data that a spreadsheet would run as a formula
stays text (performance.excel.sheets.SheetWriter.cell). Rows are streamed in chunks."""

from __future__ import annotations

from django.utils import timezone

from performance.excel.sheets import BOLD, CENTER, FONT, SheetWriter, new_workbook, number
from performance.services.record_fields import who

from .listing import ACTIONS, decorate, page_rows, unit_summary

MONEY = "0.00"
CHUNK = 500
SOURCES = {"self": "自评", "check": "复核"}
HEADERS = ("单位代码", "单位名称", "项目名称", "本年度预算数（万元）", "得分", "评价等级",
           "等级来源", "建议", "压缩比例（%）", "建议下年度预算（万元）", "调整后建议",
           "调整后压缩比例（%）", "调整后建议预算（万元）", "调整理由", "调整人", "调整时间",
           "最终建议", "最终压缩比例（%）", "最终建议预算（万元）", "提示", "上年度项目",
           "上年度等级与建议")
WIDTHS = [10, 30, 36, 14, 8, 8, 8, 12, 10, 14, 12, 10, 14, 36, 10, 16, 12, 10, 14, 20, 30, 18]
SUMMARY_HEADERS = ("单位代码", "单位名称", "项目数", *ACTIONS.values(), "其中财政调整",
                   "本年度预算合计（万元）", "建议下年度预算合计（万元）")


def results_workbook(period, rows):
    workbook = new_workbook()
    _detail(workbook, period, rows)
    _summary(workbook, period, rows)
    return workbook


def _money(sheet, value, font=FONT):
    return sheet.cell(number(value), font=font, fmt=MONEY if value is not None else None)


def _detail(workbook, period, rows) -> None:
    sheet = SheetWriter(workbook, "结果应用建议", WIDTHS)
    sheet.title(f"{period.code} {period.name} 结果应用建议（下一年度预算安排）")
    sheet.note("评价等级：已复核的项目按复核等级，其余按单位自评等级；最终建议：财政调整过的按调整，"
               "否则按规则计算。")
    sheet.header(HEADERS)
    ordered = page_rows(rows)
    start = 0
    while True:
        chunk = list(ordered[start:start + CHUNK])
        if not chunk:
            break
        start += CHUNK
        decorate(chunk, period)
        for row in chunk:
            sheet.append(_line(sheet, row))


def _line(sheet, row) -> list:
    project = row.project
    done = bool(row.override_action)
    at = timezone.localtime(row.overridden_at).strftime("%Y-%m-%d %H:%M") if done else ""
    previous = row.previous
    return [
        sheet.cell(project.unit.code), sheet.cell(project.unit.name), sheet.cell(project.name),
        _money(sheet, row.base_amount), _money(sheet, row.total),
        sheet.cell(row.grade, align=CENTER), sheet.cell(SOURCES.get(row.grade_source, "")),
        sheet.cell(ACTIONS.get(row.action, "")), _money(sheet, row.rate),
        _money(sheet, row.suggested_amount),
        sheet.cell(ACTIONS.get(row.override_action, "")), _money(sheet, row.override_rate),
        _money(sheet, row.override_amount), sheet.cell(row.override_reason),
        sheet.cell(who(row.overridden_by) if done else ""), sheet.cell(at),
        sheet.cell(ACTIONS.get(row.final_action, "")), _money(sheet, row.final_rate),
        _money(sheet, row.final_amount),
        sheet.cell("等级已变化，请核对调整" if row.grade_changed else ""),
        sheet.cell(previous.name if previous else ""),
        sheet.cell(previous.text if previous else ""),
    ]


def _summary(workbook, period, rows) -> None:
    sheet = SheetWriter(workbook, "单位汇总", [10, 30, 8, *[10] * len(ACTIONS), 12, 16, 18])
    sheet.title(f"{period.code} {period.name} 结果应用建议 单位汇总")
    sheet.header(SUMMARY_HEADERS)
    for line in unit_summary(rows):
        font = BOLD if not line.code else FONT
        sheet.append([sheet.cell(line.code, font=font), sheet.cell(line.name, font=font),
                      sheet.cell(line.projects, font=font, align=CENTER),
                      *[sheet.cell(count, font=font, align=CENTER)
                        for _, count in line.per_action],
                      sheet.cell(line.overridden, font=font, align=CENTER),
                      _money(sheet, line.base, font), _money(sheet, line.suggested, font)])
