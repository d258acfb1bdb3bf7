"""Line classification for the 表13 section: where it starts and ends, and which lines are
page furniture (titles, repeated header rows, page numbers) rather than table rows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from performance.normalize import clean_name

_TITLE_RE = re.compile(r"^(附)?表\s*13$|项目(支出)?绩效目标表")
_OTHER_TABLE_RE = re.compile(r"^(附)?表\s*(\d+)$")
_HEADING_RE = re.compile(r"^([一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+部分)")
_PAGE_NO_RE = re.compile(
    r"^[-—–\s]*\d{1,4}[-—–\s]*$"
    r"|^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$"
    r"|^\d+\s*/\s*\d+$"
)
_FURNITURE_PREFIXES = ("金额单位", "单位：", "单位:", "编制单位", "填报单位", "部门名称",
                       "备注", "注：", "注:")
_HEADER_WINDOW = 15


@dataclass
class Row:
    lineno: int  # 1-based
    text: str  # the line as given
    cells: list[str]  # cleaned (clean_name) cells, positions kept

    @property
    def has_tab(self) -> bool:
        return "\t" in self.text

    @property
    def nonempty(self) -> list[tuple[int, str]]:
        return [(i, c) for i, c in enumerate(self.cells) if c]

    @property
    def joined(self) -> str:
        return "".join(self.cells)


def make_rows(lines) -> list[Row]:
    rows = []
    for n, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        rows.append(Row(n, text, [clean_name(c) for c in text.split("\t")]))
    return rows


def is_blank(row: Row) -> bool:
    return not row.joined


def is_header(row: Row) -> bool:
    cells = set(row.cells)
    if "一级指标" in cells and ("二级指标" in cells or "三级指标" in cells):
        return True
    if "单位名称" in cells and "项目名称" in cells:
        return True
    return {"指标性质", "指标值", "权重"} <= cells


def is_title(row: Row) -> bool:
    return len(row.nonempty) == 1 and bool(_TITLE_RE.search(row.joined))


def is_page_furniture(row: Row) -> bool:
    """Titles, page numbers, 金额单位 lines, notes: skipped without a finding."""
    if is_title(row) or is_header(row):
        return True
    if len(row.nonempty) != 1:
        return False
    text = row.joined
    if text.startswith(_FURNITURE_PREFIXES):
        return True
    return not row.has_tab and bool(_PAGE_NO_RE.match(text))


def ends_section(row: Row) -> bool:
    """Another table's title or a new chapter heading: 表13 is over."""
    if len(row.nonempty) != 1:
        return False
    text = row.joined
    m = _OTHER_TABLE_RE.match(text)
    if m:
        return m.group(2) != "13"
    return not row.has_tab and bool(_HEADING_RE.match(text)) and not _TITLE_RE.search(text)


def find_start(rows: list[Row], begin: int = 0) -> tuple[int | None, str | None]:
    """Index of the first row after the 表13 title (or header), and a warning if guessed.

    A title counts only when a header row follows within a few lines, so that the table of
    contents ("十三、部门预算项目支出绩效目标表") is not mistaken for the table.
    """
    titles = [k for k in range(begin, len(rows)) if is_title(rows[k])]
    for k in titles:
        window = rows[k + 1: k + 1 + _HEADER_WINDOW]
        if any(is_header(r) for r in window):
            return k + 1, None
    if titles and begin == 0:
        return titles[-1] + 1, "表13标题后未找到表头行，按标题位置开始解析"
    for k in range(begin, len(rows)):
        if is_header(rows[k]):
            if begin == 0:
                return k + 1, "未找到表13标题（部门预算项目绩效目标表），从表头行开始解析"
            return None, None
    return None, None
