"""The small facts the review rules read: a project, its indicators, a 表8 line.

Pure module: no Django import. The service builds them from the database, `facts_from_rows`
from import rows that are not written yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from performance.domain import Direction, Operator, TargetRow
from performance.normalize import clean_unit, frozen

# Read once: an enum member's .value is a slow descriptor, asked for every indicator reviewed.
_QUALITATIVE = Operator.QUALITATIVE.value
_NEGATIVE = Direction.NEGATIVE.value


@dataclass(frozen=True)
class IndicatorFacts:
    """One indicator row: values as stored (operator, grade and direction as their text)."""

    name: str
    level1: str
    level2: str
    operator: str
    target_value: Decimal | None = None
    target_grade: str = ""
    unit: str = ""
    weight: Decimal | None = None
    direction: str = ""
    id: int | None = None
    source_row: int | None = None

    @property
    def quantitative(self) -> bool:
        return self.operator != _QUALITATIVE

    @property
    def clean_unit(self) -> str:
        return clean_unit(self.unit) or ""

    @property
    def is_cost(self) -> bool:
        return self.level1.startswith("成本")

    @property
    def is_negative(self) -> bool:
        return self.direction == _NEGATIVE


@dataclass(frozen=True)
class ProjectFacts:
    """A project with its indicators in their order; `budget` is the 表13 预算数 (万元)."""

    name: str
    budget: Decimal | None
    indicators: tuple[IndicatorFacts, ...] = ()
    unit_code: str = ""
    year: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class BudgetLineFacts:
    """A 表8 project line: its name and amount (万元)."""

    name: str
    amount: Decimal
    unit_code: str = ""
    year: int | None = None
    id: int | None = None


def facts_from_rows(rows: Iterable[TargetRow], year: int | None = None) -> list[ProjectFacts]:
    """Import rows (not yet in the database) grouped into projects, in file order."""
    return list(iter_facts_from_rows(rows, year))


def iter_facts_from_rows(rows: Iterable[TargetRow],
                         year: int | None = None) -> Iterator[ProjectFacts]:
    """facts_from_rows one project at a time: a review of 100,000 rows need not hold the
    facts of every indicator at once."""
    grouped: dict[tuple[str, str], list[TargetRow]] = {}
    for row in rows:
        grouped.setdefault((row.unit_code, row.project_name), []).append(row)
    return (
        ProjectFacts(
            name=project_name,
            budget=project_rows[0].budget,
            unit_code=unit_code,
            year=year,
            indicators=tuple(
                frozen(IndicatorFacts, {
                    "name": row.name,
                    "level1": row.level1,
                    "level2": row.level2,
                    "operator": _text(row.operator),
                    "target_value": row.target_value,
                    "target_grade": _text(row.target_grade),
                    "unit": row.unit or "",
                    "weight": row.weight,
                    "direction": _text(row.direction),
                    "id": None,
                    "source_row": row.source_row,
                })
                for row in project_rows
            ),
        )
        for (unit_code, project_name), project_rows in grouped.items()
    )


_TEXTS: dict = {}  # an enum member's .value is a slow descriptor: read each member once


def _text(value) -> str:
    try:
        return _TEXTS[value]
    except KeyError:
        text = _TEXTS[value] = "" if value is None else str(getattr(value, "value", value))
        return text
    except TypeError:  # unhashable
        return str(getattr(value, "value", value))
