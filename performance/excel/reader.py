"""One reader for .xlsx, .xls and .csv: finds the header row by its names, fills down the
project columns that merged cells leave blank, and keeps the Excel row numbers.

python-calamine (Rust) reads .xlsx and .xls: on a 100,000-row 表13 it is ~8× faster than
openpyxl's read-only mode (bench/import_speed.py prints both), and it builds the sheet's range
from the cells that hold values, so formatting copied down to row 1,048,576 costs no Python
work. The reader also stops at the first long run of empty rows.

Before parsing, the file's size and (for .xlsx) its zip members are checked: an upload over
EXCEL_MAX_UPLOAD_BYTES, or a zip that unpacks beyond EXCEL_MAX_UNCOMPRESSED_BYTES or at more
than EXCEL_MAX_COMPRESSION_RATIO, is refused with one message. So is a sheet of more than
IMPORT_MAX_ROWS rows, counted before its rows are built (performance.excel.row_count streams
an .xlsx sheet; an .xls sheet's height; a CSV's lines), and a CSV field over the csv module's
field limit (128 KB) names its row (docs/limits.md).

Cell values are returned as read (str stripped, numbers as int/float, '' → None): turning
them into Decimals, operators and grades is the importers' job, through performance.normalize.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from .errors import BadFile
from .row_count import xlsx_sheet_rows

HEADER_SCAN_ROWS = 30  # the header row is looked for among the first rows
EMPTY_RUN_LIMIT = 500  # that many empty rows in a row end the table
FOOTER_WORDS = ("合计", "总计", "小计")
NOTE_PREFIXES = ("注", "说明", "填表说明", "填表人", "填报人", "审核人", "负责人", "联系电话",
                 "单位负责人", "财务负责人", "填报日期")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024


@dataclass(frozen=True)
class Column:
    """A column the reader looks for. `scope`: "unit" is filled down over every blank cell,
    "project" only on the rows that continue a project (its name cell blank), "row" never."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    scope: str = "row"


@dataclass(frozen=True)
class Layout:
    label: str  # what the file should be, for messages: "表13", "自评表或监控表"
    columns: tuple[Column, ...]
    anchor: str = "项目名称"  # the project column: blank on a project's continuation rows
    key: str = "三级指标"  # blank on a 合计 or note row under the table

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Limits:
    max_bytes: int | None = 20 * MB
    max_uncompressed: int = 400 * MB
    max_ratio: int = 200
    max_rows: int | None = 200_000

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            max_bytes=settings.EXCEL_MAX_UPLOAD_BYTES,
            max_uncompressed=settings.EXCEL_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.EXCEL_MAX_COMPRESSION_RATIO,
            max_rows=settings.IMPORT_MAX_ROWS,
        )


def too_many_rows(rows: int, limit: int, *, index: int = 1, sheet: str = "") -> str:
    where = f"第 {index} 张工作表“{sheet}”" if sheet else "CSV 文件"
    return f"{where}有 {rows} 行，超过上限 {limit} 行；请拆分后分批导入。"


class Row:
    """One data row: its Excel row number and its values by column name (None when blank)."""

    __slots__ = ("number", "values")

    def __init__(self, number: int, values: dict[str, object]):
        self.number = number
        self.values = values

    def get(self, name: str):
        return self.values.get(name)

    def __repr__(self):
        return f"Row({self.number}, {self.values!r})"


@dataclass
class Table:
    filename: str
    sheet: str
    header_row: int
    headers: dict[str, str]  # column name → the header text as written in the file
    rows: list[Row] | Iterator[Row] = field(default_factory=list)  # an iterator if streamed
    rows_scanned: int = 0  # rows looked at after the header, empty ones included

    def has(self, name: str) -> bool:
        return name in self.headers


def header_key(text: object) -> str:
    """A header cell as compared: width, spaces, line breaks, a leading * and a trailing
    parenthesised note ('预算数（万元）', '权重(分)') ignored."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lstrip("*")
    return re.sub(r"\([^()]*\)$", "", s)


@contextmanager
def gc_paused():
    """The cyclic garbage collector off for a bulk read or import: its objects (a row, its
    values, its converted form) all live until the end, and no cycle among them is garbage,
    yet each full collection would walk every one of them again (a fifth of an import's
    time). Collection resumes, and catches up, when the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_table(source, layout: Layout, *, filename: str | None = None, sheet: str | None = None,
               limits: Limits | None = None, stream: bool = False) -> Table:
    """Read the first sheet of `source` (a path, bytes or a file object) that has the layout's
    header; raise BadFile with one message when the file cannot be read as such.

    `stream`: the table's `rows` is a one-pass iterator, each Row built as it is asked for,
    so an importer that converts row by row never holds every Row of the file at once (the
    header and the row limits are checked before it returns, as without `stream`)."""
    limits = limits or Limits.from_settings()
    path, handle, name = _open(source, filename)
    try:
        size = _size(path, handle)
        if limits.max_bytes is not None and size > limits.max_bytes:
            raise BadFile(f"文件大小 {size / MB:.1f} MB，超过上限 {limits.max_bytes / MB:.0f} MB", name)
        head = handle.read(8)
        handle.seek(0)
        if head.startswith(ZIP_MAGIC):
            _check_zip(handle, limits, name)
            sheets = _excel_sheets(path, handle, name, sheet, limits, xlsx=True)
        elif head.startswith(OLE_MAGIC):
            sheets = _excel_sheets(path, handle, name, sheet, limits)
        else:
            sheets = [("", _csv_rows(handle.read(), name, limits.max_rows))]
        return _first_matching(sheets, layout, name, stream=stream)
    finally:
        if path is not None:
            handle.close()


# ---------------------------------------------------------------- the file


def _open(source, filename):
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return path, path.open("rb"), filename or path.name
        except OSError as exc:
            raise BadFile(f"无法打开文件：{exc.strerror or exc}", filename or path.name) from exc
    if isinstance(source, (bytes, bytearray)):
        return None, io.BytesIO(source), filename or ""
    temporary = getattr(source, "temporary_file_path", None)
    name = filename or os.path.basename(getattr(source, "name", "") or "")
    if temporary is not None:  # a large Django upload already on disk
        path = Path(temporary())
        return path, path.open("rb"), name
    source.seek(0)
    return None, source, name


def _size(path, handle) -> int:
    if path is not None:
        return path.stat().st_size
    position = handle.tell()
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(position)
    return size


def _check_zip(handle, limits: Limits, name: str) -> None:
    """Refuse a zip bomb from the zip's directory, before anything is unpacked."""
    try:
        members = zipfile.ZipFile(handle).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise BadFile("文件已损坏，无法作为 .xlsx 读取", name) from exc
    finally:
        handle.seek(0)
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise BadFile("不是 Excel 工作簿（支持 .xlsx、.xls、.csv；其他格式请在 Excel 中另存为 .xlsx）",
                      name)
    total = sum(m.file_size for m in members)
    if len(members) > 10_000 or total > limits.max_uncompressed:
        raise BadFile(f"解压后 {total / MB:.0f} MB，超过上限 {limits.max_uncompressed / MB:.0f} MB，"
                      "疑似压缩炸弹，已拒绝", name)
    for m in members:
        if m.file_size > MB and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise BadFile(f"压缩比异常（{m.filename} 压缩比 {m.file_size // max(m.compress_size, 1)}:1），"
                          "疑似压缩炸弹，已拒绝", name)


def _excel_sheets(path, handle, name, wanted, limits: Limits, *, xlsx: bool = False):
    try:
        workbook = (CalamineWorkbook.from_path(str(path)) if path is not None
                    else CalamineWorkbook.from_filelike(handle))
    except Exception as exc:  # calamine raises its own types for every kind of damage
        raise BadFile(f"无法读取，文件已损坏、已加密或不是 Excel 文件（{exc}）", name) from exc
    names = [m.name for m in workbook.sheets_metadata
             if str(m.visible).endswith("Visible") and str(m.typ).endswith("WorkSheet")]
    if wanted is not None:
        if wanted not in workbook.sheet_names:
            raise BadFile(f"没有名为“{wanted}”的工作表（有：{'、'.join(workbook.sheet_names)}）", name)
        names = [wanted]

    order = {sheet_name: index for index, sheet_name in enumerate(workbook.sheet_names, 1)}
    limit = limits.max_rows

    def rows_of(sheet_name):
        if limit is not None and xlsx:  # counted in the zip, before calamine builds the sheet
            counted = xlsx_sheet_rows(str(path) if path is not None else handle, sheet_name, limit)
            if counted is not None and counted[1]:
                raise BadFile(too_many_rows(counted[0], limit, index=order[sheet_name],
                                            sheet=sheet_name), name)
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
        except Exception as exc:
            raise BadFile(f"工作表“{sheet_name}”无法读取（{exc}）", name) from exc
        if limit is not None and sheet.height > limit and not xlsx:
            raise BadFile(too_many_rows(sheet.height, limit, index=order[sheet_name],
                                        sheet=sheet_name), name)
        first = sheet.start[0] + 1 if sheet.start else 1
        return enumerate(sheet.iter_rows(), start=first)

    return [(sheet_name, _Lazy(rows_of, sheet_name)) for sheet_name in names]


class _Lazy:
    """A sheet's rows, parsed only when the sheet is looked at."""

    def __init__(self, load, *args):
        self._load, self._args = load, args

    def __iter__(self):
        return iter(self._load(*self._args))


def _csv_rows(data: bytes, name: str, limit: int | None) -> Iterator[tuple[int, list]]:
    if b"\x00" in data[:65536]:
        raise BadFile("不是电子表格文件（支持 .xlsx、.xls、.csv）", name)
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise BadFile("CSV 文件的编码无法识别（支持 UTF-8 与 GB18030/GBK）", name)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","

    def records():
        return _csv_records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), name)

    if limit is not None and text.count("\n") >= limit:  # more lines than rows: count the rows
        rows = sum(1 for number, cells in records() if any(cells))
        if rows > limit:
            raise BadFile(too_many_rows(rows, limit), name)
    return records()


def _csv_records(reader, name: str) -> Iterator[tuple[int, list]]:
    """The CSV's records numbered from 1; a record the csv module refuses (a field over its
    128 KB limit: most often a quote never closed) is one message naming its row."""
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        if "field limit" in str(exc):
            reason = (f"有单元格超过 {csv.field_size_limit() // 1024} KB 的上限，无法读取"
                      "（常见原因：引号未闭合）")
        else:
            reason = f"无法读取（{exc}）"
        raise BadFile(f"第{number + 1}行{reason}", name) from exc


# ---------------------------------------------------------------- header and rows


def _keys(layout: Layout) -> dict[str, str]:
    keys = {}
    for column in layout.columns:
        for alias in (column.name, *column.aliases):
            keys[header_key(alias)] = column.name
    return keys


def _match_header(cells: list, keys: dict[str, str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            name = keys.get(header_key(cell))
            if name is not None and name not in found:
                found[name] = (index, re.sub(r"\s+", "", cell))
    return found


def _first_matching(sheets, layout: Layout, name: str, *, stream: bool = False) -> Table:
    keys = _keys(layout)
    required = [c.name for c in layout.columns if c.required]
    best = None  # (matched count, sheet, header row, missing)
    for sheet_name, rows in sheets:
        iterator = iter(rows)
        head = []
        for number, cells in iterator:
            head.append((number, cells))
            if len(head) >= HEADER_SCAN_ROWS:
                break
        candidates = [(len(m), number, m) for number, cells in head
                      if (m := _match_header(cells, keys))]
        if not candidates:
            continue
        count, header_number, matched = max(candidates, key=lambda c: (c[0], -c[1]))
        missing = [c for c in required if c not in matched]
        if not missing:
            rest = [(n, c) for n, c in head if n > header_number]
            table = Table(name, sheet_name, header_number,
                          {n: text for n, (_, text) in matched.items()})
            rows = _collect(table, matched, layout, rest, iterator)
            if stream:
                table.rows = rows
            else:
                with gc_paused():  # as the streamed importers read: alike for the floor
                    table.rows.extend(rows)
            return table
        if best is None or count > best[0]:
            best = (count, sheet_name, header_number, missing)
    where = f"（已查看工作表：{'、'.join(s for s, _ in sheets)}）" if any(s for s, _ in sheets) else ""
    if best is None or best[0] < 2:
        raise BadFile(f"找不到{layout.label}的表头行：前 {HEADER_SCAN_ROWS} 行中没有"
                      f"“{'”“'.join(required[:4])}”等列名{where}", name)
    _, sheet_name, header_number, missing = best
    sheet_text = f"工作表“{sheet_name}”" if sheet_name else ""
    raise BadFile(f"{sheet_text}第{header_number}行表头缺少列：{'、'.join(missing)}", name)


def _collect(table: Table, matched, layout: Layout, head, iterator) -> Iterator[Row]:
    """The data rows under the header, filled down, as they are read (`table.rows_scanned`
    counts the rows looked at so far)."""
    index = [(column_name, i) for column_name, (i, _) in matched.items()]
    unit_cols = [c.name for c in layout.columns if c.scope == "unit" and c.name in matched]
    project_cols = [c.name for c in layout.columns if c.scope == "project" and c.name in matched]
    anchor = layout.anchor
    previous: dict[str, object] = {}
    empty_run = 0
    for number, cells in _chain(head, iterator):
        table.rows_scanned += 1
        width = len(cells)
        values = {}
        blank = True
        for column_name, i in index:
            value = cells[i] if i < width else None
            if isinstance(value, str):
                value = value.strip() or None
                if value and value[0] == "'" and value[1:2] in ("=", "+", "-", "@"):
                    value = value[1:]  # an exported formula-looking text, neutralized
            elif value == "":
                value = None
            if value is not None:
                blank = False
            values[column_name] = value
        if blank:
            empty_run += 1
            if empty_run >= EMPTY_RUN_LIMIT:
                break
            continue
        empty_run = 0
        if values.get(layout.key) is None and _is_footer(values, cells, layout):
            continue
        continues = values.get(anchor) is None
        for column_name in unit_cols if not continues else unit_cols + project_cols + [anchor]:
            if values.get(column_name) is None:
                values[column_name] = previous.get(column_name)
        previous = values
        yield Row(number, values)


def _chain(head: Iterable, iterator: Iterator) -> Iterator:
    yield from head
    yield from iterator


def _is_footer(values: dict, cells: list, layout: Layout) -> bool:
    """A 合计 row, or a note such as 填表人：… under the table."""
    first = next((v for c in layout.columns if (v := values.get(c.name)) is not None), None)
    if isinstance(first, str) and re.sub(r"\s+", "", first) in FOOTER_WORDS:
        return True
    filled = [c for c in cells if c not in (None, "")]
    return (len(filled) == 1 and isinstance(filled[0], str)
            and filled[0].strip().startswith(NOTE_PREFIXES))
