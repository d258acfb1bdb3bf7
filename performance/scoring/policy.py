"""ScoringPolicy: every number and choice the scoring rules of docs/scoring.md name.

Pure module: no Django import. A deployment overrides the defaults with a plain dict
(``SCORING_POLICY`` in Django settings) read by :meth:`ScoringPolicy.from_mapping`; numbers may be
given as ``str``, ``int`` or ``float`` and are converted through ``str`` to ``Decimal``.

Every score carries the policy's ``name`` and ``fingerprint`` (12 hex chars of a sha256 over the
canonical values, the name excluded), so a stored score can always say which rules produced it.
"""

from __future__ import annotations

import decimal
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from functools import cached_property

from performance.domain import Grade

LINEAR = "linear"  # W × (1 − (A − T) / T) for T < A < 2T, 0 at A ≥ 2T
RATIO = "ratio"  # W × T / A when A > T
NEGATIVE_CONVENTIONS = (LINEAR, RATIO)

ROUNDING_MODES = (
    decimal.ROUND_HALF_UP,
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_UP,
    decimal.ROUND_DOWN,
    decimal.ROUND_CEILING,
    decimal.ROUND_FLOOR,
)

GradeTable = tuple[tuple[Grade, Decimal], ...]

DEFAULT_GRADE_FRACTIONS: GradeTable = (
    (Grade.EXCELLENT, Decimal("1")),
    (Grade.GOOD, Decimal("0.8")),
    (Grade.FAIR, Decimal("0.6")),
    (Grade.POOR, Decimal("0")),
)
# Lower bound of each project grade; a total below the last band is 差.
DEFAULT_GRADE_BANDS: GradeTable = (
    (Grade.EXCELLENT, Decimal("90")),
    (Grade.GOOD, Decimal("80")),
    (Grade.FAIR, Decimal("60")),
)
_BAND_GRADES = (Grade.EXCELLENT, Grade.GOOD, Grade.FAIR)
ZERO = Decimal(0)


def _err(key: str, message: str, value: object) -> ValueError:
    return ValueError(f"scoring policy {key!r}: {message} (got {value!r})")


def to_decimal(value: object, key: str) -> Decimal:
    """A finite Decimal from a Decimal, int, float or numeric str (floats go through str)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise _err(key, "must be a number", value)
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise _err(key, "must be a number", value) from None
    if not result.is_finite():
        raise _err(key, "must be a finite number", value)
    return result


def _grade_table(value: object, key: str, grades: tuple[Grade, ...]) -> GradeTable:
    """Normalize a {grade: number} mapping (or pairs) to pairs in the order of `grades`."""
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, list | tuple) and all(
        isinstance(p, list | tuple) and len(p) == 2 for p in value
    ):
        items = list(value)
    else:
        raise _err(key, "must map each of " + "/".join(grades) + " to a number", value)
    table: dict[Grade, Decimal] = {}
    for grade, number in items:
        try:
            g = Grade(grade)
        except ValueError:
            raise _err(key, f"unknown grade {grade!r}", value) from None
        table[g] = to_decimal(number, f"{key}[{g.value}]")
    if set(table) != set(grades) or len(items) != len(grades):
        raise _err(key, "must give exactly the grades " + "/".join(grades), value)
    return tuple((g, table[g]) for g in grades)


@dataclass(frozen=True)
class ScoringPolicy:
    """The settings of the scoring rules. Defaults are the default policy of docs/scoring.md."""

    name: str = "domain-default"
    negative_convention: str = LINEAR
    grade_fractions: GradeTable = DEFAULT_GRADE_FRACTIONS
    execution_weight: Decimal = Decimal("10")
    execution_reason_threshold: Decimal = Decimal("0.90")
    overshoot_threshold: Decimal = Decimal("1.2")
    grade_bands: GradeTable = DEFAULT_GRADE_BANDS
    expected_weight_total: Decimal = Decimal("90")
    rounding_places: int = 2
    rounding: str = decimal.ROUND_HALF_UP

    def __post_init__(self) -> None:
        def put(key: str, value: object) -> None:
            object.__setattr__(self, key, value)

        if not isinstance(self.name, str) or not self.name.strip():
            raise _err("name", "must be a non-empty string", self.name)
        convention = self.negative_convention
        if convention not in NEGATIVE_CONVENTIONS:
            raise _err("negative_convention", "must be 'linear' or 'ratio'", convention)

        fractions = _grade_table(self.grade_fractions, "grade_fractions", tuple(Grade))
        values = [f for _, f in fractions]
        if any(f < 0 or f > 1 for f in values):
            raise _err("grade_fractions", "each must be between 0 and 1", self.grade_fractions)
        if values != sorted(values, reverse=True):
            raise _err("grade_fractions", "must not rise from 优 to 差", self.grade_fractions)
        put("grade_fractions", fractions)

        bands = _grade_table(self.grade_bands, "grade_bands", _BAND_GRADES)
        lows = [b for _, b in bands]
        if lows[-1] < 0 or any(a <= b for a, b in zip(lows, lows[1:], strict=False)):
            message = "must be ≥ 0 and strictly falling 优 > 良 > 中"
            raise _err("grade_bands", message, self.grade_bands)
        put("grade_bands", bands)

        checks = {
            "execution_weight": (lambda d: d >= 0, "must be ≥ 0"),
            "execution_reason_threshold": (lambda d: 0 <= d <= 1, "must be between 0 and 1"),
            "overshoot_threshold": (lambda d: d > 1, "must be greater than 1"),
            "expected_weight_total": (lambda d: d > 0, "must be greater than 0"),
        }
        for key, (ok, message) in checks.items():
            raw = getattr(self, key)
            number = to_decimal(raw, key)
            if not ok(number):
                raise _err(key, message, raw)
            put(key, number)

        places = self.rounding_places
        if isinstance(places, str) and places.strip().isdigit():
            places = int(places)
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 6:
            raise _err("rounding_places", "must be a whole number 0-6", self.rounding_places)
        put("rounding_places", places)

        mode = self.rounding.strip().upper() if isinstance(self.rounding, str) else self.rounding
        if mode not in ROUNDING_MODES:
            raise _err("rounding", "must be one of " + ", ".join(ROUNDING_MODES), self.rounding)
        put("rounding", mode)

        # Derived values the engine reads per indicator; not fields (no effect on ==, repr, hash).
        put("quantum", Decimal(1).scaleb(-places))  # the exponent scores are rounded to
        put("zero", ZERO.quantize(self.quantum, mode))  # 0 with the policy's places: 0.00
        put("fractions", dict(fractions))  # Grade → share of the weight

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object] | None) -> ScoringPolicy:
        """Build a policy from a plain dict; missing keys keep their defaults.

        Unknown keys and invalid values raise ValueError naming the key.
        """
        if mapping is None:
            return cls()
        if not isinstance(mapping, Mapping):
            raise ValueError(f"scoring policy must be a mapping, got {type(mapping).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in mapping if k not in known)
        if unknown:
            raise ValueError(
                f"scoring policy: unknown key(s) {', '.join(map(repr, unknown))}; "
                f"known keys are {', '.join(sorted(known))}"
            )
        return cls(**dict(mapping))  # type: ignore[arg-type]

    def as_mapping(self) -> dict[str, object]:
        """Plain, JSON-ready values (numbers as str); `from_mapping` of it gives an equal policy."""

        def num(d: Decimal) -> str:
            return "0" if d == 0 else format(d.normalize(), "f")

        return {
            "name": self.name,
            "negative_convention": self.negative_convention,
            "grade_fractions": {g.value: num(f) for g, f in self.grade_fractions},
            "execution_weight": num(self.execution_weight),
            "execution_reason_threshold": num(self.execution_reason_threshold),
            "overshoot_threshold": num(self.overshoot_threshold),
            "grade_bands": {g.value: num(b) for g, b in self.grade_bands},
            "expected_weight_total": num(self.expected_weight_total),
            "rounding_places": self.rounding_places,
            "rounding": self.rounding,
        }

    @cached_property
    def fingerprint(self) -> str:
        """12 hex chars identifying the values (not the name) of this policy (computed once)."""
        values = self.as_mapping()
        del values["name"]
        canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.fingerprint})"

    # -- helpers used by the engine ----------------------------------------------------------

    def fraction(self, grade: Grade) -> Decimal:
        """Share of the weight a 定性 indicator earns for `grade`."""
        return self.fractions[Grade(grade)]

    def grade_for(self, total: Decimal) -> Grade:
        """Project grade of a total by the bands (lower bounds inclusive)."""
        for grade, low in self.grade_bands:
            if total >= low:
                return grade
        return Grade.POOR

    def quantize(self, value: Decimal) -> Decimal:
        """Round to `rounding_places` with the policy's rounding mode."""
        return value.quantize(self.quantum, self.rounding)


DEFAULT_POLICY = ScoringPolicy()
