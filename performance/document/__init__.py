"""Reading 表13 (部门预算项目绩效目标表) out of a published budget document.

Pure package: no Django import. `extract_pdf_lines` lives in `performance.document.pdf` and
imports pdfplumber only when called.
"""

from performance.document.model import (
    ERROR,
    WARNING,
    Finding,
    ParsedIndicator,
    ParsedProject,
    ParseResult,
)
from performance.document.parser import (
    DEFAULT_WEIGHT_TOTAL,
    parse_table13_lines,
    parse_table13_text,
)

__all__ = [
    "DEFAULT_WEIGHT_TOTAL",
    "ERROR",
    "WARNING",
    "Finding",
    "ParseResult",
    "ParsedIndicator",
    "ParsedProject",
    "parse_table13_lines",
    "parse_table13_text",
]
