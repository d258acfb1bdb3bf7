"""The records of the scoring engine: frozen, slotted dataclasses built cheaply in bulk.

A period can hold a million indicators, so two costs are kept off the bulk path:

* **Building.** A frozen dataclass sets every field with ``object.__setattr__``, about ten times
  the cost of a plain store. The engine fills a mutable *builder* class with the same slots and
  then sets ``__class__`` to the frozen class (CPython allows this between compatible layouts).
  The result is an ordinary frozen instance; the generated ``__init__`` still works for callers.
* **Explaining.** ``explanation`` is a dataclass field like the others (``repr``, ``==``,
  ``hash``, ``asdict``, ``replace`` and pickling see it), but the engine leaves its slot empty and
  keeps what is needed to write it in ``_text_args``; the first read writes and stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from performance.domain import Direction, Grade, Operator
from performance.scoring.explain import Reason
from performance.scoring.policy import to_decimal

ZERO = Decimal(0)
_OPERATORS = {member.value: member for member in Operator}
# enum values (and the members themselves, which hash as their value) → member; blank → None
_DIRECTIONS = {"": None, **{member.value: member for member in Direction}}
_GRADES = {"": None, **{member.value: member for member in Grade}}


def _opt(convert, value: object, *args):
    """None for None or blank text, else convert(value, *args)."""
    blank = value is None or (isinstance(value, str) and not value.strip())
    return None if blank else convert(value, *args)


def builder(cls: type) -> type:
    """A plain class with the slots of the frozen dataclass `cls` (see the module docstring)."""
    return type(f"{cls.__name__}Builder", cls.__bases__, {"__slots__": cls.__slots__})


class Explained:
    """Base of the score records: writes `explanation` on first read from `_text_args`."""

    __slots__ = ("_text_args",)

    def __getattr__(self, name: str):  # only called when normal lookup fails
        if name == "explanation":
            try:
                write, *args = object.__getattribute__(self, "_text_args")
            except AttributeError:
                pass
            else:
                text = write(self, *args)
                object.__setattr__(self, "explanation", text)
                return text
        message = f"{type(self).__name__!r} object has no attribute {name!r}"
        raise AttributeError(message, name=name, obj=self)


@dataclass(frozen=True, slots=True, init=False)
class IndicatorInput:
    """One indicator to score. Numbers may be given as Decimal, int or str; enums as values."""

    weight: Decimal
    operator: Operator
    direction: Direction | None = None
    target: Decimal | None = None
    target_grade: Grade | None = None
    actual: Decimal | None = None
    actual_grade: Grade | None = None
    deduction: Decimal = ZERO
    key: str = ""
    name: str = ""
    unit: str = ""

    def __new__(
        cls,
        weight: Decimal | int | str,
        operator: Operator | str,
        direction: Direction | str | None = None,
        target: Decimal | int | str | None = None,
        target_grade: Grade | str | None = None,
        actual: Decimal | int | str | None = None,
        actual_grade: Grade | str | None = None,
        deduction: Decimal | int | str | None = ZERO,
        key: str = "",
        name: str = "",
        unit: str = "",
    ) -> IndicatorInput:
        # Each value has a fast path for what the database gives (a finite Decimal, an enum or
        # its value, None) and falls back to the general conversion, in the order errors are told.
        if type(weight) is not Decimal or not weight.is_finite():
            weight = to_decimal(weight, "weight")
        if weight < ZERO:
            raise ValueError(f"indicator {key or name!r}: weight must be ≥ 0")
        try:
            operator = _OPERATORS[operator]
        except (KeyError, TypeError):
            operator = Operator(operator)
        if direction is not None:
            try:
                direction = _DIRECTIONS[direction]
            except (KeyError, TypeError):
                direction = _opt(Direction, direction)
        if target is not None and (type(target) is not Decimal or not target.is_finite()):
            target = _opt(to_decimal, target, "target")
        if actual is not None and (type(actual) is not Decimal or not actual.is_finite()):
            actual = _opt(to_decimal, actual, "actual")
        if target_grade is not None:
            try:
                target_grade = _GRADES[target_grade]
            except (KeyError, TypeError):
                target_grade = _opt(Grade, target_grade)
        if actual_grade is not None:
            try:
                actual_grade = _GRADES[actual_grade]
            except (KeyError, TypeError):
                actual_grade = _opt(Grade, actual_grade)
        if deduction is not ZERO:
            if type(deduction) is not Decimal or not deduction.is_finite():
                deduction = _opt(to_decimal, deduction, "deduction")
            if not deduction:
                deduction = ZERO  # None, blank and every zero (0.00, -0) are stored as ZERO
            elif deduction < ZERO:
                raise ValueError(f"indicator {key or name!r}: deduction must be ≥ 0")
        unit = unit.strip() if unit else ""

        obj = object.__new__(_InputBuilder if cls is IndicatorInput else cls)
        if cls is not IndicatorInput:  # a subclass may have another layout: set field by field
            values = (weight, operator, direction, target, target_grade, actual, actual_grade,
                      deduction, key, name, unit)
            for field_name, value in zip(IndicatorInput.__slots__, values, strict=True):
                object.__setattr__(obj, field_name, value)
            return obj
        obj.weight = weight
        obj.operator = operator
        obj.direction = direction
        obj.target = target
        obj.target_grade = target_grade
        obj.actual = actual
        obj.actual_grade = actual_grade
        obj.deduction = deduction
        obj.key = key
        obj.name = name
        obj.unit = unit
        obj.__class__ = IndicatorInput
        return obj

    def __reduce__(self):
        """Pickle and copy through the constructor (`__new__` takes the field values)."""
        return type(self), tuple(getattr(self, name) for name in IndicatorInput.__slots__)


_InputBuilder = builder(IndicatorInput)
_UNKNOWN = object()


def inputs_from_rows(rows, positions: tuple[int, ...]) -> list[IndicatorInput]:
    """IndicatorInput of each row (a database row: a tuple), many at once.

    `positions` gives where in a row to find weight, operator, direction, target, target_grade,
    actual, actual_grade, deduction, key (made a str), name and unit. Blank grades and a missing
    deduction mean none, as for the constructor. A row whose values are all of the types the
    database gives (finite Decimal, enum value, None) is built here without the call of the
    constructor, a third of the time of scoring an indicator; any other row goes through the
    constructor, so values, conversions and errors are the constructor's.
    """
    (w_at, op_at, dir_at, t_at, tg_at, a_at, ag_at, d_at, key_at, name_at,
     unit_at) = positions
    operators, directions, grades = _OPERATORS, _DIRECTIONS, _GRADES
    new, made_class, decimal, zero, unknown = object.__new__, _InputBuilder, Decimal, ZERO, _UNKNOWN
    result = []
    append = result.append
    for row in rows:
        weight, target, actual, deduction = row[w_at], row[t_at], row[a_at], row[d_at]
        try:
            operator = operators.get(row[op_at], unknown)
            direction = directions.get(row[dir_at] or "", unknown)
            target_grade = grades.get(row[tg_at] or "", unknown)
            actual_grade = grades.get(row[ag_at] or "", unknown)
        except TypeError:  # unhashable: the constructor says what is wrong
            operator = unknown
        if deduction is None or (type(deduction) is decimal and not deduction):
            deduction = zero
        if (type(weight) is not decimal or not weight.is_finite() or weight < zero
                or operator is unknown or direction is unknown or target_grade is unknown
                or actual_grade is unknown
                or (target is not None and (type(target) is not decimal or not target.is_finite()))
                or (actual is not None and (type(actual) is not decimal or not actual.is_finite()))
                or (deduction is not zero and (type(deduction) is not decimal
                                               or not deduction.is_finite() or deduction < zero))):
            append(IndicatorInput(
                weight=row[w_at], operator=row[op_at], direction=row[dir_at], target=target,
                target_grade=row[tg_at] or None, actual=actual, actual_grade=row[ag_at] or None,
                deduction=row[d_at] or decimal(0), key=str(row[key_at]), name=row[name_at],
                unit=row[unit_at]))
            continue
        unit = row[unit_at]
        obj = new(made_class)
        obj.weight = weight
        obj.operator = operator
        obj.direction = direction
        obj.target = target
        obj.target_grade = target_grade
        obj.actual = actual
        obj.actual_grade = actual_grade
        obj.deduction = deduction
        obj.key = str(row[key_at])
        obj.name = row[name_at]
        obj.unit = unit.strip() if unit else ""
        obj.__class__ = IndicatorInput
        append(obj)
    return result


@dataclass(frozen=True, slots=True)
class IndicatorScore(Explained):
    key: str
    name: str
    weight: Decimal
    score: Decimal  # after deduction, rounded
    raw_score: Decimal  # earned by the rule, rounded, before deduction
    deduction: Decimal
    missing: bool
    overshoot: bool
    needs_reason: bool
    reasons_needed: tuple[Reason, ...]
    explanation: str
    direction_conflict: bool = False
    target_invalid: bool = False


@dataclass(frozen=True, slots=True)
class ExecutionInput:
    budget: Decimal | None
    adjusted_budget: Decimal | None = None
    spent: Decimal | None = None

    def __post_init__(self) -> None:
        for key in ("budget", "adjusted_budget", "spent"):
            object.__setattr__(self, key, _opt(to_decimal, getattr(self, key), key))


@dataclass(frozen=True, slots=True)
class ExecutionScore(Explained):
    rate: Decimal | None  # full precision
    rate_display: Decimal | None  # rounded half-up to 4 decimals (0.8523 = 85.23 %)
    score: Decimal
    weight: Decimal
    missing: bool
    overspent: bool
    needs_reason: bool
    reasons_needed: tuple[Reason, ...]
    explanation: str


@dataclass(frozen=True, slots=True)
class ProjectScore(Explained):
    indicator_scores: tuple[IndicatorScore, ...]
    execution: ExecutionScore
    indicator_total: Decimal
    total: Decimal
    grade: Grade
    policy_name: str
    policy_fingerprint: str
    weight_total: Decimal
    weight_total_ok: bool
    explanation: str

    @property
    def missing(self) -> tuple[str, ...]:
        """Keys (or names) of indicators without an actual value."""
        return tuple(s.key or s.name for s in self.indicator_scores if s.missing)

    @property
    def needs_reason(self) -> bool:
        return self.execution.needs_reason or any(s.needs_reason for s in self.indicator_scores)

    @property
    def reasons_needed(self) -> tuple[tuple[str, Reason], ...]:
        """(indicator key or "execution", reason) for everything still to be explained."""
        found = [(s.key or s.name, r) for s in self.indicator_scores for r in s.reasons_needed]
        found += [("execution", r) for r in self.execution.reasons_needed]
        return tuple(found)


ScoreBuilder = builder(IndicatorScore)
ExecutionBuilder = builder(ExecutionScore)
ProjectBuilder = builder(ProjectScore)
