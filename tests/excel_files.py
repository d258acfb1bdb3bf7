"""Spreadsheets made on the fly for the Excel tests (the seed files live in tests/data)."""

import csv
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

DATA = Path(__file__).parent / "data"
TABLE13_XLSX = DATA / "table13-2025.xlsx"
TABLE13_XLS = DATA / "table13-2025.xls"
TABLE13_TSV = DATA / "table13-2025.tsv"


def tsv_rows() -> list[list[str]]:
    """The hand transcription of 表13: a header and 90 rows, project columns repeated."""
    with TABLE13_TSV.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle, delimiter="\t")]


def xlsx(rows, *, title_rows=(), sheet="Sheet1", merges=(), extra_sheets=()) -> bytes:
    """A workbook: some title rows, then `rows` (the first being the header)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    for other in extra_sheets:
        workbook.create_sheet(other).append(["说明"])
    for row in [*([t] for t in title_rows), *rows]:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def load(data: bytes):
    return load_workbook(io.BytesIO(data))


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def formatted_to_last_row(rows) -> bytes:
    """`rows`, then formatting down to row 1,048,576 as Excel leaves it when whole rows are
    formatted: a <dimension> of A1:L1048576 and styled, empty rows and cells at the bottom."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index("<dimension")
                end = text.index("/>", start) + 2
                text = text[:start] + '<dimension ref="A1:L1048576"/>' + text[end:]
                styled = "".join(
                    f'<row r="{r}" s="0" customFormat="1"><c r="A{r}" s="0"/><c r="L{r}" s="0"/>'
                    f"</row>" for r in [*range(len(rows) + 1, len(rows) + 2000),
                                        *range(1_046_577, 1_048_577)])
                text = text.replace("</sheetData>", styled + "</sheetData>")
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def zip_bomb(member_bytes: int) -> bytes:
    """An .xlsx-shaped zip whose sheet is `member_bytes` of zeros (ratio ~1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("xl/workbook.xml", "<workbook/>")
        target.writestr("xl/worksheets/sheet1.xml", b"\0" * member_bytes)
    return out.getvalue()


SHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-"


def streamed_xlsx(sheet_name: str, write_sheet) -> bytes:
    """A one-sheet .xlsx whose sheet XML `write_sheet(stream)` writes straight into the zip, in
    blocks, so files of a million rows are never held whole in memory (openpyxl would build
    every cell). `write_sheet` writes the whole <worksheet> element, with SHEET_NS."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{_CT}package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}officedocument.'
            'spreadsheetml.sheet.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            f'<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_DOC_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<workbook {SHEET_NS} xmlns:r="{_DOC_NS}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_DOC_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            write_sheet(sheet)
    return out.getvalue()
