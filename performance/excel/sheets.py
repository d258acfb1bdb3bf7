"""Writing workbooks: streaming (write-only) sheets, the house styles, merged project columns,
and text that a spreadsheet would run as a formula kept as text.

Every workbook the application writes goes through `keep_text` (SheetWriter.cell does it for
each cell): a string starting with = + - @ or a tab/CR is stored as a string cell, unchanged,
never as a formula. Flat exports that may be CSV (django-import-export resources) cannot carry
a cell type and prefix an apostrophe instead (`looks_like_formula` decides for both)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from performance.models import format_decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = Font(name="宋体", size=10)
BOLD = Font(name="宋体", size=10, bold=True)
TITLE = Font(name="黑体", size=16, bold=True)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
UNLOCKED = Protection(locked=False)


def looks_like_formula(value) -> bool:
    """Text a spreadsheet would run as a formula (=HYPERLINK(…), +1+1, @SUM…)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def keep_text(cell):
    """The cell, stored and shown as text if its value looks like a formula (the text itself
    unchanged). For the cells of ordinary and write-only sheets alike."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def number(value) -> Decimal | None:
    """A Decimal as 表13 prints it (7600.0000 → 7600): written as a number cell."""
    return None if value is None else Decimal(format_decimal(value))


class SheetWriter:
    """A write-only sheet: rows are streamed, so a 100,000-row export stays small in memory.

    Column widths, merges, protection and data validations are set on the sheet and written at
    the end by openpyxl."""

    def __init__(self, workbook: Workbook, title: str, widths: list[int]):
        self.sheet = workbook.create_sheet(title[:31])
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.width = len(widths)
        self.row_number = 0

    def cell(self, value, *, font=FONT, align=WRAP, border=BORDER, fill=None, fmt=None,
             unlocked=False) -> WriteOnlyCell:
        cell = keep_text(WriteOnlyCell(self.sheet, value=value))
        cell.font, cell.alignment = font, align
        if border is not None:
            cell.border = border
        if fill is not None:
            cell.fill = fill
        if fmt is not None:
            cell.number_format = fmt
        if unlocked:
            cell.protection = UNLOCKED
        return cell

    def append(self, cells: list) -> int:
        self.sheet.append(cells)
        self.row_number += 1
        return self.row_number

    def title(self, text: str, *, font=TITLE, merge=True) -> int:
        row = self.append([self.cell(text, font=font, align=CENTER if merge else WRAP,
                                     border=None)])
        if merge:
            self.merge(row, row, 1, self.width)
        return row

    def note(self, text: str) -> int:
        return self.append([self.cell(text, border=None)])

    def header(self, names) -> int:
        row = self.append([self.cell(n, font=BOLD, align=CENTER, fill=HEADER_FILL) for n in names])
        self.sheet.freeze_panes = f"A{row + 1}"
        return row

    def merge(self, first_row: int, last_row: int, first_col: int, last_col: int | None = None):
        last_col = first_col if last_col is None else last_col
        if last_row > first_row or last_col > first_col:
            self.sheet.merged_cells.add(CellRange(min_col=first_col, min_row=first_row,
                                                  max_col=last_col, max_row=last_row))


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def rows_workbook(title: str, rows: Iterable[Iterable], *, first_width: int = 36,
                  width: int = 14) -> Workbook:
    """A plain one-sheet workbook of `rows`, the first one the (bold) header: a table as listed
    on a page (django-tables2 `as_values()`), every cell through keep_text."""
    workbook = new_workbook()
    rows = iter(rows)
    header = list(next(rows, []))
    sheet = SheetWriter(workbook, title, [first_width] + [width] * max(len(header) - 1, 0))
    sheet.header(header)
    for row in rows:
        sheet.append([sheet.cell(value) for value in row])
    return workbook


def to_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
