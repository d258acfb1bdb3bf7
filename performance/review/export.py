"""The findings of a review as an Excel workbook (openpyxl)."""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from performance.excel.sheets import keep_text

from .service import ReviewReport

HEADERS = ("单位", "年度", "严重程度", "规则代码", "规则", "项目", "指标", "来源行号",
           "问题及修改建议", "状态", "接受说明", "决定人", "决定时间")
WIDTHS = (10, 8, 10, 26, 24, 36, 36, 10, 90, 10, 30, 12, 18)


def findings_workbook(report: ReviewReport, findings, title: str = "目标审核") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    for finding in findings:
        decision = report.decision(finding)
        decided_at = (
            timezone.localtime(decision.decided_at).strftime("%Y-%m-%d %H:%M") if decision else ""
        )
        decided_by = ""
        if decision and decision.decided_by:
            decided_by = decision.decided_by.get_full_name() or decision.decided_by.username
        sheet.append((
            finding.unit_code, finding.year, finding.severity.label, finding.rule,
            finding.rule_title, finding.project_name, finding.indicator_name, finding.source_row,
            finding.message, "已接受" if decision else "待处理",
            decision.note if decision else "", decided_by, decided_at,
        ))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            keep_text(cell)  # text a spreadsheet would run as a formula stays text, unchanged
        row[8].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
