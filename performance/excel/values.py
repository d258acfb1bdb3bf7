"""Cell values → stored values, shared by the importers: Decimals that fit their column,
units as `代码-名称`, and the reference names of the indicator levels."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from performance.normalize import clean_name, match_key, parse_decimal, to_halfwidth

SHOWN_MAX = 60  # characters of a cell repeated in a message
_UNIT_RE = re.compile(r"^\s*([0-9A-Za-z]{2,20})\s*[-－—–_]\s*(\S.*)$", re.S)


def decimal_in(value: object, *, places: int, max_digits: int) -> Decimal | None:
    """A number that fits a DecimalField(max_digits, places); ValueError in Chinese otherwise.

    Binary float noise (23.330000000000002 from a formula) is rounded away; a real extra
    decimal (a weight of 3.333) is an error, not silently rounded. The magnitude is checked
    before rounding: `1e308` or a 40-digit number is “数值超出范围”, never the
    decimal.InvalidOperation that quantizing it would raise.
    """
    number = parse_decimal(value)
    if number is None:
        return None
    if number and number.adjusted() >= max_digits - places:
        raise ValueError(f"“{shown(value)}”数值超出范围（整数部分最多 {max_digits - places} 位）")
    step = Decimal(1).scaleb(-places)
    try:
        rounded = number.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than the context holds: far too precise
        raise ValueError(f"“{shown(value)}”最多保留 {places} 位小数") from exc
    if abs(number - rounded) > Decimal(1).scaleb(-(places + 6)):
        raise ValueError(f"“{shown(value)}”最多保留 {places} 位小数")
    if abs(rounded) >= Decimal(10) ** (max_digits - places):
        raise ValueError(f"“{shown(value)}”数值超出范围（整数部分最多 {max_digits - places} 位）")
    return rounded


def shown(value: object, limit: int = SHOWN_MAX) -> str:
    """A cell as the user typed it: 3.0 (a number cell) → "3"; a long text cut short."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = str(value).strip()
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text)} 字）"


def code_text(value: object) -> str:
    """A code cell: 342601.0 (a number cell) → '342601'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", to_halfwidth(str(value)))


def split_unit(text: object) -> tuple[str, str] | None:
    """'342601-广元市社会保险事务中心' → ('342601', '广元市社会保险事务中心'); None without a code."""
    m = _UNIT_RE.match(to_halfwidth(str(text or "")))
    if m is None:
        return None
    return m.group(1), clean_name(m.group(2))


class LevelNames:
    """The 一级/二级指标 reference names, matched width-, space- and punctuation-blind."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.level1 = {match_key(l1): l1 for l1, _ in pairs}
        self.level2 = {(l1, match_key(l2)): l2 for l1, l2 in pairs}

    @classmethod
    def load(cls) -> LevelNames:
        from performance.models import IndicatorLevel2

        return cls(list(IndicatorLevel2.objects.values_list("level1__name", "name")))

    def names(self, level1: object, level2: object) -> tuple[str, str]:
        """The stored spelling when known, else the cleaned text (the writer reports it)."""
        l1 = self.level1.get(match_key(level1), clean_name(level1))
        l2 = self.level2.get((l1, match_key(level2)), clean_name(level2))
        return l1, l2
