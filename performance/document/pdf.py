"""Text lines out of a published budget PDF, in the shape the 表13 parser reads.

Ruled tables become one line per table row with cells joined by tabs (the lines a cell wraps
into are joined back with normalize.join_broken); text outside tables
becomes one line per printed line, without tabs; an empty line separates pages. pdfplumber is
imported inside the function so that importing this module costs nothing. The caller checks
the file's limits first (performance.document.pdf_limits.check_pdf).
"""

from __future__ import annotations

import re
from os import PathLike

from performance.normalize import join_broken

__all__ = ["DEFAULT_TABLE_SETTINGS", "extract_pdf_lines"]

DEFAULT_TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
    "text_x_tolerance": 1.5,
    "text_y_tolerance": 3,
}


def _cell(text: str | None) -> str:
    """One cell on one line: its wrapped lines joined back, no tabs inside."""
    if not text:
        return ""
    return join_broken(*re.split(r"[\r\n]+", text.replace("\t", " ")))


def extract_pdf_lines(
    path: str | PathLike,
    *,
    table_settings: dict | None = None,
    pages: list[int] | None = None,
) -> list[str]:
    """Lines of the PDF at `path` (tables tab-separated), page after page.

    `pages` restricts the extraction to these 1-based page numbers.
    """
    import pdfplumber  # noqa: PLC0415 - optional heavy dependency, only needed here

    settings = {**DEFAULT_TABLE_SETTINGS, **(table_settings or {})}
    lines: list[str] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            if pages is not None and page.page_number not in pages:
                continue
            items: list[tuple[float, int, str]] = []
            rest = page
            for table in page.find_tables(settings):
                rest = rest.outside_bbox(table.bbox)
                for row, cells in zip(table.rows, table.extract(), strict=False):
                    if any(cells):
                        items.append((row.bbox[1], 1, "\t".join(_cell(c) for c in cells)))
            for text_line in rest.extract_text_lines(return_chars=False):
                items.append((text_line["top"], 0, text_line["text"].strip()))
            items.sort(key=lambda item: (round(item[0], 1), item[1]))
            lines.extend(text for _, _, text in items)
            lines.append("")
            page.close()  # one page's objects in memory at a time
    return lines
