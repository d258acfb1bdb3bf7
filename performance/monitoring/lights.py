"""Monitoring lights (双监控), docs/monitoring.md. Pure module: no Django import.

m = months elapsed at the period's cut-off (1–12; a self-evaluation is m = 12).

| what                 | measure              | light                                                    |
|----------------------|----------------------|----------------------------------------------------------|
| 正向, cumulative      | A / (T × m / 12)     | < 60 % red, 60–<80 % yellow, 80–<120 % green, ≥ 120 % blue |
| 正向, level           | A / T                | same bands                                               |
| 反向                  | A vs T               | green if A ≤ T, else red                                 |
| 定性                  | grade                | 优 green, 良/中 yellow, 差 red                              |
| budget execution     | rate / (m / 12)      | < 60 % red, 60–<80 % yellow, ≥ 80 % green                 |
| project              | all of the above     | the worst (Light.severity)                               |

Beyond the table, as the scoring engine decides (performance.scoring.engine):

* **The operator decides, not the direction**: ≥ ＞ ＝ are "more is better" (正向 rows), ≤ ＜ are
  "less is better" (反向 rows), so a light never contradicts the score of the same row.
* T = 0: ≥/＞ are met by any A → green; ＝ 0 and ≤/＜ 0 → green if A = 0, else red.
* A negative A counts as 0. No target, or a negative one: no light (a target-review matter).
* Nothing entered (no A, no grade; no money spent entered; no budget) → None, not a light.

The bands are compared exactly, in Decimal: A × 12 against T × m × band, no rounding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from performance.domain import Grade, Light, Operator

ZERO = Decimal(0)
TWELVE = Decimal(12)

# Lower bounds of the bands, best first: the first one the measure reaches gives the light.
INDICATOR_BANDS: tuple[tuple[Decimal, Light], ...] = (
    (Decimal("1.2"), Light.BLUE),
    (Decimal("0.8"), Light.GREEN),
    (Decimal("0.6"), Light.YELLOW),
)
EXECUTION_BANDS: tuple[tuple[Decimal, Light], ...] = (
    (Decimal("0.8"), Light.GREEN),
    (Decimal("0.6"), Light.YELLOW),
)
BELOW_BANDS = Light.RED

GRADE_LIGHTS = {
    Grade.EXCELLENT: Light.GREEN,
    Grade.GOOD: Light.YELLOW,
    Grade.FAIR: Light.YELLOW,
    Grade.POOR: Light.RED,
}

LESS_IS_BETTER = frozenset({Operator.LE, Operator.LT})

# Counted things that accumulate through the year (数量指标): 人次, 台/套, 万条, 平方米/公里 …
COUNT_UNITS = frozenset(
    "人次 次 场 场次 户 件 台 套 份 批 批次 期 条 个 项 家 篇 册 本 辆 所 处 座 株 棵 头 只 吨 "
    "亩 公顷 平方米 米 公里 千米".split()
)
MONEY_UNITS = frozenset("元 万元 亿元 千元".split())
_MAGNITUDE = re.compile(r"^[万千百亿]+(?=.)")
_SPACES = re.compile(r"\s+")
# 二级指标 that measure a level (a rate, a quality, a deadline, satisfaction), never a count.
_LEVEL_NAMES = ("质量", "时效", "满意度")


def _unit_parts(unit: str) -> list[str]:
    text = _SPACES.sub("", unit or "").replace("／", "/")
    return [part for part in text.split("/") if part]


def _is_count(unit: str) -> bool:
    parts = _unit_parts(unit)
    return bool(parts) and all(_MAGNITUDE.sub("", part) in COUNT_UNITS for part in parts)


def _is_money(unit: str) -> bool:
    parts = _unit_parts(unit)
    return bool(parts) and parts[0] in MONEY_UNITS  # 万元, 万元/年


def is_cumulative(level1: str, level2: str, unit: str, override: bool | None) -> bool:
    """Whether an indicator grows through the year (compared with T × m / 12) or is a level.

    The indicator's own setting (`override`) wins. Otherwise: 数量指标 counted in things (人次,
    次, 户, 件, 台/套, 份, 批次, 期, 万条, 亩 …) and 成本 spending in 元/万元 are cumulative; rates
    (%), 质量, 时效, 满意度 and the rest (效益, 定性, counts of people like 万人) are levels.
    """
    if override is not None:
        return override
    level1, level2 = level1 or "", level2 or ""
    if "%" in (unit or "") or "％" in (unit or ""):
        return False
    if any(name in level2 or name in level1 for name in _LEVEL_NAMES):
        return False
    if "成本" in level1 or "成本" in level2:
        return _is_money(unit)
    if "数量" in level2:
        return _is_count(unit)
    return False


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12 (got {month!r})")


def _band(measure_numerator: Decimal, denominator: Decimal, bands) -> Light:
    """The light of numerator / denominator (denominator > 0) by `bands`, compared exactly."""
    for bound, light in bands:
        if measure_numerator >= bound * denominator:
            return light
    return BELOW_BANDS


def indicator_light(
    *,
    operator: Operator | str,
    direction: str | None = None,
    target: Decimal | None,
    target_grade: str | None = None,
    actual: Decimal | None,
    actual_grade: str | None = None,
    cumulative: bool,
    month: int,
) -> Light | None:
    """The light of one indicator at the end of month `month`; None when nothing is entered.

    `direction` (指标方向性) and `target_grade` are accepted for completeness: the operator decides
    the rule (as in scoring) and a 定性 light depends on the grade reached alone.
    """
    _check_month(month)
    op = Operator(operator)
    if op is Operator.QUALITATIVE:
        if not actual_grade:
            return None
        return GRADE_LIGHTS[Grade(actual_grade)]
    if actual is None or target is None or target < ZERO:
        return None
    a = actual if actual > ZERO else ZERO
    if op in LESS_IS_BETTER or (op is Operator.EQ and target == ZERO):
        return Light.GREEN if a <= target else Light.RED
    if target == ZERO:  # ≥ 0, ＞ 0: any A meets it
        return Light.GREEN
    if cumulative:
        return _band(a * TWELVE, target * month, INDICATOR_BANDS)
    return _band(a, target, INDICATOR_BANDS)


def execution_light(*, spent: Decimal | None, budget: Decimal | None, month: int) -> Light | None:
    """Budget execution against time progress: (spent / budget) / (m / 12).

    None when nothing spent is entered or there is no budget (≤ 0) to execute against.
    """
    _check_month(month)
    if spent is None or budget is None or budget <= ZERO:
        return None
    s = spent if spent > ZERO else ZERO
    return _band(s * TWELVE, budget * month, EXECUTION_BANDS)


def time_progress(month: int) -> Decimal:
    """m / 12, the share of the year elapsed at the cut-off (exact to 4 places for display)."""
    _check_month(month)
    return (Decimal(month) / TWELVE).quantize(Decimal("0.0001"))


def worst(lights: Iterable[Light | str | None]) -> Light | None:
    """The most severe of `lights` (red > yellow > blue > green), ignoring None and ""."""
    result: Light | None = None
    for value in lights:
        if not value:
            continue
        light = Light(value)
        if result is None or light.severity > result.severity:
            result = light
    return result
