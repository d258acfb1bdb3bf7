"""The Excel export of the 整改事项 list as filtered (formula-safe cells: SheetWriter)."""

from __future__ import annotations

from django.utils import timezone

from performance import rectifying
from performance.excel.sheets import SheetWriter, new_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 20000
COLUMNS = [("单位代码", 12), ("单位", 28), ("项目", 30), ("发现期间", 16), ("指标", 24),
           ("来源", 16), ("问题", 40), ("整改要求", 40), ("整改期限", 12), ("是否逾期", 10),
           ("状态", 10), ("应对方式", 10), ("应对方式选择期限", 14), ("应对说明", 30),
           ("整改情况", 40), ("退回理由", 30), ("登记时间", 18), ("确认时间", 18)]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def rectification_workbook(items, today):
    """One sheet, one row per item of `items` (already filtered, bounded), read in chunks."""
    book = new_workbook()
    sheet = SheetWriter(book, "整改事项", [width for _, width in COLUMNS])
    sheet.title(f"整改事项清单（{today:%Y-%m-%d} 导出）")
    sheet.header([name for name, _ in COLUMNS])
    for item in items.iterator(chunk_size=1000):
        sheet.append([sheet.cell(value) for value in (
            item.unit.code, item.unit.name, item.project.name, item.period.name,
            item.indicator.name if item.indicator_id else "", item.get_source_display(),
            item.problem, item.required_action, item.deadline.strftime("%Y-%m-%d"),
            "逾期" if rectifying.is_overdue(item.status, item.deadline, today) else "",
            item.get_status_display(), item.get_response_display(),
            item.response_deadline.strftime("%Y-%m-%d") if item.response_deadline else "",
            item.response_note, item.progress, item.return_reason, _when(item.raised_at),
            _when(item.confirmed_at))])
    return book
