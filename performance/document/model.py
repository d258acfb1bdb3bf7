"""What the 表13 document parser hands back. Pure dataclasses, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from performance.domain import Direction, Grade, Operator

ERROR = "error"
WARNING = "warning"


@dataclass
class Finding:
    """Something the parser could not read, had to guess, or found inconsistent.

    `line` is 1-based in the input; `text` is that source line as given (cells tab-separated).
    """

    severity: str  # ERROR or WARNING
    line: int
    text: str
    message: str


@dataclass
class ParsedIndicator:
    level1: str
    level2: str
    name: str
    operator: Operator | None
    target_value: Decimal | None
    target_grade: Grade | None
    unit: str | None
    weight: Decimal | None
    direction: Direction | None
    source_line: int
    target_text: str = ""  # the 指标值 cell as printed


@dataclass
class ParsedProject:
    unit_code: str | None
    unit_name: str
    name: str
    budget: Decimal | None
    goal: str
    indicators: list[ParsedIndicator] = field(default_factory=list)
    source_line: int = 0

    @property
    def unit(self) -> str:
        """单位名称 as printed in 表13: '342601-广元市社会保险事务中心'."""
        return f"{self.unit_code}-{self.unit_name}" if self.unit_code else self.unit_name

    @property
    def weight_total(self) -> Decimal:
        return sum((i.weight for i in self.indicators if i.weight is not None), Decimal(0))


@dataclass
class ParseResult:
    projects: list[ParsedProject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def indicator_count(self) -> int:
        return sum(len(p.indicators) for p in self.projects)
