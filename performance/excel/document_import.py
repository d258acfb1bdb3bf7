"""Import 表13 targets straight from a published budget document (a PDF, or its text).

The document is parsed by the pure performance.document package; its indicators become
TargetRows (performance.document.rows) and go the way of an Excel import: the writer's checks,
the target review, then services.targets.apply_targets, all or nothing. What the parser could
not read is never filled in: any error finding refuses the import, and the findings, each with
its document line (`第N行（原文：…）`), are shown. `document_workbook` writes what was read as
a 表13 workbook (missing cells empty and yellow) that a person completes and imports with
import_targets.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from openpyxl import Workbook

from performance.document import ERROR, Finding, ParseResult, parse_table13_lines
from performance.document.pdf_limits import PdfRefused, check_pdf
from performance.document.rows import RowProblem, draft_rows, to_target_rows
from performance.domain import LEVEL1_NAMES, TargetRow
from performance.models import IndicatorLevel1
from performance.scoring import ScoringPolicy
from performance.services.targets import Problem, TargetsError, apply_targets

from .cli import finding_text
from .errors import BadFile, ExcelImportError
from .export import target_rows_workbook
from .sheets import BOLD, CENTER, HEADER_FILL, SheetWriter
from .targets_import import (
    TargetsImport,
    carry_over,
    missing_projects,
    review_rows,
    writer_problems,
)
from .values import LevelNames

SOURCE_SHOWN = 60  # characters of a source line shown with a finding
_TITLE_YEAR_RE = re.compile(r"绩效目标表.*?(\d{4})\s*年")
_NOT_TEXT = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # xlsx/docx (zip), xls/doc (OLE)


@dataclass
class DocumentRead:
    """A document's lines and what the parser read from them."""

    filename: str
    lines: list[str]
    parsed: ParseResult
    rows: list[TargetRow]  # the completely printed indicators
    drafts: list[TargetRow]  # every indicator, None where the document lost a cell
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return self.parsed.errors

    @property
    def warnings(self) -> list[Finding]:
        return self.parsed.warnings

    def counts(self) -> str:
        return (f"表13 读到 {len(self.parsed.projects)} 个项目、"
                f"{self.parsed.indicator_count} 个指标")

    def source(self, line: int | None) -> str:
        return self.lines[line - 1] if line and 0 < line <= len(self.lines) else ""


@dataclass
class DocumentImport:
    """What an import did (or, dry-run, would do)."""

    doc: DocumentRead
    targets: TargetsImport

    @property
    def result(self):
        return self.targets.result

    def summary(self) -> str:
        return f"{self.doc.counts()}。{self.targets.summary()}"

    def notes(self) -> list[str]:
        """The parser's warnings, then what the Excel import also reports."""
        notes = [finding_line(f) for f in self.doc.warnings]
        notes += [f"文件中缺少的指标：{m}" for m in self.result.missing]
        notes += [f"文件中缺少的项目：{m}" for m in self.targets.missing_projects]
        notes += self.targets.link_notes()
        notes += [finding_text(f) for f in self.targets.findings]
        return notes


class DocumentImportError(ExcelImportError):
    """The document cannot be imported: every finding of the parser (errors and warnings, with
    their source lines) and every other problem. Nothing was written."""

    def __init__(self, doc: DocumentRead, problems: list[Problem]):
        self.doc = doc
        self.other = problems
        parsed = [Problem(f.line or None, "解析", f.message) for f in doc.errors]
        super().__init__(parsed + problems, doc.filename)

    def messages(self) -> list[str]:
        items = [(f.line, 0, finding_line(f)) for f in self.doc.parsed.findings]
        items += [(p.row or 0, 1, problem_line(p, self.doc.source(p.row))) for p in self.other]
        return [text for *_, text in sorted(items, key=lambda item: item[:2])]

    def headline(self) -> str:
        name = f"“{self.filename}”" if self.filename else "文件"
        warnings = len(self.doc.warnings)
        more = f"（另有 {warnings} 条提示）" if warnings else ""
        return (f"{name}：{self.doc.counts()}；有 {len(self.problems)} 处问题{more}，"
                "未导入任何数据：")


# ---------------------------------------------------------------- reading

def read_document(source, *, filename: str | None = None) -> DocumentRead:
    """Read a .pdf or a .txt (the text extracted from one): a path, bytes or a binary file.
    Raises BadFile when it is neither."""
    name = filename or getattr(source, "name", None) or "文件"
    if isinstance(source, (str, Path)):
        name = filename or Path(source).name
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise BadFile(f"无法打开文件：{exc.strerror or exc}", name) from exc
    elif isinstance(source, bytes):
        data = source
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
    name = Path(str(name)).name
    if data.lstrip()[:5] == b"%PDF-" or name.lower().endswith(".pdf"):
        lines = _pdf_lines(data, name)
    else:
        lines = _text_lines(data, name)
    return read_lines(lines, filename=name)


def read_lines(lines: list[str], *, filename: str = "") -> DocumentRead:
    """Parse a document given as its text lines (cells tab-separated)."""
    level1_names = set(LEVEL1_NAMES) | set(IndicatorLevel1.objects.values_list("name", flat=True))
    policy = ScoringPolicy.from_mapping(getattr(settings, "SCORING_POLICY", None))
    parsed = parse_table13_lines(lines, weight_total=policy.expected_weight_total,
                                 level1_names=level1_names)
    rows, problems = to_target_rows(parsed, level_names=LevelNames.load().names)
    return DocumentRead(filename=filename, lines=list(lines), parsed=parsed, rows=rows,
                        drafts=draft_rows(parsed), problems=problems)


def _pdf_lines(data: bytes, name: str) -> list[str]:
    try:
        from performance.document.pdf import extract_pdf_lines

        check_pdf(data, name)  # pages and decompressed size, before pdfplumber reads it
        lines = extract_pdf_lines(io.BytesIO(data))
    except ImportError as exc:
        raise BadFile("读取 PDF 需要 pdfplumber，服务器上未安装", name) from exc
    except PdfRefused as exc:
        raise BadFile(str(exc), name) from exc
    except Exception as exc:  # pdfminer raises many kinds on a damaged file
        raise BadFile(f"无法读取 PDF（{type(exc).__name__}），文件可能已损坏", name) from exc
    if not any(line.strip() for line in lines):
        raise BadFile("PDF 中没有可提取的文字（可能是扫描件）：请先做文字识别，"
                      "或导入从中提取的文字（.txt）", name)
    return lines


def _text_lines(data: bytes, name: str) -> list[str]:
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if data.startswith(_NOT_TEXT) or (b"\x00" in data[:4096] and not utf16):
        raise BadFile("不是 PDF 或文本文件（.txt）；Excel 格式的表13 请用“导入”（import_targets）",
                      name)
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not utf16:
            continue
        try:
            return data.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    raise BadFile("无法识别文本的编码（应为 UTF-8 或 GB18030）", name)


# ---------------------------------------------------------------- importing

def import_document(doc: DocumentRead, year: int, *, dry_run: bool = False,
                    replace: bool = False) -> DocumentImport:
    """Check everything, then write the rows in one transaction; raise DocumentImportError
    (every finding and problem, nothing written)."""
    problems = [Problem(p.line, p.column, p.message) for p in doc.problems]
    problems += _year_problems(doc, year)
    if doc.errors or problems:
        raise DocumentImportError(doc, problems + writer_problems(year, doc.rows))
    if not doc.rows:
        raise DocumentImportError(doc, [Problem(None, "表13", "未读到任何指标")])
    findings, blocked = review_rows(doc.rows, year)
    if blocked:
        raise DocumentImportError(doc, [
            Problem(f.source_row, "目标审核", f.message) for f in findings
            if str(getattr(f.severity, "value", "")) == "error"])
    try:
        result = apply_targets(year, doc.rows, replace=replace, dry_run=dry_run)
    except TargetsError as exc:
        raise DocumentImportError(doc, exc.problems) from exc
    targets = TargetsImport(result=result, rows=len(doc.rows), sheet="表13", findings=findings,
                            missing_projects=missing_projects(year, doc.rows),
                            link=carry_over(year, doc.rows, dry_run=dry_run))
    return DocumentImport(doc=doc, targets=targets)


def _year_problems(doc: DocumentRead, year: int) -> list[Problem]:
    """A 表13 title that names another year (部门预算项目绩效目标表（2024 年度）)."""
    for number, line in enumerate(doc.lines, start=1):
        m = _TITLE_YEAR_RE.search(line.replace("\t", ""))
        if m and int(m.group(1)) != year:
            return [Problem(number, "年度",
                            f"文件标题为 {m.group(1)} 年度，与导入的年度 {year} 不一致")]
    return []


# ---------------------------------------------------------------- showing

def shown_source(text: str) -> str:
    """A source line as a person reads it: its non-empty cells, separated by ' | '."""
    cells = [c.strip() for c in text.split("\t") if c.strip()]
    joined = " | ".join(cells)
    return joined if len(joined) <= SOURCE_SHOWN else joined[:SOURCE_SHOWN] + "…"


def finding_line(finding: Finding) -> str:
    """`第608行（原文：满意度指标 | … | 98）[错误] 指标“参保对象满意度”缺少…`."""
    where = ""
    if finding.line:
        source = shown_source(finding.text)
        where = f"第{finding.line}行" + (f"（原文：{source}）" if source else "")
    severity = "错误" if finding.severity == ERROR else "提示"
    return f"{where}[{severity}] {finding.message}"


def problem_line(problem: Problem, source: str) -> str:
    if problem.row is None:
        return str(problem)
    shown = shown_source(source)
    return f"第{problem.row}行" + (f"（原文：{shown}）" if shown else "") + \
        f"[{problem.column}] {problem.message}"


# ---------------------------------------------------------------- the workbook to check

def document_workbook(doc: DocumentRead, year: int) -> Workbook:
    """Every indicator read, as 表13 (cells the document lost are empty and yellow), and a
    second sheet 解析发现 with every finding and its source line. import_targets reads the
    first sheet back once the yellow cells are filled in."""
    workbook = target_rows_workbook(doc.drafts, year, mark_missing=True)
    sheet = SheetWriter(workbook, "解析发现", [8, 8, 70, 70])
    sheet.title(f"“{doc.filename}”的解析发现：{doc.counts()}", merge=False)
    sheet.append([sheet.cell(n, font=BOLD, align=CENTER, fill=HEADER_FILL)
                  for n in ("行号", "级别", "说明", "原文")])
    for f in doc.parsed.findings:
        sheet.append([sheet.cell(f.line or None), sheet.cell("错误" if f.severity == ERROR
                                                             else "提示"),
                      sheet.cell(f.message), sheet.cell(shown_source(f.text) or None)])
    for p in doc.problems:
        sheet.append([sheet.cell(p.line), sheet.cell("错误"),
                      sheet.cell(f"[{p.column}] {p.message}"),
                      sheet.cell(shown_source(doc.source(p.line)) or None)])
    if not doc.parsed.findings and not doc.problems:
        sheet.append([sheet.cell(None), sheet.cell(None), sheet.cell("未发现问题"),
                      sheet.cell(None)])
    return workbook
