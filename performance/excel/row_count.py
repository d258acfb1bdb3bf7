"""Counting a sheet's rows before it is parsed, so a file over IMPORT_MAX_ROWS is refused
without building its rows (docs/limits.md).

An .xlsx sheet is the zip member its workbook names; it is decompressed in 1 MB chunks and
only the rows that hold a value (a <v> or an inline string) are counted: formatting copied
down to row 1,048,576 leaves rows of styled, empty cells that count for nothing. Counting
stops at the limit; past it, the rest of the rows are only tallied (bytes.count, in C) so the
message can say how many there are. Memory stays at a couple of chunks whatever the file.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree import ElementTree

CHUNK = 1024 * 1024
_ROW_RE = re.compile(rb"<(?:\w+:)?row\b[^>]*>(.*?)</(?:\w+:)?row>", re.S)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its zip member, from xl/workbook.xml and its relationships ({} when the
    workbook does not say: the count is then left to the parser's own height check)."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter() if rel.get("Id")}
    parts = {}
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rid)
        if target:
            parts[element.get("name")] = (target.lstrip("/") if target.startswith("/")
                                          else posixpath.normpath(posixpath.join("xl", target)))
    return parts


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def count_rows(stream, limit: int) -> tuple[int, bool]:
    """(rows, over): the rows holding a value, counted until they pass `limit` (a chunk at a
    time); past that `over` is True and the rest of the rows are tallied without looking into
    them."""
    rows, over, buffer = 0, False, b""
    while True:
        chunk = stream.read(CHUNK)
        buffer += chunk
        cut = len(buffer) if not chunk else _last_row_end(buffer)
        if cut > 0:
            done, buffer = buffer[:cut], buffer[cut:]
            if over:
                rows += done.count(b"</row>") + done.count(b":row>")
            else:
                rows += sum(1 for body in _ROW_RE.findall(done) if _has_value(body))
                over = rows > limit
        if not chunk:
            return rows, over


def _has_value(body: bytes) -> bool:
    return b"<v" in body or b":v>" in body or b"is>" in body


def _last_row_end(buffer: bytes) -> int:
    """Where the last complete row ends (0 when none has yet)."""
    index = buffer.rfind(b"row>")
    while index > 0 and buffer[index - 1:index] not in (b"/", b":"):
        index = buffer.rfind(b"row>", 0, index)
    return index + 4 if index > 0 else 0


def xlsx_sheet_rows(source, sheet: str, limit: int) -> tuple[int, bool] | None:
    """Count the rows of `sheet` in the .xlsx `source` (a path or a seekable file); None when
    the sheet's part cannot be found."""
    position = None if isinstance(source, str) else source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            part = sheet_parts(archive).get(sheet)
            if part is None or part not in archive.NameToInfo:
                return None
            with archive.open(part) as stream:
                return count_rows(stream, limit)
    finally:
        if position is not None:
            source.seek(position)
